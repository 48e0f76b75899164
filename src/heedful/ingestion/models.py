"""InboundEvent: the raw body of every webhook or polled message, stored before processing."""

from django.db import models


class EventStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Processed"
    IGNORED = "ignored", "Ignored"
    FAILED = "failed", "Failed"


class InboundEvent(models.Model):
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="inbound_events")
    provider = models.CharField(max_length=32)
    # Provider event id, or a digest of the body when the provider sends none: replays collide.
    event_key = models.CharField(max_length=255)
    raw = models.BinaryField()
    content_type = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "event_key"], name="inbound_event_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="inbound_due"),
                   # The oldest waiting event of a channel (pipeline: may a reply's parent be in
                   # a backlog?): small, since only pending rows are in it.
                   models.Index(fields=["channel", "id"], name="inbound_pending_per_channel",
                                condition=models.Q(status="pending"))]

    def __str__(self):
        return f"InboundEvent #{self.pk} {self.provider} {self.status}"


class LookupStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Fetched"
    FAILED = "failed", "Failed"


class DetailLookup(models.Model):
    """A read a provider asked for before a notification can become a message (an Instagram
    mention names only ids). Written in the pipeline's transaction; fetched by a job after the
    commit, outside any transaction; the answer is stored as an InboundEvent of its own
    (`lookup:<key>`), so a retry or a second delivery of the notification stores nothing twice."""

    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(InboundEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    key = models.CharField(max_length=200)
    params = models.JSONField(default=dict, blank=True)  # ids only, never customer text
    status = models.CharField(max_length=10, choices=LookupStatus.choices, default=LookupStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "key"], name="detail_lookup_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="detail_lookup_due")]

    def __str__(self):
        return f"DetailLookup #{self.pk} {self.key} {self.status}"
