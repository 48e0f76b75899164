"""Merge two conversations of the same customer on the same channel into one."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Max, Min, Q

from heedful.conversations.models import (
    Conversation,
    ConversationMerge,
    Direction,
    Message,
    Note,
    Status,
)
from heedful.core.clock import now
from heedful.core.errors import ValidationError
from heedful.events import names
from heedful.events.dispatcher import emit


def check_mergeable(source: Conversation, target: Conversation) -> None:
    if source.pk == target.pk:
        raise ValidationError("a conversation cannot be merged into itself")
    if source.contact_id != target.contact_id or source.channel_id != target.channel_id:
        raise ValidationError("only conversations of the same customer on the same channel can be merged")
    if ConversationMerge.objects.filter(source_id__in=[source.pk, target.pk]).exists():
        raise ValidationError("that conversation was already merged")


def merge(user, source: Conversation, target: Conversation) -> Conversation:
    """Move `source`'s messages, notes and labels into `target`; `source` ends resolved.

    Both must already be readable by `user` (the caller checks the access gate). Replies to the
    moved messages thread into `target` from now on, because threading follows message ids.
    """
    check_mergeable(source, target)
    with transaction.atomic():
        locked = {c.pk: c for c in Conversation.objects.select_for_update().filter(pk__in=[source.pk, target.pk])}
        source, target = locked[source.pk], locked[target.pk]
        Message.objects.filter(conversation=source).update(conversation=target)
        Note.objects.filter(conversation=source).update(conversation=target)
        target.labels.add(*source.labels.all())
        _recount(target, source)
        source.status, source.resolved_at, source.snoozed_until = Status.RESOLVED, now(), None
        source.messages_count = 0
        source.save(update_fields=["status", "resolved_at", "snoozed_until", "messages_count"])
        ConversationMerge.objects.create(source=source, target=target, merged_by=user)
        emit(names.CONVERSATION_MERGED, conversation_id=target.pk, source_id=source.pk)
    return target


def _recount(target: Conversation, source: Conversation) -> None:
    stats = Message.objects.filter(conversation=target).aggregate(
        count=Count("id"),
        last_inbound=Max("sent_at", filter=Q(direction=Direction.IN, automated=False)),
        first_out=Min("sent_at", filter=Q(direction=Direction.OUT)),
        last_out=Max("sent_at", filter=Q(direction=Direction.OUT)),
    )
    latest = Message.objects.filter(conversation=target).order_by("-sent_at", "-id").first()
    target.messages_count = stats["count"]
    target.last_inbound_at = stats["last_inbound"]
    target.first_response_at = stats["first_out"]
    target.last_outbound_at = stats["last_out"]
    target.created_at = min(target.created_at, source.created_at)
    target.last_activity_at = max(target.last_activity_at, source.last_activity_at)
    target.priority = max(target.priority, source.priority)
    target.score = max(target.score, source.score)
    target.public = target.public and source.public
    if latest is not None:
        target.preview = (latest.display_text or latest.text or "")[:280]
    if target.status == Status.RESOLVED and source.status != Status.RESOLVED:
        target.status, target.resolved_at = source.status, None
    target.save()
