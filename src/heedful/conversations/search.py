"""Full-text search over message text.

PostgreSQL: a GIN index on to_tsvector('simple', text) (migration 'message_text_search'); the
'simple' configuration matches words in every language the desk receives without stemming
surprises. SQLite (embedded): a plain case-insensitive substring match.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from heedful.conversations.models import Conversation, Message

_PG_MATCH = "to_tsvector('simple', {table}.text) @@ plainto_tsquery('simple', %s)"


def matching_messages(query: str) -> QuerySet[Message]:
    query = (query or "").strip()
    if connection.vendor == "postgresql":
        table = Message._meta.db_table
        return Message.objects.filter(
            pk__in=RawSQL(f"SELECT id FROM {table} WHERE " + _PG_MATCH.format(table=table), [query])
        )
    return Message.objects.filter(text__icontains=query)


def search_conversations(conversations: QuerySet[Conversation], query: str) -> QuerySet[Conversation]:
    """Conversations (already gate-filtered by the caller) whose subject or messages match."""
    query = (query or "").strip()
    if not query:
        return conversations
    table = Message._meta.db_table
    if connection.vendor == "postgresql":
        ids = RawSQL(f"SELECT conversation_id FROM {table} WHERE " + _PG_MATCH.format(table=table), [query])
        return conversations.filter(Q(pk__in=ids) | Q(subject__icontains=query))
    return conversations.filter(
        Q(subject__icontains=query) | Q(pk__in=Message.objects.filter(text__icontains=query).values("conversation_id"))
    )
