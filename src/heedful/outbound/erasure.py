"""The outbound app's part of erasing a customer: queued replies stop, payloads and errors go."""

from __future__ import annotations

from heedful.core.erased import ERASED, chunks
from heedful.outbound.models import DeliveryAttempt, OutboundMessage, OutboundStatus


def erase_for_messages(message_ids: list[int]) -> int:
    """Fail what is still queued for these messages and drop every payload (it holds the
    recipient's handle). Call inside a transaction. Returns deliveries touched."""
    touched = 0
    for chunk in chunks(message_ids):
        outbound = OutboundMessage.objects.filter(message_id__in=chunk)
        outbound.filter(status=OutboundStatus.QUEUED).update(
            status=OutboundStatus.FAILED, next_attempt_at=None, last_error="the customer was erased")
        touched += outbound.update(payload={"erased": True})
        DeliveryAttempt.objects.filter(outbound__message_id__in=chunk).exclude(error="").update(error=ERASED)
    return touched
