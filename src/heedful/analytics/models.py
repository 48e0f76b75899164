"""Reporting events, the rollups folded from them, and the live channel-bypass flag.

Plain integer keys (no foreign keys): analytics sits above conversations and only reads them;
a rollup dimension that is "none" is 0, so the unique keys below work as upsert targets on
every database (NULLs never conflict).
"""

from django.db import models

from heedful.feedback.models import Why


class Kind(models.TextChoices):
    OPENED = "opened", "Conversation opened"
    FIRST_RESPONSE = "first_response", "First response"
    MESSAGE_IN = "message_in", "Customer message"
    MESSAGE_OUT = "message_out", "Brand message"
    RESOLVED = "resolved", "Resolved (first time)"
    REOPENED = "reopened", "Reopened (first time)"
    RECONTACT = "recontact", "Customer came back within the FCR window"
    BYPASS = "bypass", "Contact on another channel within the window"
    SURVEY_ANSWERED = "survey_answered", "Survey answered"
    DEFLECTED = "deflected", "Self-service deflection"


class ReportingEvent(models.Model):
    """One fact, at the provider's own time. `ref` makes recording idempotent: the message id for
    message events, the conversation id for once-per-conversation facts, the survey id ..."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    ref = models.BigIntegerField()
    at = models.DateTimeField()
    conversation_id = models.BigIntegerField(null=True)
    contact_id = models.BigIntegerField(null=True)
    channel_id = models.BigIntegerField(default=0)
    provider = models.CharField(max_length=40, blank=True)
    team_id = models.BigIntegerField(default=0)
    agent_id = models.BigIntegerField(default=0)
    labels = models.CharField(max_length=500, blank=True, help_text="comma-separated, at record time")
    value = models.FloatField(null=True, help_text="seconds, CSAT score, replies count ...")
    value2 = models.FloatField(null=True)
    value3 = models.FloatField(null=True)
    value4 = models.FloatField(null=True)
    detail = models.CharField(max_length=60, blank=True)
    folded = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "ref"], name="analytics_event_once")]
        indexes = [
            models.Index(fields=["kind", "at"], name="analytics_event_kind_at"),
            models.Index(fields=["id"], condition=models.Q(folded=False), name="analytics_event_unfolded"),
        ]


DIMENSIONS = ("day", "channel_id", "provider", "team_id", "agent_id", "label")
HISTOGRAM_DIMENSIONS = ("day", "channel_id", "provider", "team_id", "label", "bucket")
COUNTERS = (
    "opened", "failure_demand", "repeat_72h", "repeat_7d", "repeat_30d", "messages_in", "messages_out",
    "first_responses", "first_response_seconds", "resolved", "one_touch", "resolved_contacts", "not_fcr",
    "reopened", "sentiment_n", "sentiment_start_sum", "sentiment_end_sum", "bypass_in", "surveys",
    "csat_sum", "deflected",
    "csat_1", "csat_2", "csat_3", "csat_4", "csat_5",
    *(f"why_{why}" for why in Why.values),
)


class Rollup(models.Model):
    """Counters per day x channel x team x agent x label. `label=""` is the row over all labels
    (a conversation with two labels counts once there and once in each label's row), and
    `agent_id=-1` the row over all agents (0 is "no agent")."""

    day = models.DateField()
    channel_id = models.BigIntegerField()
    provider = models.CharField(max_length=40)
    team_id = models.BigIntegerField(default=0)
    agent_id = models.BigIntegerField(default=0)
    label = models.CharField(max_length=60, blank=True)
    opened = models.IntegerField(default=0)
    failure_demand = models.IntegerField(default=0)
    repeat_72h = models.IntegerField(default=0)
    repeat_7d = models.IntegerField(default=0)
    repeat_30d = models.IntegerField(default=0)
    messages_in = models.IntegerField(default=0)
    messages_out = models.IntegerField(default=0)
    first_responses = models.IntegerField(default=0)
    first_response_seconds = models.FloatField(default=0.0)
    resolved = models.IntegerField(default=0)
    one_touch = models.IntegerField(default=0)
    resolved_contacts = models.IntegerField(default=0)
    not_fcr = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    sentiment_n = models.IntegerField(default=0)
    sentiment_start_sum = models.FloatField(default=0.0)
    sentiment_end_sum = models.FloatField(default=0.0)
    bypass_in = models.IntegerField(default=0)
    surveys = models.IntegerField(default=0)
    csat_sum = models.FloatField(default=0.0)
    deflected = models.IntegerField(default=0)
    csat_1 = models.IntegerField(default=0)
    csat_2 = models.IntegerField(default=0)
    csat_3 = models.IntegerField(default=0)
    csat_4 = models.IntegerField(default=0)
    csat_5 = models.IntegerField(default=0)
    why_fastest = models.IntegerField(default=0)
    why_other_channel_no_answer = models.IntegerField(default=0)
    why_tried_before_not_resolved = models.IntegerField(default=0)
    why_prefer_writing = models.IntegerField(default=0)
    why_public_visibility = models.IntegerField(default=0)
    why_usual_channel = models.IntegerField(default=0)
    why_other = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=list(DIMENSIONS), name="analytics_rollup_key")]
        indexes = [models.Index(fields=["label", "agent_id", "day"], name="analytics_rollup_read")]


class ResponseTimeRollup(models.Model):
    """First-response times as a histogram (see `buckets.bucket`), so a median is read from
    rollups: to the second below a minute, to 10 s below 10 minutes, to the minute below an hour,
    to 10 minutes below a day, to the hour above.
    No agent dimension: it would make the histogram as long as the list of responses."""

    day = models.DateField()
    channel_id = models.BigIntegerField()
    provider = models.CharField(max_length=40)
    team_id = models.BigIntegerField(default=0)
    label = models.CharField(max_length=60, blank=True)
    bucket = models.IntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=list(HISTOGRAM_DIMENSIONS), name="analytics_frt_key")]
        indexes = [models.Index(fields=["label", "day"], name="analytics_frt_label_day")]


class Bypass(models.Model):
    """This conversation's customer had a conversation on another channel within the window.

    Owned by analytics and keyed by conversation so the conversations table keeps no reporting
    columns; the API and the pages read it through `analytics.bypass`."""

    conversation_id = models.BigIntegerField(unique=True)
    from_conversation_id = models.BigIntegerField()
    from_channel = models.CharField(max_length=40)
    to_channel = models.CharField(max_length=40)
    contact_id = models.BigIntegerField(db_index=True)
    team_id = models.BigIntegerField(default=0)
    channel_id = models.BigIntegerField(default=0)
    at = models.DateTimeField(db_index=True)
