"""The contacts list over HTTP: keyset pages through the gate, search, and a bounded query count.

Customers arrive through the real pipeline (tests.contacts.support.ingest), on a team A channel
the agent works and a team B channel they do not.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from heedful.accounts.models import Role
from heedful.contacts.models import Contact
from heedful.conversations.models import Conversation
from heedful.core.clock import now
from tests.contacts.support import channel, ingest, message, team, user

pytestmark = pytest.mark.django_db
MANY = 130  # three pages of 50


@pytest.fixture
def desk(django_user_model):
    team_a, team_b = team("team-a"), team("team-b")
    shop, other = channel("twitter", team=team_a), channel("twitter", team=team_b)
    ingest(shop, *[message("twitter", f"10{n:04d}", f"help {n}", name=f"Customer {n:03d}", username=f"cust{n}")
                   for n in range(MANY)])
    ingest(other, message("twitter", "990001", "team B secret", name="Customer Hidden", username="hidden_one"))
    ingest(shop, message("whatsapp", "447700900123", "hi", name="Wanda Phone"))
    agent = user(django_user_model, "amy", Role.AGENT, [team_a])
    return {"agent": agent, "shop": shop, "other": other,
            "hidden": Contact.objects.get(name="Customer Hidden")}


def rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-contact="(\d+)">', html)]


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_pages_walk_every_visible_contact_newest_first_and_back(client, desk):
    client.force_login(desk["agent"])
    seen, pages, url = [], [], "/contacts/"
    while url:
        html = get(client, url)
        pages.append(rows(html))
        seen += pages[-1]
        url = link(html, "next")
    visible = list(Contact.objects.exclude(pk=desk["hidden"].pk).order_by("-pk").values_list("pk", flat=True))
    assert seen == visible and len(seen) == MANY + 1
    assert [len(p) for p in pages] == [50, 50, 31]
    assert desk["hidden"].pk not in seen
    # back from the last page: "Newer" gives the second page again
    last = get(client, "/contacts/?after=" + re.search(r"after=([\w-]+)", link(get(client, "/contacts/"), "next")).group(1))
    assert rows(get(client, link(last, "prev"))) == pages[0]


def test_a_page_costs_the_same_few_queries_with_no_count_and_no_offset(client, desk):
    client.force_login(desk["agent"])
    get(client, "/contacts/")  # session, caches
    with CaptureQueriesContext(connection) as full:
        html = get(client, "/contacts/")
    assert len(rows(html)) == 50
    with CaptureQueriesContext(connection) as small:
        get(client, "/contacts/?q=Customer 12")  # 11 rows
    assert len(full) == len(small) <= 8, [q["sql"][:120] for q in full.captured_queries]
    sql = " ".join(q["sql"].upper() for q in full.captured_queries)
    assert "OFFSET" not in sql
    assert not re.search(r'COUNT\(\*\)[^;]*FROM "CONTACTS_CONTACT"', sql)


def test_search_matches_name_handle_screen_name_and_phone_through_the_gate(client, desk):
    client.force_login(desk["agent"])
    by_name = Contact.objects.get(name="Customer 007").pk
    assert rows(get(client, "/contacts/?q=omer 007")) == [by_name]
    assert rows(get(client, "/contacts/?q=@cust7")) == sorted(
        Contact.objects.filter(identities__username__startswith="cust7").values_list("pk", flat=True), reverse=True)
    wanda = Contact.objects.get(name="Wanda Phone").pk
    assert rows(get(client, "/contacts/?q=%2B44 7700 900123")) == [wanda]
    # the team B customer matches by name and handle, but the agent may not read them
    assert rows(get(client, "/contacts/?q=Hidden")) == []
    assert rows(get(client, "/contacts/?q=hidden_one")) == []
    assert "No contacts found" in get(client, "/contacts/?q=nobody-at-all")
    # a search pages like the list: older, then newer again
    first = get(client, "/contacts/?q=customer")
    older = get(client, link(first, "next"))
    assert len(rows(first)) == 50 and rows(older) == sorted(rows(older), reverse=True)
    assert set(rows(first)).isdisjoint(rows(older)) and max(rows(older)) < min(rows(first))
    assert rows(get(client, link(older, "prev"))) == rows(first)


def test_rows_show_handles_with_glyphs_last_contact_and_open_count(client, django_user_model, desk):
    contact = Contact.objects.get(name="Customer 005")
    # the same customer writes on team B's channel too: the agent must not see that activity
    ingest(desk["other"], message("twitter", "100005", "secret follow-up", name="Customer 005", username="cust5",
                                  sent_at=now() + timedelta(days=1)))
    Conversation.objects.filter(contact=contact, channel=desk["shop"]).update(last_activity_at=now() - timedelta(hours=3))
    client.force_login(desk["agent"])
    html = get(client, "/contacts/?q=Customer 005")
    row = re.search(rf'<tr data-contact="{contact.pk}">(.*?)</tr>', html, re.S).group(1)
    assert 'class="ch ch-twitter"' in row and "<svg" in row and "@cust5" in row
    assert ">3h</time>" in row  # the team B message (a day ahead) is not this agent's last contact
    assert re.search(r'data-heedful="open-count">1<', row)
    admin = user(django_user_model, "root", Role.ADMIN)
    client.force_login(admin)
    row = re.search(rf'<tr data-contact="{contact.pk}">(.*?)</tr>', get(client, "/contacts/?q=Customer 005"), re.S)
    assert re.search(r'data-heedful="open-count">2<', row.group(1))


def test_customer_text_is_escaped_and_short_terms_list_everything(client, django_user_model, desk):
    ingest(desk["shop"], message("twitter", "555", "hello", name="<script>alert(1)</script>", username="x<b>"))
    client.force_login(desk["agent"])
    html = get(client, "/contacts/?q=alert")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert len(rows(get(client, "/contacts/?q=C"))) == 50  # one letter: no filter, first page


def test_htmx_search_gets_only_the_table_and_analysts_see_nothing(client, django_user_model, desk):
    client.force_login(desk["agent"])
    partial = client.get("/contacts/?q=Customer 01", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="contact-results")
    body = partial.content.decode()
    assert "<table" in body and "<html" not in body and len(rows(body)) == 10
    client.force_login(user(django_user_model, "ana", Role.ANALYST))
    assert rows(get(client, "/contacts/")) == []
