"""Every write of the integrations app: webhooks (admins, through the API), the deliveries an
event produces, redeliveries. Deliveries are sent after commit by `delivery.deliver`."""

from __future__ import annotations

import json
import secrets
import uuid

from django.conf import settings
from django.db import transaction

from heedful.audit.actions import record as audit
from heedful.core import jobs
from heedful.core.clock import now
from heedful.core.errors import InvalidFields, ValidationError
from heedful.core.safe_urls import refusal
from heedful.integrations import catalog, subscriptions
from heedful.integrations.erasure import ERASED_BODY
from heedful.integrations.models import DeliveryStatus, Webhook, WebhookDelivery

DELIVER_JOB = "heedful.integrations.deliver"


def max_attempts() -> int:
    return int(getattr(settings, "HEEDFUL_WEBHOOK_MAX_ATTEMPTS", 8))


def _checked_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(catalog.EVENTS))
    if not events or unknown:
        raise InvalidFields(f"events: {', '.join(unknown) or 'at least one'} (one of {', '.join(catalog.EVENTS)})")
    return sorted(set(events), key=events.index)


def _checked_url(url: str) -> str:
    problem = refusal(url)  # resolves the host: call before opening the transaction
    if problem:
        raise InvalidFields(f"url: {problem}")
    return url


def create_webhook(actor, *, url: str, events: list[str], secret: str = "") -> tuple[Webhook, str]:
    """A new subscription; returns it with its secret (generated when none is given), which the
    API shows only in this answer."""
    url, events = _checked_url(url), _checked_events(events)
    secret = secret or secrets.token_urlsafe(32)
    with transaction.atomic():
        webhook = Webhook.objects.create(url=url, events=events, secret={"value": secret}, created_by=actor)
        audit(actor, "webhook.created", "webhook", webhook.pk, events=events)
        transaction.on_commit(subscriptions.forget)
    return webhook, secret


def update_webhook(actor, webhook: Webhook, *, url: str | None = None, events: list[str] | None = None,
                   secret: str | None = None, active: bool | None = None) -> Webhook:
    changed = []
    if url is not None:
        webhook.url = _checked_url(url)
        changed.append("url")
    if events is not None:
        webhook.events = _checked_events(events)
        changed.append("events")
    if secret:
        webhook.secret = {"value": secret}
        changed.append("secret")
    if active is not None:
        webhook.active = active
        changed.append("active")
    with transaction.atomic():
        webhook.save()
        audit(actor, "webhook.updated", "webhook", webhook.pk, fields=changed)  # names of fields, no values
        transaction.on_commit(subscriptions.forget)
    return webhook


def delete_webhook(actor, webhook: Webhook) -> None:
    with transaction.atomic():
        audit(actor, "webhook.deleted", "webhook", webhook.pk)
        webhook.delete()  # its deliveries go with it: nothing is sent to a receiver that was removed
        transaction.on_commit(subscriptions.forget)


def record_event(event: str, payload: dict) -> list[WebhookDelivery]:
    """Store one delivery per subscribed webhook and send them after commit. Called by the
    event listener, after the action that emitted the event committed."""
    webhooks = subscriptions.webhooks_for(event)
    if not webhooks:
        return []
    built = catalog.build(event, payload)
    if built is None:
        return []
    data, contact_id, message_id = built
    at = now()
    with transaction.atomic():
        deliveries = []
        for webhook in webhooks:
            uid = uuid.uuid4()
            body = json.dumps({"event": event, "delivery": str(uid), "created_at": at.isoformat(), "data": data},
                              separators=(",", ":"), default=str)
            deliveries.append(WebhookDelivery(uid=uid, webhook=webhook, event=event, body=body, contact_id=contact_id, message_id=message_id,
                                              created_at=at, next_attempt_at=at, attempt_limit=max_attempts()))
        WebhookDelivery.objects.bulk_create(deliveries)
        for delivery in deliveries:
            jobs.enqueue(DELIVER_JOB, delivery.pk)
    return deliveries


def redeliver(actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, whatever became of it: same id and body, a fresh attempt budget."""
    if delivery.body == ERASED_BODY:
        raise ValidationError("this delivery held an erased customer's data and cannot be sent again")
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        locked.status, locked.next_attempt_at = DeliveryStatus.PENDING, now()
        locked.attempt_limit = min(locked.attempts + max_attempts(), 32767)
        locked.save(update_fields=["status", "next_attempt_at", "attempt_limit"])
        audit(actor, "webhook.redelivered", "webhook", locked.webhook_id, delivery=str(locked.uid))
        jobs.enqueue(DELIVER_JOB, locked.pk)
    return locked
