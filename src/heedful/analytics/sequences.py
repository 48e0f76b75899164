"""Reports about what a customer did before: repeat contacts and channel bypass, in SQL.

Each conversation is compared with the same customer's previous conversation (LAG over the
customer's conversations in time order), so the database does one sort and one pass instead of
shipping every conversation of the period to Python.
"""

from __future__ import annotations

from django.db import connection

from heedful.channels.models import Channel
from heedful.conversations.models import Conversation

WINDOW_DAYS = 7

_HISTORY = """
WITH hist AS (
  SELECT c.id, c.created_at, ch.provider, c.public,
         LAG(c.created_at) OVER w AS prev_at, LAG(ch.provider) OVER w AS prev_provider,
         LAG(c.public) OVER w AS prev_public
  FROM {conversations} c JOIN {channels} ch ON ch.id = c.channel_id
  WHERE c.created_at >= %s
  WINDOW w AS (PARTITION BY c.contact_id ORDER BY c.created_at, c.id)
)
"""


def _within() -> str:
    if connection.vendor == "postgresql":
        return f"prev_at >= created_at - INTERVAL '{WINDOW_DAYS} days'"
    return f"julianday(created_at) - julianday(prev_at) <= {WINDOW_DAYS}"


def _run(select: str, scope, since, window) -> list[tuple]:
    scope_sql, scope_params = scope.values("id").query.sql_with_params()
    history = _HISTORY.format(conversations=Conversation._meta.db_table, channels=Channel._meta.db_table)
    sql = history + select.format(scope=scope_sql, within=_within())
    with connection.cursor() as cursor:
        cursor.execute(sql, [since - window, since, *scope_params])
        return cursor.fetchall()


def repeat_counts(scope, since, window) -> list[tuple[str, int, int]]:
    """(channel, conversations, repeats) for the scope's conversations opened since `since`."""
    return _run("""
SELECT provider, COUNT(*), SUM(CASE WHEN prev_at IS NOT NULL AND {within} THEN 1 ELSE 0 END)
FROM hist WHERE created_at >= %s AND id IN ({scope})
GROUP BY provider ORDER BY provider""", scope, since, window)


def bypass_counts(scope, since, window) -> list[tuple[str, str, int]]:
    """(from channel, to channel, customers): a public conversation right after a private one
    on another channel within the window."""
    return _run("""
SELECT prev_provider, provider, COUNT(*)
FROM hist WHERE created_at >= %s AND public AND id IN ({scope})
  AND prev_at IS NOT NULL AND NOT prev_public AND prev_provider <> provider AND {within}
GROUP BY prev_provider, provider ORDER BY prev_provider, provider""", scope, since, window)
