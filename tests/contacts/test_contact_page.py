"""The contact page: one customer's identities and every channel's conversations in one place."""

from __future__ import annotations

import json
import re

import pytest

from heedful.accounts.models import Role
from heedful.contacts.models import Contact, Identity, LinkSuggestion
from heedful.conversations.models import Conversation
from tests.contacts.support import channel, ingest, message, team, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(db):
    """Ann on email (team A, resolved), on Twitter (team A, open, public) and WhatsApp (team B, open)."""
    team_a, team_b = team("team-a"), team("team-b")
    email, twitter = channel("email", team=team_a), channel("twitter", team=team_a)
    whatsapp = channel("whatsapp", team=team_b)
    ingest(email, message("email", "ann@example.com", "First question", name="Ann <b>Kay</b>", minutes=1))
    ingest(twitter, message("twitter", "1111", "@brand help", username="ann_k", public=True, followers=25400, minutes=2))
    ingest(twitter, message("twitter", "1111", "my email is ann@example.com", username="ann_k", thread="dm:1", minutes=3))
    ingest(whatsapp, message("whatsapp", "447700900123", "Also: my email is ann@example.com", minutes=4))
    Conversation.objects.filter(channel=email).update(status="resolved")
    contact = Contact.objects.get(identities__kind="email")
    contact.attributes = {"plan": "gold"}
    contact.save()
    return {"contact": contact, "team_a": team_a, "team_b": team_b}


def page(client, contact_id):
    response = client.get(f"/contacts/{contact_id}/")
    assert response.status_code == 200
    return response.content.decode()


def test_login_is_required(client, ann):
    response = client.get(f"/contacts/{ann['contact'].pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_page_shows_identities_timeline_reach_attributes_and_escapes_customer_text(client, agent, ann):
    client.force_login(agent)  # an admin: sees every channel
    html = page(client, ann["contact"].pk)
    assert "Ann &lt;b&gt;Kay&lt;/b&gt;" in html and "<b>Kay</b>" not in html
    for text in ("ann@example.com", "@ann_k", "+447700900123", "25.4k", "plan", "gold"):
        assert text in html, text
    timeline = re.findall(r'<li class="history-item( is-open)?">.*?href="/conversations/(\d+)/"', html, re.S)
    expected = list(Conversation.objects.order_by("-last_activity_at").values_list("pk", "status"))
    assert [int(pk) for _, pk in timeline] == [pk for pk, _ in expected]  # newest first
    assert [bool(open_) for open_, _ in timeline] == [status != "resolved" for _, status in expected]
    assert html.count('class="ch ch-') >= 4  # a channel badge per conversation


def test_an_agent_sees_their_teams_conversations_and_a_badge_for_the_others(client, django_user_model, ann):
    amy = user(django_user_model, "amy", Role.AGENT, [ann["team_a"]])
    client.force_login(amy)
    html = page(client, ann["contact"].pk)
    assert html.count('class="history-item') == 3
    assert "1 open case elsewhere" in html
    whatsapp = Conversation.objects.get(channel__provider="whatsapp")
    assert f"/conversations/{whatsapp.pk}/" not in html


def test_notes_suggestions_and_unmerge_from_the_page(client, agent, ann, api):
    client.force_login(agent)
    contact = ann["contact"]
    twitter = Conversation.objects.filter(channel__provider="twitter").first().channel
    ingest(twitter, message("twitter", "2222", "hi", username="annkay", name="Ann <b>Kay</b>"))
    suggestion = LinkSuggestion.objects.get()
    html = page(client, contact.pk)
    assert f"/contacts/suggestions/{suggestion.pk}/confirm/" in html

    response = client.post(f"/contacts/{contact.pk}/notes/", {"text": "Calls <i>every</i> day"})
    assert response.status_code == 302
    assert "Calls &lt;i&gt;every&lt;/i&gt; day" in page(client, contact.pk)

    response = client.post(f"/contacts/suggestions/{suggestion.pk}/confirm/")
    assert response.status_code == 302
    newcomer = Identity.objects.get(handle="2222").contact_id
    assert newcomer == contact.pk
    html = page(client, contact.pk)
    shell = LinkSuggestion.objects.get().contact_id
    assert f'action="/contacts/{shell}/unmerge/"' in html
    assert client.post(f"/contacts/{shell}/unmerge/").status_code == 302
    assert Identity.objects.get(handle="2222").contact_id == shell
    body = json.loads(api.get(f"/api/v1/contacts/{shell}").content)
    assert body["merged_into"] is None


def test_contact_search_page(client, agent, ann):
    client.force_login(agent)
    html = client.get("/contacts/?q=ann_k").content.decode()
    assert f'href="/contacts/{ann["contact"].pk}/"' in html
    assert "No contacts found" in client.get("/contacts/?q=nobody-at-all").content.decode()
