"""Publish/subscribe for live notices: in memory (embedded mode, tests) or Redis pub/sub.

A notice is a small JSON-able dict. Subscribers get `(topic, notice)` pairs. Nothing is stored:
a browser that was away reloads the page state, so missing a notice is harmless.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque

from django.conf import settings

log = logging.getLogger(__name__)
Item = tuple[str, dict]


class MemoryBroker:
    """One process: every web thread and the in-process job thread share this object."""

    max_backlog = 1000  # per subscriber; a stuck reader drops the oldest notices, not memory

    def __init__(self):
        self._cond = threading.Condition()
        self._subscriptions: set[MemorySubscription] = set()

    def publish(self, topic: str, notice: dict) -> None:
        with self._cond:
            for sub in self._subscriptions:
                if topic in sub.topics:
                    sub.backlog.append((topic, notice))
            self._cond.notify_all()

    def subscribe(self, topics: list[str]) -> MemorySubscription:
        sub = MemorySubscription(self, frozenset(topics))
        with self._cond:
            self._subscriptions.add(sub)
        return sub

    def _drop(self, sub: MemorySubscription) -> None:
        with self._cond:
            self._subscriptions.discard(sub)
            self._cond.notify_all()

    def subscriber_count(self) -> int:
        with self._cond:
            return len(self._subscriptions)


class MemorySubscription:
    def __init__(self, broker: MemoryBroker, topics: frozenset[str]):
        self.broker, self.topics = broker, topics
        self.backlog: deque[Item] = deque(maxlen=broker.max_backlog)
        self.closed = False

    def get(self, timeout: float) -> list[Item]:
        """Wait up to `timeout` seconds for notices; returns all that are waiting."""
        with self.broker._cond:
            self.broker._cond.wait_for(lambda: self.backlog or self.closed, timeout)
            items = list(self.backlog)
            self.backlog.clear()
            return items

    def close(self) -> None:
        self.closed = True
        self.broker._drop(self)


class RedisBroker:
    """Every web process and Celery worker publishes to Redis; each stream subscribes there."""

    def __init__(self, url: str, prefix: str = "heedful:rt:"):
        import redis

        self.prefix = prefix
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30)

    def publish(self, topic: str, notice: dict) -> None:
        self.client.publish(self.prefix + topic, json.dumps(notice, separators=(",", ":")))

    def subscribe(self, topics: list[str]) -> RedisSubscription:
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(*[self.prefix + t for t in topics])
        return RedisSubscription(pubsub, len(self.prefix))


class RedisSubscription:
    def __init__(self, pubsub, prefix_length: int):
        self.pubsub, self.prefix_length = pubsub, prefix_length

    def get(self, timeout: float) -> list[Item]:
        items: list[Item] = []
        deadline = time.monotonic() + timeout
        while not items:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            message = self.pubsub.get_message(timeout=left)
            while message is not None:  # drain whatever else is already here
                items.extend(self._decode(message))
                message = self.pubsub.get_message(timeout=0) if len(items) < 200 else None
        return items

    def _decode(self, message) -> list[Item]:
        if message.get("type") != "message":
            return []
        channel = message["channel"]
        channel = channel.decode() if isinstance(channel, bytes) else channel
        try:
            return [(channel[self.prefix_length:], json.loads(message["data"]))]
        except (ValueError, TypeError):
            log.warning("ignored an undecodable realtime notice")
            return []

    def close(self) -> None:
        try:
            self.pubsub.close()
        except Exception:  # the connection may already be gone; nothing to clean up then
            log.debug("closing a realtime subscription failed", exc_info=True)


_broker = None
_lock = threading.Lock()


def get_broker():
    """Redis when settings.REDIS_URL is set (several processes), else in memory (one process)."""
    global _broker
    with _lock:
        if _broker is None:
            url = getattr(settings, "REDIS_URL", "")
            _broker = RedisBroker(url) if url else MemoryBroker()
        return _broker


def set_broker(broker) -> None:
    """Swap the broker (tests, or an embedding application with its own)."""
    global _broker
    with _lock:
        _broker = broker


def publish(topic: str, notice: dict) -> None:
    get_broker().publish(topic, notice)
