"""The inbox: views, filters, permissions and keyset pagination."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from heedful.accounts.models import Role
from heedful.contacts.models import Contact
from heedful.conversations import labels
from heedful.conversations.models import Conversation
from heedful.core.clock import now
from heedful.web.models import SavedFilter
from tests.web.conftest import login, make_user, post_api_message, post_social_message


def row_ids(response) -> list[int]:
    html = response.content.decode()
    return [int(part.split('"', 1)[0]) for part in html.split('id="row-')[1:]]


@pytest.fixture
def inbox(client, agent_a, conversation_a, conversation_b):
    return login(client, agent_a)


def test_agent_sees_own_team_only(inbox, conversation_a, conversation_b):
    for view in ("all", "unassigned", "teams", "mine", "public", "sla"):
        response = inbox.get(f"/inbox/?view={view}&status=any")
        assert response.status_code == 200
        assert conversation_b.pk not in row_ids(response), view
        assert b"Team B secret problem" not in response.content
    assert row_ids(inbox.get("/inbox/")) == [conversation_a.pk]


def test_row_partial_is_gated(inbox, conversation_a, conversation_b):
    response = inbox.get(f"/inbox/rows/{conversation_a.pk}/")
    assert response.status_code == 200 and f'id="row-{conversation_a.pk}"' in response.content.decode()
    assert inbox.get(f"/inbox/rows/{conversation_b.pk}/").status_code == 404


def test_row_partial_is_empty_when_the_row_left_the_view(inbox, conversation_a, agent_a):
    inbox.post(f"/conversations/{conversation_a.pk}/resolve/", HTTP_HX_REQUEST="true")
    assert inbox.get(f"/inbox/rows/{conversation_a.pk}/?status=open").content == b""
    assert b"Resolved" in inbox.get(f"/inbox/rows/{conversation_a.pk}/?status=resolved").content


def test_admin_sees_every_team(client, django_user_model, conversation_a, conversation_b):
    admin = make_user(django_user_model, "root", role=Role.ADMIN)
    login(client, admin)
    assert set(row_ids(client.get("/inbox/"))) == {conversation_a.pk, conversation_b.pk}


def test_analyst_sees_no_conversation_text(client, django_user_model, conversation_a, teams):
    analyst = make_user(django_user_model, "ana", role=Role.ANALYST, teams=teams)
    login(client, analyst)
    response = client.get("/inbox/")
    assert response.status_code == 200 and row_ids(response) == []
    assert client.get(f"/conversations/{conversation_a.pk}/").status_code == 404


def test_views_mine_unassigned_public(inbox, client, agent_a, conversation_a, social_channel):
    post_social_message(client, social_channel, "Your service is terrible")
    public = Conversation.objects.get(channel=social_channel)
    assert row_ids(inbox.get("/inbox/?view=mine")) == []
    assert set(row_ids(inbox.get("/inbox/?view=unassigned"))) == {conversation_a.pk, public.pk}
    assert row_ids(inbox.get("/inbox/?view=public")) == [public.pk]
    inbox.post(f"/conversations/{conversation_a.pk}/assign/", {"assignee": "me"})
    assert row_ids(inbox.get("/inbox/?view=mine")) == [conversation_a.pk]
    assert row_ids(inbox.get("/inbox/?view=unassigned")) == [public.pk]


def test_sla_view_lists_customers_waiting_over_an_hour(inbox, conversation_a, client, channel_a):
    assert row_ids(inbox.get("/inbox/?view=sla")) == []
    Conversation.objects.filter(pk=conversation_a.pk).update(last_inbound_at=now() - timedelta(minutes=61))
    response = inbox.get("/inbox/?view=sla")
    assert row_ids(response) == [conversation_a.pk]
    assert b"sla-breach" in response.content
    inbox.post(f"/conversations/{conversation_a.pk}/reply/", {"text": "Looking into it"})
    assert row_ids(inbox.get("/inbox/?view=sla")) == []
    assert b"Waiting for a reply" not in inbox.get("/inbox/").content
    # the customer writes again: waiting once more, and over an hour later at risk again
    post_api_message(client, channel_a, "Any news?", thread="order-1")
    assert b"Waiting for a reply" in inbox.get("/inbox/").content
    Conversation.objects.filter(pk=conversation_a.pk).update(
        last_inbound_at=F("last_inbound_at") - timedelta(minutes=61),
        last_outbound_at=F("last_outbound_at") - timedelta(minutes=61))
    assert row_ids(inbox.get("/inbox/?view=sla")) == [conversation_a.pk]


def test_filters(inbox, client, agent_a, channel_a, conversation_a, teams):
    post_api_message(client, channel_a, "I hate this, worst shop ever, awful", sender="u-2", name="Dan", thread="x")
    angry = Conversation.objects.exclude(pk=conversation_a.pk).get(channel=channel_a)
    labels.set_labels(agent_a, angry, ["refund"])
    label_id = angry.labels.get().pk
    Conversation.objects.filter(pk=angry.pk).update(priority=3)
    assert row_ids(inbox.get(f"/inbox/?label={label_id}")) == [angry.pk]
    assert row_ids(inbox.get("/inbox/?priority=3")) == [angry.pk]
    assert row_ids(inbox.get("/inbox/?sentiment=negative")) == [angry.pk]
    assert row_ids(inbox.get("/inbox/?q=parcel")) == [conversation_a.pk]
    assert row_ids(inbox.get("/inbox/?q=dan")) == [angry.pk]
    assert row_ids(inbox.get(f"/inbox/?q={angry.pk}")) == [angry.pk]
    assert set(row_ids(inbox.get(f"/inbox/?channel={channel_a.pk}&team={teams[0].pk}"))) == {angry.pk, conversation_a.pk}
    assert row_ids(inbox.get(f"/inbox/?team={teams[1].pk}")) == []
    # sorted by priority first
    assert row_ids(inbox.get("/inbox/")) == [angry.pk, conversation_a.pk]
    inbox.post(f"/conversations/{angry.pk}/resolve/")
    assert row_ids(inbox.get("/inbox/")) == [conversation_a.pk]
    assert row_ids(inbox.get("/inbox/?status=resolved")) == [angry.pk]
    assert set(row_ids(inbox.get("/inbox/?status=any"))) == {angry.pk, conversation_a.pk}


def test_htmx_filter_request_returns_the_list_only(inbox, conversation_a):
    response = inbox.get("/inbox/?status=open", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-list")
    assert b"<html" not in response.content and f'id="row-{conversation_a.pk}"'.encode() in response.content


# -- keyset pagination -----------------------------------------------------------------------

@pytest.fixture
def many(channel_a, db):
    """130 conversations with colliding priorities and timestamps (ties broken by id)."""
    contact = Contact.objects.create(name="Many")
    base = now() - timedelta(days=1)
    rows = [Conversation(channel=channel_a, contact=contact, team=channel_a.team, priority=i % 3,
                         created_at=base, last_activity_at=base + timedelta(minutes=i % 7), preview=f"n{i}")
            for i in range(130)]
    Conversation.objects.bulk_create(rows)
    return list(Conversation.objects.filter(contact=contact).order_by("-priority", "-last_activity_at", "-id")
                .values_list("pk", flat=True))


def next_link(response, rel):
    html = response.content.decode()
    marker = f'rel="{rel}" href="'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split('"', 1)[0].replace("&amp;", "&")


def test_keyset_pages_cover_everything_once_in_order(client, agent_a, many):
    login(client, agent_a)
    seen, url, pages = [], "/inbox/", []
    while url:
        response = client.get(url)
        seen += row_ids(response)
        pages.append(url)
        url = next_link(response, "next")
    assert seen == many and len(pages) == 3
    assert "after=" in pages[-1] and "page=" not in pages[-1]
    # and back again with the "newer" links
    back = client.get(pages[-1])
    previous = next_link(back, "prev")
    assert row_ids(client.get(previous)) == many[50:100]


def test_keyset_query_uses_no_offset(client, agent_a, many):
    login(client, agent_a)
    first = client.get("/inbox/")
    with CaptureQueriesContext(connection) as queries:
        client.get(next_link(first, "next"))
    listing = [q["sql"] for q in queries.captured_queries if "conversations_conversation" in q["sql"]]
    assert listing and not any("OFFSET" in sql.upper() for sql in listing)


def test_inbox_page_costs_a_fixed_number_of_queries(client, agent_a, many):
    login(client, agent_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/inbox/")
    assert len(row_ids(response)) == 50
    # 22: the page's SLA timers are one more query (routing.explain.preload_timers), and its ids
    # are read before its rows (inbox_query.page), whatever the rows
    assert len(queries) <= 22, [q["sql"][:80] for q in queries.captured_queries]


def test_bad_cursor_falls_back_to_the_first_page(client, agent_a, many):
    login(client, agent_a)
    for cursor in ("garbage", "W1siYSJdXQ", "WzEsIjIwMjYtMDEtMDEiLDFd", "%00"):
        response = client.get(f"/inbox/?after={cursor}")
        assert response.status_code == 200 and row_ids(response) == many[:50]


# -- saved filters ---------------------------------------------------------------------------

def test_save_and_delete_a_filter(inbox, client, agent_a, agent_b, conversation_a):
    response = inbox.post("/inbox/filters/", {"name": "Angry public", "view": "public", "sentiment": "negative"})
    assert response.status_code == 302 and response["Location"] == "/inbox/?view=public&sentiment=negative"
    saved = SavedFilter.objects.get()
    assert b"Angry public" in inbox.get("/inbox/").content
    login(client, agent_b)
    assert client.post(f"/inbox/filters/{saved.pk}/delete/").status_code == 404
    login(client, agent_a)
    assert client.post(f"/inbox/filters/{saved.pk}/delete/").status_code == 302
    assert not SavedFilter.objects.exists()


def test_saving_an_empty_filter_is_refused(inbox, conversation_a):
    response = inbox.post("/inbox/filters/", {"name": "Nothing"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and not SavedFilter.objects.exists()
