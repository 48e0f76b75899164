"""The Redis broker's shared pub/sub connection: many subscriptions of one process share one
connection, a topic leaves Redis when its last subscriber closes, and a lost connection comes
back with a `resync` notice for every subscriber."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from heedful.realtime import broker

URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_pair():
    import redis

    try:
        redis.Redis.from_url(URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {URL}")
    prefix = f"heedful-hub-{uuid.uuid4().hex[:8]}:"
    publisher, subscriber = broker.RedisBroker(URL, prefix=prefix), broker.RedisBroker(URL, prefix=prefix)
    yield publisher, subscriber
    subscriber.close()


def _hub_connections(client, hub) -> list[dict]:
    return [c for c in client.client_list(_type="pubsub") if c.get("name") == hub.name]


def _collect(sub, want: int, seconds: float = 3.0) -> list:
    got, deadline = [], time.monotonic() + seconds
    while len(got) < want and time.monotonic() < deadline:
        got += sub.get(timeout=0.2)
    return got


def test_many_subscriptions_share_one_connection_and_each_gets_only_its_topics(redis_pair):
    publisher, subscriber = redis_pair
    subs = [subscriber.subscribe([f"conversation:{n}"]) for n in range(1, 201)]
    try:
        assert len(_hub_connections(publisher.client, subscriber.hub())) == 1
        publisher.publish("conversation:7", {"n": 7})
        publisher.publish("conversation:150", {"n": 150})
        assert _collect(subs[6], 1) == [("conversation:7", {"n": 7})]
        assert _collect(subs[149], 1) == [("conversation:150", {"n": 150})]
        assert subs[0].get(timeout=0.2) == []
    finally:
        for sub in subs:
            sub.close()


def test_a_topic_is_unsubscribed_when_its_last_subscriber_closes(redis_pair):
    publisher, subscriber = redis_pair
    channel = subscriber.prefix + "user:5"
    first, second = subscriber.subscribe(["user:5"]), subscriber.subscribe(["user:5"])
    assert publisher.client.pubsub_numsub(channel)[0][1] == 1  # one Redis subscription for both
    first.close()
    assert publisher.client.pubsub_numsub(channel)[0][1] == 1
    second.close()
    deadline = time.monotonic() + 3
    while publisher.client.pubsub_numsub(channel)[0][1] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert publisher.client.pubsub_numsub(channel)[0][1] == 0
    again = subscriber.subscribe(["user:5"])  # subscribing again after the unsubscribe works
    try:
        publisher.publish("user:5", {"back": True})
        assert _collect(again, 1) == [("user:5", {"back": True})]
    finally:
        again.close()


def test_a_lost_connection_resubscribes_and_tells_subscribers_to_resync(redis_pair):
    publisher, subscriber = redis_pair
    sub = subscriber.subscribe(["inbox"])
    try:
        [connection] = _hub_connections(publisher.client, subscriber.hub())
        publisher.client.client_kill_filter(_id=connection["id"])  # only this test's hub
        got = _collect(sub, 1, seconds=5)
        assert ("inbox", {"type": "resync"}) in got
        deadline = time.monotonic() + 5
        while not publisher.client.pubsub_numsub(subscriber.prefix + "inbox")[0][1] and time.monotonic() < deadline:
            time.sleep(0.05)
        publisher.publish("inbox", {"n": 1})
        assert ("inbox", {"n": 1}) in _collect(sub, 1)
    finally:
        sub.close()


def test_a_batch_publishes_in_one_round_trip_in_order_after_its_block(redis_pair):
    publisher, subscriber = redis_pair
    sub = subscriber.subscribe(["inbox"])
    try:
        with publisher.batched():
            for n in range(50):
                publisher.publish("inbox", {"n": n})
            assert sub.get(timeout=0.3) == []  # nothing leaves before the block ends
        got = _collect(sub, 50)
        assert [notice["n"] for _, notice in got] == list(range(50))
    finally:
        sub.close()


def test_a_failed_batch_is_logged_not_raised(redis_pair, caplog):
    publisher, _ = redis_pair
    dead = broker.RedisBroker("redis://127.0.0.1:1/0", prefix=publisher.prefix)
    with dead.batched():
        dead.publish("inbox", {"n": 1})
    assert "publishing 1 realtime notices failed" in caplog.text
