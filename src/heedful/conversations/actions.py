"""Every write to conversations, messages and notes. Events go out after commit.

Agent replies, which also create a delivery, are `outbound.replies.reply` (it calls
`append_message` here).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest

from heedful.conversations import mentions
from heedful.conversations.models import Conversation, Direction, Message, Note, Status
from heedful.core.clock import now
from heedful.core.errors import ValidationError
from heedful.events import names
from heedful.events.dispatcher import emit


def open_conversation(channel, contact, *, public: bool = False, subject: str = "",
                      thread_key: str = "", at=None, continued_from: Conversation | None = None) -> Conversation:
    """`continued_from`: the public conversation whose matter this private one carries on."""
    at = at or now()
    conversation = Conversation.objects.create(
        channel=channel, contact=contact, public=public, subject=subject[:500],
        thread_key=thread_key[:255], team=channel.team, created_at=at, last_activity_at=at,
        continued_from=continued_from,
    )
    emit(names.CONVERSATION_CREATED, conversation_id=conversation.pk, channel_id=conversation.channel_id)
    return conversation


def append_message(conversation: Conversation, **fields) -> Message:
    """Store one message and move the conversation's counters. Call inside a transaction.

    An inbound message reopens a resolved conversation: the customer is not done.
    """
    message = Message.objects.create(conversation=conversation, channel_id=conversation.channel_id, **fields)
    at = message.sent_at
    updates = {"messages_count": F("messages_count") + 1}
    if at >= conversation.last_activity_at:
        updates["last_activity_at"] = at
        updates["preview"] = (message.display_text or message.text or "")[:280]
    if message.direction == Direction.IN and not message.automated:
        updates["last_inbound_at"] = at
        if conversation.status == Status.RESOLVED:
            updates["status"] = Status.OPEN
            updates["resolved_at"] = None
            updates["reopened_count"] = F("reopened_count") + 1
    elif message.direction == Direction.OUT:
        updates["last_outbound_at"] = Greatest(Coalesce(F("last_outbound_at"), Value(at)), Value(at))
        if not message.automated:  # a survey is no answer
            updates["replies_count"] = F("replies_count") + 1
            if conversation.first_response_at is None:
                updates["first_response_at"] = at
    Conversation.objects.filter(pk=conversation.pk).update(**updates)
    emit(names.MESSAGE_CREATED, message_id=message.pk, conversation_id=conversation.pk,
         direction=message.direction)
    if updates.get("status") == Status.OPEN:
        emit(names.CONVERSATION_REOPENED, conversation_id=conversation.pk)
    return message


def add_note(user, conversation: Conversation, text: str) -> Note:
    text = (text or "").strip()
    if not text:
        raise ValidationError("a note needs text")
    note = Note.objects.create(conversation=conversation, author=user, text=text)
    Conversation.objects.filter(pk=conversation.pk).update(last_activity_at=max(conversation.last_activity_at, note.created_at))
    emit(names.NOTE_CREATED, note_id=note.pk, conversation_id=conversation.pk)
    mentions.notify(user, note)
    return note


def _set_status(conversation: Conversation, status: str, event: str, **payload) -> Conversation:
    if conversation.status == status:
        return conversation
    fields = ["status", "resolved_at", "snoozed_until"]
    if conversation.status == Status.RESOLVED:
        conversation.reopened_count += 1
        fields.append("reopened_count")
    conversation.status = status
    conversation.resolved_at = now() if status == Status.RESOLVED else None
    conversation.snoozed_until = None
    conversation.save(update_fields=fields)
    emit(event, conversation_id=conversation.pk, **payload)
    return conversation


def resolve(user, conversation: Conversation) -> Conversation:
    # Who resolved it: reports credit the resolution to that agent, not to the assignee.
    by = {"user_id": user.pk} if getattr(user, "is_authenticated", False) else {}
    return _set_status(conversation, Status.RESOLVED, names.CONVERSATION_RESOLVED, **by)


def reopen(user, conversation: Conversation) -> Conversation:
    return _set_status(conversation, Status.OPEN, names.CONVERSATION_REOPENED)


def set_pending(user, conversation: Conversation, until=None) -> Conversation:
    conversation = _set_status(conversation, Status.PENDING, names.CONVERSATION_UPDATED)
    if until:
        conversation.snoozed_until = until
        conversation.save(update_fields=["snoozed_until"])
    return conversation


def assign(user, conversation: Conversation, *, assignee=None, team=None) -> Conversation:
    fields = []
    if assignee is not False and conversation.assignee_id != (assignee.pk if assignee else None):
        conversation.assignee = assignee
        fields.append("assignee")
    if team is not None and conversation.team_id != (team.pk if team else None):
        conversation.team = team
        fields.append("team")
    if fields:
        conversation.save(update_fields=fields)
        emit(names.CONVERSATION_ASSIGNED, conversation_id=conversation.pk,
             assignee_id=conversation.assignee_id, team_id=conversation.team_id)
    return conversation


def set_priority(user, conversation: Conversation, priority: int) -> Conversation:
    conversation.priority = priority
    conversation.save(update_fields=["priority"])
    emit(names.CONVERSATION_UPDATED, conversation_id=conversation.pk)
    return conversation


def raise_priorities(user, bands: dict[int, int]) -> list[int]:
    """Raise many conversations' priority to the given band, never lower; returns the ids
    that changed. One statement, not one save per row: an SLA sweep can move thousands at
    once. Call inside a transaction."""
    if not bands:
        return []
    if connection.vendor == "postgresql":
        # arrays, not an IN list: Django prepares an IN list one value at a time
        table = connection.ops.quote_name(Conversation._meta.db_table)
        with connection.cursor() as cursor:
            # lock in id order first: two overlapping sweeps (or other id-ordered writers) cannot deadlock
            cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE id = ANY(%s::bigint[]) "
                           f"ORDER BY id FOR UPDATE) AS locked", [sorted(bands)])
            cursor.execute(f"UPDATE {table} AS c SET priority = v.band FROM unnest(%s::bigint[], %s::smallint[]) "
                           f"AS v(id, band) WHERE c.id = v.id AND c.priority < v.band RETURNING c.id",
                           [list(bands), [int(b) for b in bands.values()]])
            changed = sorted(pk for (pk,) in cursor.fetchall())
    else:
        changed = []
        by_band: dict[int, list[int]] = {}
        for pk, band in bands.items():
            by_band.setdefault(int(band), []).append(pk)
        for band, ids in sorted(by_band.items()):
            found = list(Conversation.objects.filter(pk__in=ids, priority__lt=band).values_list("pk", flat=True))
            Conversation.objects.filter(pk__in=found).update(priority=band)
            changed += found
    for pk in changed:
        emit(names.CONVERSATION_UPDATED, conversation_id=pk)
    return changed


def make_private(conversation: Conversation, thread_key: str) -> Conversation:
    """The conversation now follows the customer's private thread (after a move to private)."""
    conversation.public = False
    conversation.thread_key = thread_key[:255]
    conversation.save(update_fields=["public", "thread_key"])
    emit(names.CONVERSATION_UPDATED, conversation_id=conversation.pk)
    return conversation
