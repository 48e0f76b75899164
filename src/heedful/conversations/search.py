"""Full-text search over message text, bounded to the most recent matches.

PostgreSQL: a GIN index on the stored `search_vector`, to_tsvector('simple', text) (migration
0010, which says why it is stored); the
'simple' configuration matches words in every language the desk receives without stemming
surprises. The query asks for the newest `MAX_MATCHES` matching messages, which lets the planner
use the GIN index for rare words and walk messages newest-first for common ones (both stop
early), instead of collecting every match of a word that is in half the desk.
SQLite (embedded): a case-insensitive substring match with the same bound.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from heedful.conversations.models import Conversation, Message

MAX_MATCHES = 500


def _newest_matches_sql() -> str:
    table = Message._meta.db_table
    if connection.vendor == "postgresql":
        match = "search_vector @@ plainto_tsquery('simple', %s)"
    else:
        match = "text LIKE '%%' || %s || '%%' ESCAPE '\\'"
    return f"SELECT conversation_id FROM (SELECT conversation_id FROM {table} WHERE {match} " \
           f"ORDER BY id DESC LIMIT {MAX_MATCHES}) newest"


def _like_escape(query: str) -> str:
    return query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matching_conversation_ids(query: str) -> RawSQL:
    """Ids of the conversations with the newest messages matching `query` (a subquery)."""
    query = (query or "").strip()
    param = query if connection.vendor == "postgresql" else _like_escape(query)
    return RawSQL(_newest_matches_sql(), [param])


def newest_matching_ids(query: str) -> list[int]:
    """The same bounded match, run now: at most MAX_MATCHES conversation ids (for callers that
    combine it with other id lists instead of OR-ing subqueries, which the planner cannot index)."""
    sql = matching_conversation_ids(query)
    with connection.cursor() as cursor:
        cursor.execute(sql.sql, sql.params)
        return list(dict.fromkeys(row[0] for row in cursor.fetchall()))


def search_conversations(conversations: QuerySet[Conversation], query: str) -> QuerySet[Conversation]:
    """Conversations (already gate-filtered by the caller) whose messages match `query`."""
    if not (query or "").strip():
        return conversations
    return conversations.filter(pk__in=matching_conversation_ids(query))
