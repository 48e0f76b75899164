"""Typing both ways, read receipts both ways, the unread count, opened suggestions counted as
deflections, and the satisfaction survey answered inside the widget."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from heedful.conversations import actions
from heedful.conversations.models import Conversation, Delivery, Direction, Message
from heedful.feedback.models import Survey
from heedful.knowledge.models import SuggestionOpen
from heedful.outbound.replies import reply
from heedful.realtime import presence, topics
from tests.widget.conftest import SITE, Visitor
from tests.widget.sse import Stream

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def short_streams(settings):
    settings.HEEDFUL_SSE_HEARTBEAT_SECONDS = 0.3
    settings.HEEDFUL_SSE_LIFETIME_SECONDS = 20


def test_visitor_typing_reaches_the_agents_conversation_topic_throttled(visitor, fresh_broker):
    ann = visitor()
    assert ann.post("/widget/v1/typing", {}).json() == {"sent": False}  # no conversation yet
    ann.say("Hello")
    conversation = Conversation.objects.get()
    agent_page = fresh_broker.subscribe([topics.conversation(conversation.pk)])
    first, again = ann.post("/widget/v1/typing", {}), ann.post("/widget/v1/typing", {})
    assert first.status_code == again.status_code == 202
    assert (first.json()["sent"], again.json()["sent"]) == (True, False)
    got = agent_page.get(timeout=1)
    assert got == [(topics.conversation(conversation.pk),
                    {"type": "typing", "conversation": conversation.pk, "customer": True})]
    agent_page.close()


def test_typing_needs_the_visitors_token(visitor):
    ann = visitor()
    assert ann.post("/widget/v1/typing", {}, token=None).status_code == 401


def test_the_visitor_hears_the_agent_typing_but_not_their_own_echo(client, live_server, webchat, agent_user):
    ann = Visitor(client, webchat)
    ann.say("Hello")
    conversation = Conversation.objects.get()
    stream = Stream(live_server.url, ann.token, origin=SITE)
    try:
        stream.wait_for(lambda item: item[0] == "message")
        ann.post("/widget/v1/typing", {})
        assert [k for k, _ in stream.drain(0.6) if k == "typing"] == []
        presence.typing(agent_user, conversation)
        [(_, data)] = [i for i in stream.wait_for(lambda item: item[0] == "typing")[-1:]]
        assert data == {"name": "Alice"}
    finally:
        stream.close()


def test_the_agent_sees_the_visitor_read_a_reply_and_the_badge_count_drops(visitor, client, agent_user):
    ann, bob = visitor(), visitor()
    ann.say("Where is my parcel?")
    conversation = Conversation.objects.get()
    first = reply(agent_user, conversation, "On its way.")
    second = reply(agent_user, conversation, "Tracking: 123.")
    assert ann.get("/widget/v1/messages").json()["unread"] == 2
    assert bob.post("/widget/v1/read", {"up_to": second.pk}).json() == {"read": 0}  # not bob's
    assert ann.post("/widget/v1/read", {"up_to": first.pk}).json() == {"read": 1}
    assert ann.get("/widget/v1/messages").json()["unread"] == 1
    ann.post("/widget/v1/read", {"up_to": second.pk})
    assert set(Message.objects.filter(direction=Direction.OUT).values_list("delivery_status", flat=True)) == {"read"}
    client.force_login(agent_user)
    page = client.get(f"/conversations/{conversation.pk}/messages/{second.pk}/").content.decode()
    assert 'data-status="read"' in page and "Read" in page
    assert ann.post("/widget/v1/read", {"up_to": "soon"}).status_code == 400


def test_the_visitor_sees_seen_once_an_agent_opened_the_conversation(client, live_server, webchat, agent_user):
    ann = Visitor(client, webchat)
    sent = ann.say("Anyone reading?")
    mine = Message.objects.get(provider_message_id=sent["id"])
    assert ann.get("/widget/v1/messages").json()["seen"] == 0
    stream = Stream(live_server.url, ann.token, origin=SITE)
    try:
        stream.wait_for(lambda item: item[0] == "message")
        agent = client.__class__()
        agent.force_login(agent_user)
        assert agent.get(f"/conversations/{mine.conversation_id}/").status_code == 200
        stream.wait_for(lambda item: item == ("seen", {"up_to": mine.pk}), timeout=3)
    finally:
        stream.close()
    mine.refresh_from_db()
    assert mine.delivery_status == Delivery.READ
    assert ann.get("/widget/v1/messages").json()["seen"] == mine.pk


def test_an_opened_suggestion_is_a_deflection_unless_the_visitor_then_writes(visitor):
    ann, bob = visitor(), visitor()
    for who in (ann, bob):
        response = who.post("/widget/v1/suggestions/opened", {"kind": "article", "id": 7, "query": "refund"})
        assert response.status_code == 201
    assert SuggestionOpen.objects.filter(surface="widget").count() == 2
    assert ann.post("/widget/v1/suggestions/opened", {"kind": "video", "id": 7}).status_code == 400
    ann.say("The article did not help")
    opens = {o.session: o.conversation_opened_at for o in SuggestionOpen.objects.all()}
    assert sorted(v is None for v in opens.values()) == [False, True]  # ann wrote, bob was deflected


def _resolved_with_survey(agent_user):
    conversation = Conversation.objects.get()
    with transaction.atomic():
        actions.resolve(agent_user, conversation)
    deadline = time.monotonic() + 5
    while not Survey.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return Survey.objects.get()


def test_the_survey_is_answered_inside_the_widget_with_the_same_answers(visitor, agent_user):
    ann, bob = visitor(), visitor()
    ann.say("Please cancel my order")
    survey = _resolved_with_survey(agent_user)
    [carrier] = [m for m in ann.messages() if m.get("survey")]
    assert carrier["id"] == survey.message_id and carrier["survey"]["answered"] is False
    assert "Web chat" in carrier["survey"]["texts"]["why"]
    assert ["fastest", "It is the fastest way"] in carrier["survey"]["choices"]
    url = f"/widget/v1/surveys/{carrier['id']}"
    assert bob.post(url, {"csat": 5, "why": "fastest"}).status_code == 404
    assert ann.post(url, {"csat": 9, "why": "fastest"}).status_code == 400
    answered = ann.post(url, {"csat": 4, "why": "prefer_writing", "why_text": "<b>quick</b>"})
    assert answered.status_code == 200, answered.content
    survey.refresh_from_db()
    assert (survey.csat, survey.why, survey.why_text, survey.status) == (4, "prefer_writing", "<b>quick</b>", "answered")
    assert ann.post(url, {"csat": 1, "why": "other"}).status_code == 400  # once only
    [carrier] = [m for m in ann.messages() if m.get("survey")]
    assert carrier["survey"]["answered"] is True
