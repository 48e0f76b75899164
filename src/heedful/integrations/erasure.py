"""The integrations app's part of erasing a customer (or a message its author deleted): blank
the bodies of the deliveries that carry them.

Rows and attempts stay (what was sent when is still visible); a blanked delivery cannot be
redelivered with the customer's data in it.
"""

from __future__ import annotations

import json

from heedful.core.erased import chunks
from heedful.integrations.models import DeliveryStatus, WebhookDelivery

ERASED_BODY = json.dumps({"erased": True})


def erase_for_contacts(contact_ids: list[int]) -> int:
    """Call inside the erasure's transaction."""
    return sum(_blank(WebhookDelivery.objects.filter(contact_id__in=chunk), "the customer was erased")
               for chunk in chunks(contact_ids))


def erase_for_messages(message_ids: list[int]) -> int:
    """Deliveries quoting these messages (deleted by their author on the provider)."""
    return sum(_blank(WebhookDelivery.objects.filter(message_id__in=chunk), "the message was deleted")
               for chunk in chunks(message_ids))


def _blank(deliveries, reason: str) -> int:
    deliveries.filter(status=DeliveryStatus.PENDING).update(status=DeliveryStatus.FAILED, next_attempt_at=None,
                                                            last_error=reason)
    return deliveries.update(body=ERASED_BODY)
