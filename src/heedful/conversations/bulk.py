"""Batched writes for the ingestion pipeline: many inbound messages, a few statements.

`ConversationBatch` collects new conversations and messages in memory, keeps each touched
conversation's counters up to date as messages are appended (so a reply later in the same batch
finds the conversation its parent opened), and writes everything in `flush()`: one COPY for the
new conversations, one for the messages, one UPDATE for the existing conversations. Existing
conversations must be locked by the caller (`lock_conversations`) so the absolute counters it
writes cannot overwrite a concurrent agent's update. `announce()` then emits the events for what
was written (listeners hear them after commit).
"""

from __future__ import annotations

from django.db.models import Q

from heedful.conversations.models import Conversation, Direction, Message, Status
from heedful.core.bulk_insert import insert_rows
from heedful.core.bulk_update import update_rows
from heedful.events import names
from heedful.events.dispatcher import emit

_COUNTER_FIELDS = ["messages_count", "replies_count", "reopened_count", "last_activity_at", "preview", "last_inbound_at", "last_outbound_at", "status",
                   "resolved_at", "first_response_at", "score", "priority", "sentiment"]


def lock_conversations(ids) -> dict[int, Conversation]:
    """Load and row-lock conversations in id order (a fixed order cannot deadlock)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {c.pk: c for c in Conversation.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def conversations_by_thread_key(channel, pairs) -> dict[tuple[int, str], int]:
    """(contact_id, thread_key) -> id of the latest unresolved conversation with that key."""
    pairs = {(c, k) for c, k in pairs if c and k}
    if not pairs:
        return {}
    query = Q()
    for contact_id, key in pairs:
        query |= Q(contact_id=contact_id, thread_key=key)
    found: dict[tuple[int, str], int] = {}
    rows = (Conversation.objects.filter(query, channel=channel).exclude(status=Status.RESOLVED)
            .order_by("last_activity_at").values_list("contact_id", "thread_key", "pk"))
    for contact_id, key, pk in rows:
        found[(contact_id, key)] = pk  # latest wins
    return found


class ConversationBatch:
    def __init__(self):
        self.new: list[Conversation] = []
        self.touched: dict[int, Conversation] = {}  # id(obj) -> obj, existing and new
        self.messages: list[tuple[Message, list]] = []
        self.reopened: set[int] = set()

    def open(self, channel, contact, *, public: bool, subject: str, thread_key: str, at) -> Conversation:
        conversation = Conversation(
            channel=channel, contact=contact, public=public, subject=subject[:500],
            thread_key=thread_key[:255], team_id=channel.team_id, created_at=at, last_activity_at=at,
        )
        self.new.append(conversation)
        self.touched[id(conversation)] = conversation
        return conversation

    def append(self, conversation: Conversation, attachments: list, **fields) -> Message:
        message = Message(conversation=conversation, channel_id=conversation.channel_id, **fields)
        self.messages.append((message, attachments))
        self.touched[id(conversation)] = conversation
        at = message.sent_at
        conversation.messages_count += 1
        if at >= conversation.last_activity_at:
            conversation.last_activity_at = at
            conversation.preview = (message.display_text or message.text or "")[:280]
        if message.direction == Direction.IN and not message.automated:
            conversation.last_inbound_at = max(filter(None, [conversation.last_inbound_at, at]))
            if conversation.status == Status.RESOLVED:
                conversation.status, conversation.resolved_at = Status.OPEN, None
                conversation.reopened_count += 1
                if conversation.pk:
                    self.reopened.add(conversation.pk)
        elif message.direction == Direction.OUT:
            conversation.last_outbound_at = max(filter(None, [conversation.last_outbound_at, at]))
            conversation.replies_count += 1
            if conversation.first_response_at is None:
                conversation.first_response_at = at
        return message

    def flush(self, save_attachments) -> list[Message]:
        """Write everything; `save_attachments(message, attachments)` runs once messages have ids."""
        insert_rows(self.new)
        existing = [c for c in self.touched.values() if c not in self.new]
        if existing:
            update_rows(existing, _COUNTER_FIELDS)
        messages = [m for m, _ in self.messages]
        insert_rows(messages)  # takes each new conversation's id from the saved object
        for message, attachments in self.messages:
            if attachments:
                save_attachments(message, attachments)
        return messages

    def announce(self) -> None:
        """Emit conversation.created, message.created and conversation.reopened for what
        `flush()` wrote. Call after `flush()`, in the same transaction."""
        for conversation in self.new:
            emit(names.CONVERSATION_CREATED, conversation_id=conversation.pk, channel_id=conversation.channel_id)
        for message, _ in self.messages:
            # `snoozed` lets the snooze listener skip its query for the usual, unsnoozed case.
            emit(names.MESSAGE_CREATED, message_id=message.pk, conversation_id=message.conversation_id,
                 direction=message.direction, snoozed=message.conversation.snoozed_until is not None)
        for pk in self.reopened:
            emit(names.CONVERSATION_REOPENED, conversation_id=pk)
