"""Delivery status of outgoing messages: set by the sender and by provider status webhooks."""

from __future__ import annotations

from datetime import datetime

from heedful.conversations.models import Delivery, Direction, Message
from heedful.events import names
from heedful.events.dispatcher import emit

# A status never moves backwards (a late "delivered" after "read" is ignored).
_RANK = {Delivery.QUEUED: 0, Delivery.SENDING: 1, Delivery.SENT: 2, Delivery.DELIVERED: 3,
         Delivery.READ: 4, Delivery.FAILED: 5, Delivery.RECEIVED: -1}


def set_status(message: Message, status: str, *, error: str = "", provider_message_id: str = "") -> bool:
    """Move a message's delivery status forward. Returns whether anything changed."""
    fields = []
    if provider_message_id and message.provider_message_id != provider_message_id:
        message.provider_message_id = provider_message_id
        fields.append("provider_message_id")
    if _RANK.get(status, 0) > _RANK.get(message.delivery_status, 0) or (
        # a retry puts a message that was being sent (or had failed) back in the queue
        status == Delivery.QUEUED and message.delivery_status in (Delivery.SENDING, Delivery.FAILED)
    ):
        message.delivery_status = status
        message.delivery_error = error[:500]
        fields += ["delivery_status", "delivery_error"]
    if not fields:
        return False
    message.save(update_fields=fields)
    emit(names.MESSAGE_STATUS_CHANGED, message_id=message.pk, conversation_id=message.conversation_id,
         status=message.delivery_status)
    return True


def mark_read_by_brand(conversation_id: int, up_to: int | None = None, since: datetime | None = None) -> int:
    """An agent has the customer's messages on screen: inbound `received` -> `read` (the
    customer's side, e.g. the web chat, shows "seen"). One UPDATE, and one status event for
    the newest message, which is all a reader of the watermark needs. Returns rows changed.
    `since` (the oldest message on screen) keeps a long thread's first render from reading and
    writing all of it: the (conversation, sent_at) index walks only the page and newer."""
    rows = Message.objects.filter(conversation_id=conversation_id, direction=Direction.IN,
                                  delivery_status=Delivery.RECEIVED)
    if up_to is not None:
        rows = rows.filter(pk__lte=up_to)
    if since is not None:
        rows = rows.filter(sent_at__gte=since)
    newest = rows.order_by("-pk").values_list("pk", flat=True).first()
    if newest is None:
        return 0
    changed = rows.filter(pk__lte=newest).update(delivery_status=Delivery.READ)
    emit(names.MESSAGE_STATUS_CHANGED, message_id=newest, conversation_id=conversation_id,
         status=Delivery.READ)
    return changed


def mark_read_by_customer(message_ids: list[int]) -> int:
    """The customer saw these released replies (the web chat panel showed them): `read`, each
    with its status event so the agent's page updates. The caller checked they are theirs."""
    changed = 0
    for message in Message.objects.filter(pk__in=message_ids, direction=Direction.OUT,
                                          delivery_status__in=(Delivery.SENT, Delivery.DELIVERED)):
        changed += set_status(message, Delivery.READ)
    return changed
