"""Routing's own tables: priority and SLA state per conversation, queues, presence, SLA
policies, business hours, automation rules and their logs.

Routing reads conversations but writes only these tables (through `routing/actions.py` and the
bulk helpers it calls); a conversation's own columns change through `conversations.actions`.
"""

from django.conf import settings
from django.db import models


class ConversationRouting(models.Model):
    """Why a conversation sorts where it does, and where its SLA timers stand.

    `score` = `base_score` (reach, virality, sentiment, repeat contact, VIP) + the weight of the
    SLA level, so the SLA sweep can move a conversation without re-reading its messages.
    """

    conversation = models.OneToOneField("conversations.Conversation", primary_key=True,
                                        on_delete=models.CASCADE, related_name="routing")
    score = models.FloatField(default=0.0, db_index=True)
    base_score = models.FloatField(default=0.0)
    reasons = models.JSONField(default=list, blank=True)  # [{"factor", "weight", "detail"}]
    inputs = models.JSONField(default=dict, blank=True)  # what the reasons were computed from
    language = models.CharField(max_length=8, blank=True)
    sla_policy = models.ForeignKey("SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_response_due = models.DateTimeField(null=True, blank=True)
    next_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    # replies_count of the conversation when next_response_due was set: a higher count = answered
    replies_seen = models.PositiveIntegerField(default=0)
    breached = models.JSONField(default=list, blank=True)  # ["first_response", ...]
    near_breach = models.JSONField(default=list, blank=True)  # targets already warned about
    sla_level = models.PositiveSmallIntegerField(default=0)  # 0 on track, 1 near breach, 2 breached
    paused_at = models.DateTimeField(null=True, blank=True)  # pending / snoozed: the clock stands
    chain_hops = models.PositiveSmallIntegerField(default=0)  # automation firings in a row
    chain_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["sla_level", "first_response_due"], name="routing_sla")]


class Assignment(models.TextChoices):
    MANUAL = "manual", "Manual"
    ROUND_ROBIN = "round_robin", "Round robin"
    LOAD = "load", "By load"
    SKILL = "skill", "By skill"


class TeamQueue(models.Model):
    team = models.OneToOneField("accounts.Team", primary_key=True, on_delete=models.CASCADE, related_name="queue")
    assignment = models.CharField(max_length=12, choices=Assignment.choices, default=Assignment.MANUAL)
    capacity = models.PositiveSmallIntegerField(default=5, help_text="open conversations per agent")
    # {"email": 8, "twitter": 3}: a tighter limit for a channel kind
    capacity_per_kind = models.JSONField(default=dict, blank=True)
    last_assigned = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")


class Presence(models.TextChoices):
    ONLINE = "online", "Online"
    AWAY = "away", "Away"
    OFFLINE = "offline", "Offline"


class AgentState(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                related_name="routing_state")
    status = models.CharField(max_length=8, choices=Presence.choices, default=Presence.OFFLINE)
    changed_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(null=True, blank=True, help_text="overrides the team's")
    languages = models.JSONField(default=list, blank=True)  # ["en", "fr"]
    skills = models.JSONField(default=list, blank=True)  # topic labels: ["billing", "outage"]


class AssignmentDecision(models.Model):
    conversation_id = models.BigIntegerField(db_index=True)
    team = models.ForeignKey("accounts.Team", null=True, on_delete=models.SET_NULL, related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    mode = models.CharField(max_length=12)
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class BusinessHours(models.Model):
    name = models.CharField(max_length=120, unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    periods = models.JSONField(default=list)  # [{"weekday": 0-6 (Monday 0), "start": "09:00", "end": "17:00"}]
    holidays = models.JSONField(default=list, blank=True)  # ["2026-12-25", ...]

    def __str__(self):
        return self.name


class SlaPolicy(models.Model):
    """Targets in minutes; a null team / channel / priority matches all. Most specific wins."""

    name = models.CharField(max_length=120)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("channels.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    priority = models.PositiveSmallIntegerField(null=True, blank=True)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    business_hours = models.ForeignKey(BusinessHours, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="policies")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


class Alert(models.Model):
    """A notice to supervisors: an SLA near breach or breach, a virality spike."""

    kind = models.CharField(max_length=20)  # sla_near_breach, sla_breached, virality
    key = models.CharField(max_length=120, unique=True)  # one alert per thing and occasion
    conversation_id = models.BigIntegerField(null=True, blank=True)
    channel_id = models.BigIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class AutomationRule(models.Model):
    name = models.CharField(max_length=120)
    event = models.CharField(max_length=40)
    conditions = models.JSONField(default=list, blank=True)  # [{"field", "op", "value"}]
    actions = models.JSONField(default=list)  # [{"type", ...}]
    enabled = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)  # evaluated in (position, id) order
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class RuleRun(models.Model):
    rule = models.ForeignKey(AutomationRule, on_delete=models.CASCADE, related_name="runs")
    event = models.CharField(max_length=40)
    conversation_id = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20)  # fired, no_match, loop_stopped, failed
    detail = models.JSONField(default=dict, blank=True)
    hop = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class WebhookCall(models.Model):
    """A rule's webhook action: a durable row, sent after commit, retried with backoff."""

    run = models.ForeignKey(RuleRun, null=True, on_delete=models.SET_NULL, related_name="webhooks")
    url = models.URLField(max_length=1000)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, default="pending")  # pending, sent, failed, refused
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class LabelRule(models.Model):
    """A topic label given to a conversation when a customer's message holds one of the
    keywords or phrases (whole words, any case), optionally on one channel only. Applied by
    the pipeline's route step (`routing.topics`)."""

    label = models.CharField(max_length=60)
    keywords = models.JSONField(default=list)  # ["refund", "money back"]
    channel = models.ForeignKey("channels.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["label", "id"]

    def __str__(self):
        return self.label
