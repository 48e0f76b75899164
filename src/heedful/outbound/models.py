"""Outgoing deliveries are durable: one OutboundMessage per reply, one DeliveryAttempt per try."""

from django.db import models


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboundMessage(models.Model):
    message = models.OneToOneField("conversations.Message", on_delete=models.CASCADE, related_name="outbound")
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    # Sent to providers that accept one, and checked before every try: a reply goes out once.
    idempotency_key = models.CharField(max_length=64, unique=True)
    # What to send, frozen at queue time (recipient, reply target, mode: public/private/dm ...).
    payload = models.JSONField(default=dict)
    # Finished steps of a multi-call send (media uploaded, text sent before the files): a retry
    # after a crash picks up from here instead of repeating them (channels.base.OutboundRequest).
    progress = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbound_due")]


class DeliveryAttempt(models.Model):
    outbound = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="attempts_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20)  # sent | retry | failed | reauth
    error = models.TextField(blank=True)
    provider_status = models.CharField(max_length=40, blank=True)
