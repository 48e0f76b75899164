"""Queue and deliver outgoing messages. Network calls happen outside any transaction.

A delivery is claimed in a short transaction (attempt counted, a lease set), sent, then its
outcome is recorded in a second transaction. A crash between the two leaves the lease to expire
and the sweeper tries again; the idempotency key lets providers that honour one drop the repeat.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from heedful.channels import actions as channel_actions
from heedful.channels import registry
from heedful.channels.base import (
    OutboundAttachment,
    OutboundRequest,
    PermanentSendError,
    ReauthRequired,
    TemporarySendError,
)
from heedful.conversations import attachments as stored_files
from heedful.conversations import delivery
from heedful.conversations.models import Delivery
from heedful.core import jobs
from heedful.core.clock import backoff, now
from heedful.outbound import private_threads
from heedful.outbound.models import DeliveryAttempt, OutboundMessage, OutboundStatus

log = logging.getLogger(__name__)


def queue(message, payload: dict, attachments: list | None = None) -> OutboundMessage:
    """Create the durable delivery for a message. Call inside the transaction that made it.

    `attachments`: the message's stored files ({"id", "filename", "content_type", "size"}); their
    bytes are read from storage at each try, never copied into the payload."""
    outbound = OutboundMessage.objects.create(
        message=message, channel_id=message.channel_id, idempotency_key=uuid.uuid4().hex,
        payload={**payload, "attachments": attachments or []}, next_attempt_at=now(),
    )
    jobs.enqueue("heedful.outbound.deliver", outbound.pk)
    return outbound


def _claim(outbound_id: int) -> OutboundMessage | None:
    with transaction.atomic():
        qs = OutboundMessage.objects.select_related("message", "channel").filter(
            pk=outbound_id, status=OutboundStatus.QUEUED
        )
        if connection_supports_skip_locked():
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        outbound = qs.first()
        if outbound is None or (outbound.next_attempt_at and outbound.next_attempt_at > now()):
            return None
        outbound.attempts += 1
        outbound.next_attempt_at = now() + timedelta(seconds=settings.HEEDFUL_OUTBOUND_LEASE_SECONDS)
        outbound.save(update_fields=["attempts", "next_attempt_at"])
        delivery.set_status(outbound.message, Delivery.SENDING)
        return outbound


def connection_supports_skip_locked() -> bool:
    from django.db import connection

    return connection.features.has_select_for_update_skip_locked


def deliver(outbound_id: int) -> str:
    """Try to send one outbound message now. Returns the outcome name."""
    outbound = _claim(outbound_id)
    if outbound is None:
        return "skipped"
    provider = registry.get(outbound.channel.provider)
    message = outbound.message
    started, t0 = now(), time.monotonic()
    try:
        request = OutboundRequest(
            outbound_id=outbound.pk, idempotency_key=outbound.idempotency_key, text=message.text,
            html=message.html, subject=message.subject, payload=outbound.payload,
            attachments=_files(outbound), progress=dict(outbound.progress or {}),
            remember=lambda name, value: _remember(outbound.pk, name, value),
        )
        receipt = provider.send(channel_actions.renewed(outbound.channel), request)
    except TemporarySendError as exc:
        return _record(outbound, started, t0, "retry", str(exc), exc.provider_status, retry_after=exc.retry_after)
    except ReauthRequired as exc:
        return _record(outbound, started, t0, "reauth", str(exc), exc.provider_status)
    except PermanentSendError as exc:
        return _record(outbound, started, t0, "failed", str(exc), exc.provider_status)
    except Exception as exc:  # unknown failure: treat as temporary, keep it visible
        log.warning("outbound %s: unexpected %s", outbound.pk, type(exc).__name__)
        return _record(outbound, started, t0, "retry", f"{type(exc).__name__}: {exc}", "")
    return _record(outbound, started, t0, "sent", "", receipt.status, provider_message_id=receipt.provider_message_id,
                   recipient=receipt.recipient)


def _files(outbound: OutboundMessage) -> list[OutboundAttachment]:
    """The reply's files with their bytes and a fresh signed link (a retry gets a new one)."""
    wanted = [item.get("id") for item in outbound.payload.get("attachments") or [] if isinstance(item, dict)]
    if not wanted:
        return []
    found = {a.pk: a for a in stored_files.of_message(outbound.message_id)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:  # erased since it was queued: sending the rest would say something else
        raise PermanentSendError("a file of this reply is no longer stored")
    return [OutboundAttachment(key=f"a{a.pk}", filename=a.filename, content_type=a.content_type, size=a.size,
                               content=stored_files.read(a), url=stored_files.signed_url(a))
            for a in (found[pk] for pk in wanted)]


def _remember(outbound_id: int, name: str, value: str) -> None:
    """Store one finished step of a send at once, in its own short transaction (autocommit)."""
    with transaction.atomic():
        outbound = OutboundMessage.objects.select_for_update().get(pk=outbound_id)
        outbound.progress = {**(outbound.progress or {}), name: value}
        outbound.save(update_fields=["progress"])


@transaction.atomic
def _record(outbound, started, t0, outcome, error, provider_status, *, retry_after=None,
            provider_message_id="", recipient=None) -> str:
    DeliveryAttempt.objects.create(
        outbound=outbound, number=outbound.attempts, started_at=started,
        duration_ms=int((time.monotonic() - t0) * 1000), outcome=outcome, error=error[:2000],
        provider_status=provider_status[:40],
    )
    message = outbound.message
    if outcome == "sent":
        outbound.status, outbound.sent_at, outbound.last_error = OutboundStatus.SENT, now(), ""
        outbound.next_attempt_at = None
        delivery.set_status(message, Delivery.SENT, provider_message_id=provider_message_id)
        if recipient is not None:
            private_threads.follow(outbound, recipient)
    elif outcome == "retry" and outbound.attempts < settings.HEEDFUL_OUTBOUND_MAX_ATTEMPTS:
        wait = timedelta(seconds=retry_after) if retry_after is not None else backoff(outbound.attempts)
        outbound.next_attempt_at = now() + wait
        outbound.last_error = error
        delivery.set_status(message, Delivery.QUEUED, error=error)
        if retry_after is not None and wait.total_seconds() <= 60:
            # A provider's short Retry-After is honoured directly; backoff waits go to the sweeper.
            seconds = wait.total_seconds()
            transaction.on_commit(lambda: jobs.enqueue_in(seconds, "heedful.outbound.deliver", outbound.pk))
    else:
        outbound.status, outbound.last_error, outbound.next_attempt_at = OutboundStatus.FAILED, error, None
        delivery.set_status(message, Delivery.FAILED, error=error)
        if outcome == "reauth":
            channel_actions.mark_needs_reauth(outbound.channel_id, error)
    outbound.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at"])
    return outcome


def retry(outbound: OutboundMessage) -> OutboundMessage:
    """Operator action: put a failed delivery back in the queue."""
    outbound.status, outbound.next_attempt_at = OutboundStatus.QUEUED, now()
    outbound.save(update_fields=["status", "next_attempt_at"])
    delivery.set_status(outbound.message, Delivery.QUEUED)
    jobs.enqueue("heedful.outbound.deliver", outbound.pk)
    return outbound


def sweep(limit: int = 200) -> int:
    """Re-run due deliveries (retries, and leases left by a crashed worker)."""
    due = list(
        OutboundMessage.objects.filter(status=OutboundStatus.QUEUED, next_attempt_at__lte=now())
        .order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        deliver(pk)
    return len(due)
