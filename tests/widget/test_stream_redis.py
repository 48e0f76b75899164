"""Visitor streams on the production broker (Redis pub/sub): a reply published by one process's
broker reaches a stream, with many more streams open than redis-py's cap of 100 connections per
pool, all on one shared pub/sub connection."""

from __future__ import annotations

import os

import pytest

from heedful.conversations.models import Conversation
from heedful.outbound.replies import reply
from heedful.realtime import broker
from heedful.widget import stream, tokens
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db
URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_broker(settings):
    import redis

    try:
        redis.Redis.from_url(URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {URL}")
    settings.REDIS_URL = URL
    shared = broker.RedisBroker(URL, prefix="heedful:test-widget:")
    broker.set_broker(shared)
    yield shared
    broker.set_broker(None)


def test_a_reply_reaches_a_visitor_stream_through_redis(client, webchat, agent_user, redis_broker):
    ann = Visitor(client, webchat)
    ann.say("Hello over Redis")
    visitor = tokens.read(ann.token)
    crowd = [stream._subscribe(visitor, []) for _ in range(150)]  # more streams than one default pool
    try:
        events = stream.events(visitor, 0, heartbeat=0.2, lifetime=5)
        assert next(events).startswith("retry:")
        first = next(events)
        assert "Hello over Redis" in first
        reply(agent_user, Conversation.objects.get(), "Answer over Redis")
        got = ""
        for chunk in events:
            got += chunk
            if "Answer over Redis" in got:
                break
        assert "Answer over Redis" in got
        events.close()
    finally:
        for subscription in crowd:
            subscription.close()


def test_a_read_the_database_refuses_keeps_the_stream_and_is_retried(client, webchat, agent_user, redis_broker,
                                                                     monkeypatch):
    from django.db import OperationalError

    from heedful.widget import gate

    ann = Visitor(client, webchat)
    ann.say("Hello")
    visitor = tokens.read(ann.token)
    events = stream.events(visitor, 0, heartbeat=0.2, lifetime=8)
    assert next(events).startswith("retry:")
    assert "Hello" in next(events)
    real, refusals = gate.since, []

    def refusing_once(*args, **kwargs):
        if not refusals:
            refusals.append(1)
            raise OperationalError("sorry, too many clients already")
        return real(*args, **kwargs)

    monkeypatch.setattr(gate, "since", refusing_once)
    reply(agent_user, Conversation.objects.get(), "Answer after a refusal")
    got = ""
    for chunk in events:
        got += chunk
        if "Answer after a refusal" in got:
            break
    events.close()
    assert refusals == [1] and "Answer after a refusal" in got
