"""Integration webhooks and their durable deliveries (subscription -> delivery -> attempt)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from heedful.core.crypto import EncryptedJSONField


class Webhook(models.Model):
    """A brand's receiver: the events it wants, and the secret its deliveries are signed with."""

    url = models.URLField(max_length=1000)
    events = models.JSONField(default=list)
    secret = EncryptedJSONField(default=dict)  # {"value": ...}; the plaintext never reaches the database
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Webhook #{self.pk}"

    @property
    def secret_value(self) -> str:
        return str((self.secret or {}).get("value") or "")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"  # waiting for its first attempt or its next retry
    SENT = "sent"  # the receiver answered 2xx
    FAILED = "failed"  # out of attempts (redeliver to try again)
    REFUSED = "refused"  # the URL resolves inside the network (SSRF rule)


class WebhookDelivery(models.Model):
    """One event for one webhook. `body` is the exact JSON sent, the same bytes on every attempt,
    and `uid` is its `X-Heedful-Delivery` id, kept by retries and redeliveries."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=60)
    body = models.TextField()
    # Whose data the body holds, so erasing that customer blanks it (a plain key: contacts
    # sit below this app, and the contact row may be erased but never goes).
    contact_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    message_id = models.BigIntegerField(null=True, blank=True, db_index=True)  # a message.created's message
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    attempt_limit = models.PositiveSmallIntegerField(default=8)  # raised by a redelivery
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="hook_delivery_due"),
            models.Index(fields=["webhook", "-created_at"], name="hook_delivery_list"),
        ]


class WebhookAttempt(models.Model):
    """One POST of a delivery and what came back (never the bodies)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=10)  # sent, retry, failed, refused
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["number", "pk"]
