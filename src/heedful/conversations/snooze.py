"""Snooze: park a conversation as pending until a time; it opens again then, or when the
customer writes before that."""

from __future__ import annotations

from django.db import transaction

from heedful.conversations import actions
from heedful.conversations.models import Conversation, Direction, Message, Status
from heedful.core.clock import now
from heedful.core.errors import ValidationError


def snooze(user, conversation: Conversation, until) -> Conversation:
    if until is None or until <= now():
        raise ValidationError("snooze until a time in the future")
    return actions.set_pending(user, conversation, until=until)


def wake_due(limit: int = 500) -> int:
    """Reopen snoozed conversations whose time has come (a periodic job)."""
    due = list(
        Conversation.objects.filter(status=Status.PENDING, snoozed_until__lte=now())
        .order_by("snoozed_until").values_list("pk", flat=True)[:limit]
    )
    for conversation in Conversation.objects.filter(pk__in=due):
        with transaction.atomic():
            actions.reopen(None, conversation)
    return len(due)


def wake_on_customer_message(name: str, payload: dict) -> None:
    """Listener for message.created: a customer's new message ends the snooze."""
    if payload.get("direction") != Direction.IN or payload.get("snoozed") is False:
        return  # `snoozed=False`: the emitter held the row and saw no snooze
    conversation = Conversation.objects.filter(
        pk=payload.get("conversation_id"), status=Status.PENDING, snoozed_until__isnull=False
    ).first()
    if conversation is None:
        return
    if Message.objects.filter(pk=payload.get("message_id"), automated=True).exists():
        return
    with transaction.atomic():
        actions.reopen(None, conversation)
