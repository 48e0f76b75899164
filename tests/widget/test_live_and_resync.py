"""Live replies over the visitor stream, and re-sync after a dropped connection from the durable
messages table: nothing lost, nothing twice."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from heedful.conversations import delivery
from heedful.conversations.models import Conversation, Delivery, Message
from heedful.outbound.replies import reply
from heedful.widget import gate, tokens
from tests.widget.conftest import SITE, Visitor
from tests.widget.sse import Stream

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def short_streams(settings):
    settings.HEEDFUL_SSE_HEARTBEAT_SECONDS = 0.5
    settings.HEEDFUL_SSE_LIFETIME_SECONDS = 20


def is_message(text):
    return lambda item: item[0] == "message" and item[1]["text"] == text


def texts(items):
    return [data["text"] for kind, data in items if kind == "message"]


def last_cursor(items, default=0):
    cursors = [data for kind, data in items if kind == "cursor"]
    return cursors[-1] if cursors else default


def test_a_reply_reaches_the_open_stream_and_a_first_post_is_followed(client, live_server, webchat, agent_user):
    ann = Visitor(client, webchat)
    stream = Stream(live_server.url, ann.token, origin=SITE)
    assert stream.status == 200
    time.sleep(0.2)
    ann.say("Is anyone there?")  # opens the conversation after the stream started
    stream.wait_for(is_message("Is anyone there?"))
    started = time.monotonic()
    reply(agent_user, Conversation.objects.get(), "Yes, Alice here.")
    got = stream.wait_for(is_message("Yes, Alice here."), timeout=3)
    assert time.monotonic() - started < 1.5
    assert got[-1][1]["author"] == "agent"
    stream.close()


def test_a_dropped_stream_resyncs_without_loss_or_duplicates(client, live_server, webchat, agent_user, monkeypatch):
    monkeypatch.setattr(gate, "SETTLE", timedelta(0))
    ann = Visitor(client, webchat)
    ann.say("one")
    conversation = Conversation.objects.get()
    reply(agent_user, conversation, "two")

    first = Stream(live_server.url, ann.token, origin=SITE)
    got = first.wait_for(is_message("two"))
    got += first.wait_for(lambda item: item[0] == "cursor")
    first.close()  # the network drops
    cursor = last_cursor(got)
    assert cursor >= Message.objects.get(text="two").pk

    reply(agent_user, conversation, "three")  # all while the visitor is away
    ann.say("four")
    reply(agent_user, conversation, "five")

    second = Stream(live_server.url, ann.token, origin=SITE, last_event_id=cursor)
    again = second.wait_for(is_message("five"))
    again += second.drain()
    second.close()
    assert texts(again) == ["three", "four", "five"]  # after the cursor, in order, nothing earlier

    shown: dict[int, str] = {}  # what a client shows: de-duplicated by message id
    for kind, data in got + again:
        if kind == "message":
            shown.setdefault(data["id"], data["text"])
    assert list(shown.values()) == ["one", "two", "three", "four", "five"]


def test_the_cursor_waits_for_a_reply_released_after_a_newer_message(visitor, agent_user, monkeypatch):
    """A reply queued before the visitor's next message but released after it is not skipped."""
    monkeypatch.setattr(gate, "SETTLE", timedelta(0))
    ann = visitor()
    ann.say("first")
    conversation = Conversation.objects.get()
    me = tokens.read(ann.token)
    rows, cursor = gate.since(me, 0)
    assert [r.text for r in rows] == ["first"]

    queued = reply(agent_user, conversation, "late reply")
    Message.objects.filter(pk=queued.pk).update(delivery_status=Delivery.QUEUED)  # still on its way
    ann.say("second")
    rows, cursor = gate.since(me, cursor)
    assert [r.text for r in rows] == ["second"]
    assert cursor < queued.pk  # parked before the unreleased reply

    delivery.set_status(Message.objects.get(pk=queued.pk), Delivery.SENT)
    rows, cursor = gate.since(me, cursor)
    assert [r.text for r in rows] == ["late reply", "second"]  # the client drops "second" by id
    assert cursor == Message.objects.get(text="second").pk


def test_young_rows_hold_the_cursor(visitor):
    ann = visitor()
    ann.say("just now")
    rows, cursor = gate.since(tokens.read(ann.token), 0)
    assert [r.text for r in rows] == ["just now"] and cursor == 0  # may still have an older sibling


def test_a_stream_from_another_site_or_without_token_is_refused(client, live_server, webchat):
    ann = Visitor(client, webchat)
    assert Stream(live_server.url, ann.token, origin="https://evil.example").status == 403
    assert Stream(live_server.url, ann.token[:-3] + "xyz", origin=SITE).status == 401
