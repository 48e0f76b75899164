"""Live updates: the brokers, event -> notice listeners, and the server-sent events endpoint."""

import json
import socket
import threading
import time
import uuid

import pytest

from heedful.conversations.models import Conversation
from heedful.realtime import broker, topics
from heedful.realtime.stream import events
from tests.web.conftest import login, post_api_message


def read_events(response, count, limit=20):
    """The next `count` data events of a stream (skipping comments), as dicts."""
    found = []
    stream = iter(response.streaming_content)
    for _ in range(limit):
        chunk = next(stream).decode()
        for block in chunk.split("\n\n"):
            if block.startswith("data: "):
                found.append(json.loads(block[len("data: "):]))
        if len(found) >= count:
            return found
    return found


@pytest.fixture
def quick_stream(settings):
    settings.HEEDFUL_SSE_HEARTBEAT_SECONDS = 0.2
    settings.HEEDFUL_SSE_LIFETIME_SECONDS = 3


# -- brokers -------------------------------------------------------------------------------

def test_memory_broker_delivers_by_topic():
    memory = broker.MemoryBroker()
    inbox = memory.subscribe(["inbox"])
    one = memory.subscribe(["conversation:1"])
    memory.publish("inbox", {"n": 1})
    memory.publish("conversation:2", {"n": 2})
    memory.publish("conversation:1", {"n": 3})
    assert inbox.get(timeout=0.1) == [("inbox", {"n": 1})]
    assert one.get(timeout=0.1) == [("conversation:1", {"n": 3})]
    started = time.monotonic()
    assert inbox.get(timeout=0.2) == [] and time.monotonic() - started >= 0.19
    inbox.close()
    one.close()
    assert memory.subscriber_count() == 0


def test_memory_broker_wakes_a_waiting_reader():
    memory = broker.MemoryBroker()
    sub = memory.subscribe(["inbox"])
    threading.Timer(0.05, lambda: memory.publish("inbox", {"late": True})).start()
    started = time.monotonic()
    assert sub.get(timeout=5) == [("inbox", {"late": True})]
    assert time.monotonic() - started < 2


def redis_url():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379 (start redis-server to run the Redis broker test)")
    return "redis://127.0.0.1:6379/0"


def test_redis_broker_delivers_across_connections():
    url = redis_url()
    prefix = f"heedful-test-{uuid.uuid4().hex[:8]}:"
    publisher, subscriber = broker.RedisBroker(url, prefix=prefix), broker.RedisBroker(url, prefix=prefix)
    sub = subscriber.subscribe(["inbox", "conversation:7"])
    try:
        publisher.publish("conversation:8", {"n": 0})
        publisher.publish("conversation:7", {"n": 1})
        publisher.publish("inbox", {"n": 2})
        got = []
        deadline = time.monotonic() + 3
        while len(got) < 2 and time.monotonic() < deadline:
            got += sub.get(timeout=0.5)
        assert got == [("conversation:7", {"n": 1}), ("inbox", {"n": 2})]
        assert sub.get(timeout=0.2) == []
    finally:
        sub.close()


def test_redis_is_chosen_when_configured(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    broker.set_broker(None)
    assert isinstance(broker.get_broker(), broker.RedisBroker)
    settings.REDIS_URL = ""
    broker.set_broker(None)
    assert isinstance(broker.get_broker(), broker.MemoryBroker)


# -- listeners -------------------------------------------------------------------------------

def test_domain_events_become_notices(client, channel_a, agent_a, fresh_broker, brand):
    sub = fresh_broker.subscribe(["inbox"])
    post_api_message(client, channel_a, "hello", thread="t1")
    conversation = Conversation.objects.get()
    message = conversation.messages.get()
    inbox = [n for _, n in sub.get(timeout=0.5)]
    assert {"type": "conversation.changed", "conversation": conversation.pk, "event": "message.created"} in inbox
    one = fresh_broker.subscribe([topics.conversation(conversation.pk)])
    login(client, agent_a)
    client.post(f"/conversations/{conversation.pk}/reply/", {"text": "hi"}, HTTP_HX_REQUEST="true")
    client.post(f"/conversations/{conversation.pk}/resolve/", HTTP_HX_REQUEST="true")
    notices = [n for _, n in one.get(timeout=0.5)]
    kinds = [n["type"] for n in notices]
    assert kinds[0] == "message.created" and "message.status_changed" in kinds
    resolved = kinds.index("conversation.resolved")
    # after the resolution only the survey message comes (feedback sends it on the same channel)
    assert set(kinds[resolved + 1:]) <= {"message.created", "message.status_changed"}
    assert all(set(n) <= {"type", "conversation", "message", "direction", "status"} for n in notices)
    assert message.text not in json.dumps(notices)  # ids only, never customer text


# -- the stream endpoint ---------------------------------------------------------------------

def test_stream_needs_a_login_and_valid_topics(client, agent_a, conversation_a):
    assert client.get("/realtime/stream?topics=inbox").status_code == 401
    login(client, agent_a)
    for bad in ("", "everything", "conversation:abc", "inbox,conversation:0", ",".join(["inbox"] * 1 + [f"user:{i}" for i in range(1, 10)])):
        assert client.get(f"/realtime/stream?topics={bad}").status_code == 400, bad


def test_stream_refuses_other_teams_conversations_and_other_users(client, agent_a, agent_b, conversation_b):
    login(client, agent_a)
    assert client.get(f"/realtime/stream?topics=conversation:{conversation_b.pk}").status_code == 404
    assert client.get(f"/realtime/stream?topics=inbox,conversation:{conversation_b.pk}").status_code == 404
    assert client.get(f"/realtime/stream?topics=user:{agent_b.pk}").status_code == 404
    assert client.get("/realtime/stream?topics=conversation:999999").status_code == 404


def test_stream_sends_conversation_notices(client, agent_a, conversation_a, channel_a, quick_stream):
    login(client, agent_a)
    response = client.get(f"/realtime/stream?topics=conversation:{conversation_a.pk},user:{agent_a.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"].startswith("no-cache")
    stream = iter(response.streaming_content)
    assert next(stream).startswith(b"retry: 3000")
    post_api_message(client, channel_a, "Any news?", thread="order-1")
    notice = read_events(response, 1)[0]
    assert notice["type"] == "message.created" and notice["conversation"] == conversation_a.pk
    assert notice["topic"] == f"conversation:{conversation_a.pk}"
    response.close()


def test_inbox_notices_are_filtered_per_user(client, agent_a, agent_b, channel_a, channel_b, quick_stream):
    login(client, agent_b)
    response = client.get("/realtime/stream?topics=inbox")
    stream = iter(response.streaming_content)
    next(stream)
    post_api_message(client, channel_a, "for team A only", sender="x-1")
    post_api_message(client, channel_b, "for team B", sender="x-2")
    visible = read_events(response, 1)
    b_conversation = Conversation.objects.get(channel=channel_b)
    assert {n["conversation"] for n in visible} == {b_conversation.pk}
    response.close()


def test_stream_sends_heartbeats_and_ends(agent_a, fresh_broker, db):
    started = time.monotonic()
    chunks = list(events(agent_a, ["inbox"], heartbeat=0.05, lifetime=0.3))
    assert chunks[0].startswith("retry:") and ": ping\n\n" in chunks
    assert 0.25 < time.monotonic() - started < 2
    assert fresh_broker.subscriber_count() == 0  # the subscription is closed when the stream ends


@pytest.mark.django_db(transaction=True)
def test_with_redis_a_stream_filters_inbox_notices_without_asking_the_database(
        client, agent_a, channel_a, channel_b):
    """The hub adds each notice's reading facts once per batch on its own connection; the
    agents' streams decide from their scope in memory and open no database connection."""
    import redis
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.web.test_realtime_hub import URL

    try:
        redis.Redis.from_url(URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {URL}")
    post_api_message(client, channel_a, "for team A", sender="x-1")
    post_api_message(client, channel_b, "for team B", sender="x-2")
    mine, theirs = Conversation.objects.get(channel=channel_a), Conversation.objects.get(channel=channel_b)
    hub = broker.RedisBroker(URL, prefix=f"heedful-facts-{uuid.uuid4().hex[:8]}:")
    broker.set_broker(hub)
    try:
        stream = events(agent_a, ["inbox"], heartbeat=0.1, lifetime=3)
        assert next(stream).startswith("retry:")
        assert next(stream) == ": ping\n\n"  # the reader's scope is read before the first wait
        with CaptureQueriesContext(connection) as asked:
            for conversation in (theirs, mine, theirs):
                hub.publish("inbox", {"type": "conversation.changed", "conversation": conversation.pk})
            shown = []
            while len(shown) < 1:
                chunk = next(stream)
                if chunk.startswith("data: "):
                    shown.append(json.loads(chunk[len("data: "):]))
        assert [n["conversation"] for n in shown] == [mine.pk]
        assert "_facts" not in shown[0] and shown[0]["topic"] == "inbox"
        assert len(asked) == 0  # the scope was read at the start; no query per batch
        stream.close()
    finally:
        reader = hub.hub()
        broker.set_broker(broker.MemoryBroker())
        reader.thread.join(2)  # it closes its database connection as it ends
