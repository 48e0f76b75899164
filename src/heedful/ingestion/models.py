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
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="inbound_due")]

    def __str__(self):
        return f"InboundEvent #{self.pk} {self.provider} {self.status}"
