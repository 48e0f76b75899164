"""POST endpoints of the conversation page: each runs one action and answers with a partial."""

import re
from datetime import timedelta

import pytest

from heedful.conversations import snooze
from heedful.conversations.models import Conversation, Label, Message
from heedful.core.clock import now
from heedful.realtime import topics
from tests.web.conftest import login, post_api_message, post_social_message

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def agent(client, agent_a):
    return login(client, agent_a)


def url(conversation, command):
    return f"/conversations/{conversation.pk}/{command}/"


def test_reply_returns_the_message_with_its_delivery_status(agent, conversation_a, brand):
    response = agent.post(url(conversation_a, "reply"), {"text": "  We are on it  "}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 200
    html = response.content.decode()
    message = Message.objects.get(direction="out")
    assert f'id="msg-{message.pk}"' in html and "We are on it" in html
    assert "status-sent" in html  # jobs run right after commit in tests, so it was already sent
    assert brand.requests_to("POST", "/out")[0].json()["text"] == "We are on it"


def test_failed_delivery_is_shown_and_can_be_retried(agent, conversation_a, brand):
    response = agent.post(url(conversation_a, "reply"), {"text": "please fail"}, **HX)
    html = response.content.decode()
    assert "status-failed" in html and "refused the message (422)" in html and "Try again" in html
    assert re.search(r'<input type="hidden" name="csrfmiddlewaretoken" value="\w{64}"><button', html)
    message = Message.objects.get(direction="out")
    retried = agent.post(f"/conversations/{conversation_a.pk}/messages/{message.pk}/retry/", **HX)
    assert retried.status_code == 200 and len(brand.requests_to("POST", "/out")) == 2
    sent = agent.post(url(conversation_a, "reply"), {"text": "fine"}, **HX)
    ok = Message.objects.get(text="fine")
    assert "status-sent" in sent.content.decode()
    again = agent.post(f"/conversations/{conversation_a.pk}/messages/{ok.pk}/retry/", **HX)
    assert again.status_code == 400 and b"only a failed reply" in again.content


def test_empty_reply_is_a_400_with_a_readable_reason(agent, conversation_a):
    response = agent.post(url(conversation_a, "reply"), {"text": "   "}, **HX)
    assert response.status_code == 400 and response.content == b"a reply needs text or an attachment"
    assert not Message.objects.filter(direction="out").exists()


def test_without_javascript_commands_redirect_back(agent, conversation_a):
    page = f"http://testserver/conversations/{conversation_a.pk}/"
    response = agent.post(url(conversation_a, "reply"), {"text": ""}, HTTP_REFERER=page)
    assert response.status_code == 302 and response["Location"] == page
    assert b"a reply needs text" in agent.get(page).content
    evil = agent.post(url(conversation_a, "reply"), {"text": ""}, HTTP_REFERER="https://evil.example/")
    assert evil["Location"] == "/inbox/"
    ok = agent.post(url(conversation_a, "resolve"))
    assert ok.status_code == 302 and ok["Location"] == f"/conversations/{conversation_a.pk}/"


def test_get_on_a_command_is_refused(agent, conversation_a):
    assert agent.get(url(conversation_a, "resolve")).status_code == 405


def test_public_reply_over_the_provider_limit_is_refused(agent, client, social_channel, social):
    post_social_message(client, social_channel, "Terrible service")
    conversation = Conversation.objects.get(channel=social_channel)
    response = agent.post(url(conversation, "reply"), {"text": "x" * 281}, **HX)
    assert response.status_code == 400 and b"at most 280" in response.content
    ok = agent.post(url(conversation, "reply"), {"text": "Sorry! We are looking into it."}, **HX)
    assert ok.status_code == 200 and b"status-sent" in ok.content
    assert social.requests_to("POST", "/send")[0].json()["mode"] == "public"


def test_move_to_private(agent, client, social_channel, social):
    post_social_message(client, social_channel, "Terrible service", sender="tw-7")
    conversation = Conversation.objects.get(channel=social_channel)
    response = agent.post(url(conversation, "move-to-private"), {"text": "Could you DM us your order number?",
                                                                "acknowledgement": "We sent you a DM."}, **HX)
    assert response.status_code == 204 and response["HX-Refresh"] == "true"
    conversation.refresh_from_db()
    assert not conversation.public and conversation.thread_key == "dm:tw-7"
    modes = [r.json()["mode"] for r in social.requests_to("POST", "/send")]
    assert modes == ["public", "private"]
    again = agent.post(url(conversation, "move-to-private"), {"text": "x"}, **HX)
    assert again.status_code == 400


def test_note_with_mention_tells_the_teammate(agent, conversation_a, agent_a2, fresh_broker):
    inbox = fresh_broker.subscribe([topics.user(agent_a2.pk)])
    response = agent.post(url(conversation_a, "note"), {"text": "@abe can you check? cc @nobody"}, **HX)
    assert response.status_code == 200 and b"note-" in response.content
    notices = inbox.get(timeout=1)
    assert [(t, n["type"], n["conversation"]) for t, n in notices] == [
        (topics.user(agent_a2.pk), "mention", conversation_a.pk)]
    assert agent.post(url(conversation_a, "note"), {"text": " "}, **HX).status_code == 400


def test_resolve_and_reopen_return_the_updated_chrome(agent, conversation_a):
    response = agent.post(url(conversation_a, "resolve"), **HX)
    html = response.content.decode()
    assert 'id="conv-header" class="conv-header" hx-swap-oob="true"' in html and 'id="conv-side"' in html
    assert "Reopen" in html
    conversation_a.refresh_from_db()
    assert conversation_a.status == "resolved"
    assert "Resolve" in agent.post(url(conversation_a, "reopen"), **HX).content.decode()
    conversation_a.refresh_from_db()
    assert conversation_a.status == "open"


def test_snooze_presets_custom_times_and_waking(agent, client, conversation_a, channel_a):
    assert agent.post(url(conversation_a, "snooze"), {"for": "1h"}, **HX).status_code == 200
    conversation_a.refresh_from_db()
    assert conversation_a.status == "pending"
    assert timedelta(minutes=59) < conversation_a.snoozed_until - now() < timedelta(minutes=61)
    past = (now() - timedelta(hours=1)).isoformat()
    assert agent.post(url(conversation_a, "snooze"), {"for": "custom", "until": past}, **HX).status_code == 400
    assert agent.post(url(conversation_a, "snooze"), {"for": "custom", "until": "soon"}, **HX).status_code == 400
    future = (now() + timedelta(days=3)).isoformat()
    assert agent.post(url(conversation_a, "snooze"), {"for": "custom", "until": future}, **HX).status_code == 200
    # the customer writes again: the snooze ends
    post_api_message(client, channel_a, "Hello?", thread="order-1")
    conversation_a.refresh_from_db()
    assert conversation_a.status == "open" and conversation_a.snoozed_until is None
    # and the periodic job wakes a due snooze
    agent.post(url(conversation_a, "snooze"), {"for": "1h"}, **HX)
    Conversation.objects.filter(pk=conversation_a.pk).update(snoozed_until=now() - timedelta(seconds=1))
    assert snooze.wake_due() == 1
    conversation_a.refresh_from_db()
    assert conversation_a.status == "open"


def test_assign_team_priority_labels(agent, conversation_a, agent_a, agent_a2, teams):
    assert agent.post(url(conversation_a, "assign"), {"assignee": "me"}, **HX).status_code == 200
    conversation_a.refresh_from_db()
    assert conversation_a.assignee == agent_a
    agent.post(url(conversation_a, "assign"), {"assignee": str(agent_a2.pk)}, **HX)
    conversation_a.refresh_from_db()
    assert conversation_a.assignee == agent_a2
    agent.post(url(conversation_a, "assign"), {"assignee": ""}, **HX)
    conversation_a.refresh_from_db()
    assert conversation_a.assignee is None
    assert agent.post(url(conversation_a, "assign"), {"assignee": "99999"}, **HX).status_code == 400
    assert agent.post(url(conversation_a, "team"), {"team": "x"}, **HX).status_code == 404
    assert agent.post(url(conversation_a, "priority"), {"priority": "3"}, **HX).status_code == 200
    assert agent.post(url(conversation_a, "priority"), {"priority": "9"}, **HX).status_code == 400
    response = agent.post(url(conversation_a, "labels"), {"labels": "Refund, outage, refund , "}, **HX)
    assert response.status_code == 200 and b"outage" in response.content
    conversation_a.refresh_from_db()
    assert conversation_a.priority == 3
    assert sorted(conversation_a.labels.values_list("name", flat=True)) == ["Refund", "outage"]
    agent.post(url(conversation_a, "labels"), {"labels": "outage"}, **HX)
    assert list(conversation_a.labels.values_list("name", flat=True)) == ["outage"]
    assert Label.objects.count() == 2


def test_transfer_to_another_team_leaves_the_conversation(agent, conversation_a, agent_a, teams):
    response = agent.post(url(conversation_a, "team"), {"team": str(teams[1].pk)}, **HX)
    assert response.status_code == 204 and response["HX-Redirect"] == "/inbox/"
    conversation_a.refresh_from_db()
    assert conversation_a.team == teams[1]
    assert agent.get(f"/conversations/{conversation_a.pk}/").status_code == 404
    assert b"moved out of your teams" in agent.get("/inbox/").content


def test_merge_refuses_other_customers(agent, client, channel_a):
    post_api_message(client, channel_a, "one", sender="u-1", thread="a")
    post_api_message(client, channel_a, "two", sender="u-2", thread="b")
    first, second = Conversation.objects.order_by("pk")
    response = agent.post(url(second, "merge"), {"target": first.pk}, **HX)
    assert response.status_code == 400 and b"same customer" in response.content
    assert agent.post(url(second, "merge"), {"target": second.pk}, **HX).status_code == 400


def test_typing_ping_is_published_and_throttled(agent, conversation_a, agent_a, fresh_broker):
    sub = fresh_broker.subscribe([topics.conversation(conversation_a.pk)])
    assert agent.post(url(conversation_a, "typing"), **HX).status_code == 204
    assert agent.post(url(conversation_a, "typing"), **HX).status_code == 204
    notices = sub.get(timeout=0.5)
    assert [n for _, n in notices] == [{"type": "typing", "conversation": conversation_a.pk,
                                        "user": agent_a.pk, "name": "Ann"}]
