"""Inbox search and label filters: the right conversations, through indexes that fit the query.

The plan checks turn off sequential and plain index scans for one EXPLAIN, so the planner can
only answer from a bitmap on an index whose expression and operator match the query: if the
query drifts from its index (another expression, ILIKE where the index is on UPPER(...) LIKE),
the plan falls back to a sequential scan and the test fails, whatever the table size.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from heedful.accounts.models import Role
from heedful.conversations import labels
from heedful.conversations.models import Conversation
from heedful.web import inbox_query
from heedful.web.inbox_query import InboxFilter
from tests.web.conftest import login, make_user, post_api_message, post_social_message

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="plans of PostgreSQL indexes")


@pytest.fixture
def desk(client, agent_a, channel_a, social_channel, conversation_a, conversation_b):
    post_api_message(client, channel_a, "The mammoth invoice is wrong", sender="u-7", name="Danielle Ortiz",
                     thread="t-7")
    post_social_message(client, social_channel, "hello brand", sender="tw-9", name="Sam", username="quokka_fan")
    return {"invoice": Conversation.objects.get(contact__name="Danielle Ortiz"),
            "social": Conversation.objects.get(channel=social_channel),
            "parcel": conversation_a, "other_team": conversation_b}


def found(user, q: str) -> set[int]:
    return set(inbox_query.conversations(user, InboxFilter(q=q, status="any")).values_list("pk", flat=True))


def test_search_finds_text_names_handles_and_ids(desk, agent_a):
    assert found(agent_a, "mammoth") == {desk["invoice"].pk}
    assert found(agent_a, "parcel") == {desk["parcel"].pk}
    assert found(agent_a, "ortiz") == {desk["invoice"].pk}  # part of a name, any case
    assert found(agent_a, "@quokka") == {desk["social"].pk}  # part of a screen name
    assert found(agent_a, f"#{desk['invoice'].pk}") == {desk["invoice"].pk}
    assert found(agent_a, "secret") == set()  # another team's conversation stays out
    assert found(agent_a, "zebra") == set()


def test_inbox_page_search(client, desk, agent_a):
    login(client, agent_a)
    html = client.get("/inbox/?q=mammoth").content.decode()
    assert f'id="row-{desk["invoice"].pk}"' in html and f'id="row-{desk["parcel"].pk}"' not in html


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
        cursor.execute("SET enable_indexonlyscan = off")
        try:
            cursor.execute("EXPLAIN " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan; RESET enable_indexscan; RESET enable_indexonlyscan")


def _queries(fn) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return [q["sql"] for q in ctx.captured_queries]


def _one(queries: list[str], *needles: str) -> str:
    hits = [q for q in queries if all(n in q for n in needles)]
    assert len(hits) == 1, (needles, queries)
    return hits[0]


@postgres_only
def test_search_queries_use_the_gin_and_trigram_indexes(desk, agent_a):
    queries = _queries(lambda: found(agent_a, "ortiz"))
    text = _one(queries, "search_vector @@")
    assert "Bitmap Index Scan on message_search_vector" in _plan(text)
    assert "LIMIT 500" in text  # the newest-500-matches bound of the API's search
    names = _one(queries, 'FROM "contacts_contact"', "LIKE")
    assert "Bitmap Index Scan on contact_name_trgm" in _plan(names)
    handles = _one(queries, 'FROM "contacts_identity"', "LIKE")
    plan = _plan(handles)
    assert "identity_handle_trgm" in plan and "identity_username_trgm" in plan, plan
    assert all("ILIKE" not in q for q in queries)


@postgres_only
def test_label_filter_uses_the_label_conversation_index(desk, agent_a):
    labels.set_labels(agent_a, desk["invoice"], ["refund"])
    label = desk["invoice"].labels.get()
    f = InboxFilter(label=label.pk, status="any")
    assert set(inbox_query.conversations(agent_a, f).values_list("pk", flat=True)) == {desk["invoice"].pk}
    queries = _queries(lambda: inbox_query.page(inbox_query.conversations(agent_a, f)))
    listing = _one(queries, '"conversations_label_conversations"."label_id" =')
    plan = _plan(listing)
    # the through table's (label_id, conversation_id) index, not a scan of every labelling
    assert "Seq Scan on conversations_label_conversations" not in plan, plan
    assert "Index Scan on conversations_label_conversations_" in plan and "Index Cond: (label_id = " in plan, plan


@postgres_only
def test_api_label_filter_uses_the_label_name_and_through_indexes(desk, agent_a):
    labels.set_labels(agent_a, desk["invoice"], ["Refund"])
    # the lookup GET /api/v1/conversations?label= applies (api/v1/conversations.py)
    qs = Conversation.objects.filter(labels__name__iexact="refund")
    assert list(qs.values_list("pk", flat=True)) == [desk["invoice"].pk]
    plan = _plan(_one(_queries(lambda: list(qs.values_list("pk", flat=True))), "UPPER("))
    assert "Bitmap Index Scan on label_name_upper" in plan, plan
    assert "Seq Scan on conversations_label_conversations" not in plan, plan


@pytest.fixture
def answered_desk(desk):
    """The small desk plus 3,000 answered open conversations of agent_a's team, vacuumed and
    analysed: plans on a table of five rows, or on statistics an earlier test left, can go
    either way."""
    from datetime import timedelta

    from heedful.core.clock import now

    template = desk["parcel"]
    at = now() - timedelta(hours=3)
    Conversation.objects.bulk_create(
        Conversation(channel_id=template.channel_id, contact_id=template.contact_id, team_id=template.team_id,
                     status="open", created_at=at, last_activity_at=at, last_inbound_at=at,
                     last_outbound_at=at + timedelta(minutes=5))
        for _ in range(3000))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE conversations_conversation")
    return desk


@postgres_only
def test_sla_count_reads_the_open_awaiting_index(answered_desk, django_user_model):
    """The sidebar's "SLA at risk" count: unanswered open conversations from the partial index
    conv_open_awaiting, not an anti-join on the messages of every open conversation."""
    admin = make_user(django_user_model, "ada", role=Role.ADMIN)
    queries = _queries(lambda: inbox_query.capped_count(inbox_query.conversations(admin, InboxFilter(view="sla"))))
    plan = _plan(_one(queries, "COUNT(*)"))
    assert "conv_open_awaiting" in plan, plan
    assert "conversations_message" not in plan, plan


@postgres_only
def test_team_agents_first_page_reads_only_the_inbox_index(answered_desk, agent_a):
    """A team agent's page ids: the scope (team, the team's channels, own assignments) is tested
    on the inbox index's own columns, so the walk needs no conversation row. Whether PostgreSQL
    then prefers the index-only scan depends on the visibility map, which another test's open
    snapshot can keep unset; so this holds the index to every column the query reads."""
    queries = _queries(lambda: inbox_query.page(inbox_query.conversations(agent_a, InboxFilter())))
    ids = _one(queries, 'SELECT "conversations_conversation"."id" AS "pk"', "ORDER BY")
    read = {"status", "priority", "last_activity_at", "id", "team_id", "channel_id", "assignee_id"}
    assert {c for c in read if f'"conversations_conversation"."{c}"' in ids} >= {"status", "team_id", "channel_id",
                                                                                "assignee_id"}, ids
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('conv_inbox'::regclass)")
        definition = cursor.fetchone()[0]
    covered = set(re.findall(r"\b(\w+)\b", definition.split(" USING btree ", 1)[1]))
    assert read <= covered, definition
