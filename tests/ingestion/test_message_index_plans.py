"""The message table keeps few indexes (each is paid on every insert); the lookups that lost
theirs must still be answered from an index: by provider id alone (the API), by provider ids of
a channel (dedupe and threading), by agent (a user's deletion sets their messages' author null).

Sequential scans are turned off for one EXPLAIN: if no index fits, the plan says Seq Scan."""

import pytest
from django.db import connection

from heedful.conversations.models import Message

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="plans of PostgreSQL indexes")
pytestmark = [pytest.mark.django_db, postgres_only]


def plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("lookup, index", [
    ({"provider_message_id": "1234567890"}, "message_provider_id_per_channel"),
    ({"channel_id": 3, "provider_message_id__in": ["a", "b"]}, "Index"),  # on an empty table, channel's
    ({"author_user_id": 7}, "msg_author_user"),
])
def test_each_lookup_has_an_index(lookup, index):
    found = plan(Message.objects.filter(**lookup).values("pk"))
    assert index in found and "Seq Scan" not in found, found


def test_the_table_has_only_the_indexes_it_needs():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'conversations_message'")
        names = {row[0] for row in cursor.fetchall()}
    assert len(names) == 7, sorted(names)  # pk, thread order, provider id, agent, identity, channel, search
