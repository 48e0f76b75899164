"""Every write to conversations, messages and notes. Events go out after commit.

Agent replies, which also create a delivery, are `outbound.replies.reply` (it calls
`append_message` here).
"""

from __future__ import annotations

from django.db.models import F

from heedful.conversations import mentions
from heedful.conversations.models import Conversation, Direction, Message, Note, Status
from heedful.core.clock import now
from heedful.core.errors import ValidationError
from heedful.events import names
from heedful.events.dispatcher import emit


def open_conversation(channel, contact, *, public: bool = False, subject: str = "",
                      thread_key: str = "", at=None) -> Conversation:
    at = at or now()
    conversation = Conversation.objects.create(
        channel=channel, contact=contact, public=public, subject=subject[:500],
        thread_key=thread_key[:255], team=channel.team, created_at=at, last_activity_at=at,
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
    elif message.direction == Direction.OUT and not message.automated:  # a survey is no answer
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


def _set_status(conversation: Conversation, status: str, event: str) -> Conversation:
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
    emit(event, conversation_id=conversation.pk)
    return conversation


def resolve(user, conversation: Conversation) -> Conversation:
    return _set_status(conversation, Status.RESOLVED, names.CONVERSATION_RESOLVED)


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


def make_private(conversation: Conversation, thread_key: str) -> Conversation:
    """The conversation now follows the customer's private thread (after a move to private)."""
    conversation.public = False
    conversation.thread_key = thread_key[:255]
    conversation.save(update_fields=["public", "thread_key"])
    emit(names.CONVERSATION_UPDATED, conversation_id=conversation.pk)
    return conversation
