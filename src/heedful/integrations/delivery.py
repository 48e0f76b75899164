"""Send one delivery: claimed in a short transaction, POSTed outside any transaction through the
shared SSRF-checked sender, the attempt and the outcome recorded in a second transaction.

A crash between the two leaves `next_attempt_at` (the lease, and the retry time) for the sweep.
Logs carry ids and statuses only, never the body or the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

from django.db import transaction

from heedful.core.clock import backoff, now
from heedful.core.safe_urls import post_json
from heedful.integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

log = logging.getLogger(__name__)
BACKOFF_BASE, BACKOFF_CAP = 5.0, 6 * 3600.0  # 25 s, 2 min, 10 min, 52 min, 4.3 h, then every 6 h


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _claim(delivery_id: int) -> WebhookDelivery | None:
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("webhook").filter(pk=delivery_id, status=DeliveryStatus.PENDING).first())
        if delivery is None or (delivery.next_attempt_at and delivery.next_attempt_at > now()):
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = now() + backoff(delivery.attempts, base=BACKOFF_BASE, cap=BACKOFF_CAP)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
        return delivery


def deliver(delivery_id: int) -> str:
    """One attempt of a due delivery; returns its outcome ("skipped" when not due or taken)."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    body = delivery.body.encode()
    headers = {"X-Heedful-Signature": signature(delivery.webhook.secret_value, body),
               "X-Heedful-Delivery": str(delivery.uid), "X-Heedful-Event": delivery.event}
    started, t0 = now(), time.monotonic()
    result = post_json(delivery.webhook.url, body, headers)
    if result.ok:
        outcome = "sent"
    elif result.refused:
        outcome = "refused"
    else:
        outcome = "retry" if delivery.attempts < delivery.attempt_limit else "failed"
    _record(delivery, started, int((time.monotonic() - t0) * 1000), outcome, result.status, result.error)
    if outcome != "sent":
        log.info("webhook delivery %s attempt %s: %s", delivery.pk, delivery.attempts, outcome)
    return outcome


@transaction.atomic
def _record(delivery: WebhookDelivery, started, duration_ms: int, outcome: str, status, error: str) -> None:
    WebhookAttempt.objects.create(delivery=delivery, number=delivery.attempts, started_at=started,
                                  duration_ms=duration_ms, outcome=outcome, response_status=status,
                                  error=error[:500])
    new_status = {"sent": DeliveryStatus.SENT, "retry": DeliveryStatus.PENDING,
                  "refused": DeliveryStatus.REFUSED}.get(outcome, DeliveryStatus.FAILED)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=new_status, last_error=error[:500], response_status=status,
        next_attempt_at=delivery.next_attempt_at if new_status == DeliveryStatus.PENDING else None)


def due(limit: int = 200) -> list[int]:
    """Pending deliveries whose retry time (or crashed lease) has come."""
    return list(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now())
                .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
