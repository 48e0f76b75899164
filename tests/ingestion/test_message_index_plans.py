"""The message table keeps few indexes (each is paid on every insert); the lookups that lost
theirs must still be answered from an index: by provider id alone (the API), by provider ids of
a channel (dedupe and threading: a batch asks for up to hundreds, and past 100 PostgreSQL proves
a partial index fits only when the query restates its condition), by agent (a user's deletion
sets their messages' author null), and the virality check's negative mentions by day.

Sequential scans are turned off for one EXPLAIN: if no index fits, the plan says Seq Scan."""

import pytest
from django.db import connection

from heedful.conversations.models import Message
from heedful.core.clock import now
from heedful.routing import priority, virality

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="plans of PostgreSQL indexes")
pytestmark = [pytest.mark.django_db, postgres_only]


def plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")


BATCH = [f"{n}" for n in range(1000000, 1000250)]


@pytest.mark.parametrize("query, index", [
    (lambda: Message.objects.with_provider_ids(["1234567890"]), "message_provider_id_per_channel"),
    (lambda: Message.objects.with_provider_ids(BATCH), "message_provider_id_per_channel"),
    (lambda: Message.objects.filter(channel_id=3).with_provider_ids(BATCH[:2]), "Index"),  # empty table: channel's
    (lambda: Message.objects.filter(author_user_id=7), "msg_author_user"),
])
def test_each_lookup_has_an_index(query, index):
    found = plan(query().values("pk"))
    assert index in found and "Seq Scan" not in found, found


def test_the_virality_counts_read_the_negative_mentions_index():
    assert priority.NEGATIVE == -0.05  # the index's condition says -0.05
    found = plan(virality.negative_mention_counts_query(now()))
    assert "msg_negative_mentions" in found and "Seq Scan" not in found, found


def test_the_table_has_only_the_indexes_it_needs():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'conversations_message'")
        names = {row[0] for row in cursor.fetchall()}
    # pk, thread order, provider id, agent, identity, channel, search, negative mentions
    assert len(names) == 8, sorted(names)
