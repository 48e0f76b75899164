"""Publish/subscribe for live notices: in memory (embedded mode, tests) or Redis pub/sub.

A notice is a small JSON-able dict. Subscribers get `(topic, notice)` pairs. Nothing is stored:
a browser that was away reloads the page state, so missing a notice is harmless.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
import time
from collections import deque
from contextlib import contextmanager, nullcontext

from django.conf import settings

log = logging.getLogger(__name__)
Item = tuple[str, dict]
_hub_numbers = itertools.count(1)
HUB_CLIENT_NAME = "heedful-realtime-hub"  # + "-<pid>-<n>": operators find it in CLIENT LIST


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

    def batched(self):
        return nullcontext()

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
    """Every web process and Celery worker publishes to Redis. Subscriptions of one process share
    one pub/sub connection (`RedisHub`) and are fanned out in process: hundreds of open streams
    cost one Redis connection, not one each (redis-py also caps a pool at 100)."""

    def __init__(self, url: str, prefix: str = "heedful:rt:"):
        import redis

        self.prefix, self.url = prefix, url
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30)
        self._hub: RedisHub | None = None
        self._hub_lock = threading.Lock()
        self._local = threading.local()

    def publish(self, topic: str, notice: dict) -> None:
        pipe = getattr(self._local, "pipe", None)
        (pipe if pipe is not None else self.client).publish(
            self.prefix + topic, json.dumps(notice, separators=(",", ":")))

    @contextmanager
    def batched(self):
        """Publishes inside the block go out together at its end, in order, in one round trip."""
        if getattr(self._local, "pipe", None) is not None:
            yield
            return
        self._local.pipe = self.client.pipeline(transaction=False)
        try:
            yield
        finally:
            pipe, self._local.pipe = self._local.pipe, None
            try:
                if len(pipe):
                    pipe.execute()
            except Exception:  # notices are hints; the browser reloads what it missed
                log.warning("publishing %s realtime notices failed", len(pipe), exc_info=True)

    def hub(self) -> RedisHub:
        with self._hub_lock:
            if self._hub is None or not self._hub.alive():
                self._hub = RedisHub(self.url, self.prefix)
            return self._hub

    def close(self) -> None:
        with self._hub_lock:
            if self._hub is not None:
                self._hub.stop()
                self._hub = None

    def subscribe(self, topics: list[str]) -> HubSubscription:
        """Returns once Redis confirmed every topic, so a notice published after the caller's
        next read is never missed."""
        return self.hub().subscribe(topics)


class HubSubscription:
    """One stream's view of the shared connection: its topics and a bounded backlog."""

    max_backlog = 1000

    def __init__(self, hub: RedisHub, topics: frozenset[str]):
        self.hub, self.topics = hub, topics
        self.backlog: deque[Item] = deque(maxlen=self.max_backlog)
        self.closed = False
        # Its own wake-up: a notice wakes only the streams that follow its topic.
        self.ready = threading.Event()

    def put(self, item: Item) -> None:
        """Called by the hub, holding its lock."""
        self.backlog.append(item)
        self.ready.set()

    def get(self, timeout: float) -> list[Item]:
        """Wait up to `timeout` seconds for notices; returns all that are waiting."""
        self.ready.wait(timeout)
        with self.hub.cond:
            items = list(self.backlog)
            self.backlog.clear()
            self.ready.clear()
            return items

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.ready.set()
            self.hub.drop(self)


class RedisHub:
    """One pub/sub connection per process, read by one thread that fans notices out.

    Only the reader thread touches the connection (redis-py's PubSub is not thread-safe):
    subscribers queue (un)subscribe requests and wait for Redis' confirmation. Channels are
    reference-counted, so a topic is unsubscribed when its last stream closes (agents' presence
    is read from Redis' list of subscribed channels). After a lost connection the reader
    reconnects, subscribes again, and hands every subscriber a `resync` notice: their streams
    read the database again, so a notice missed meanwhile costs nothing.
    """

    poll_seconds = 0.05  # how soon the reader takes queued (un)subscribe requests

    def __init__(self, url: str, prefix: str):
        import redis

        self.prefix = prefix
        self.name = f"{HUB_CLIENT_NAME}-{os.getpid()}-{next(_hub_numbers)}"
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30,
                                           client_name=self.name)
        self.cond = threading.Condition()
        self.stopped = False
        self.by_topic: dict[str, set[HubSubscription]] = {}
        self.pending: deque[tuple[str, str]] = deque()  # ("subscribe"|"unsubscribe", channel)
        self.confirmed: set[str] = set()
        self.thread = threading.Thread(target=self._run, name="heedful-realtime-hub", daemon=True)
        self.thread.start()

    def alive(self) -> bool:
        return self.thread.is_alive() and not self.stopped

    def stop(self) -> None:
        """Tests and embedders swapping brokers: the reader thread ends within a poll."""
        self.stopped = True

    def subscribe(self, topics: list[str], timeout: float = 5.0) -> HubSubscription:
        sub = HubSubscription(self, frozenset(topics))
        with self.cond:
            for topic in sub.topics:
                holders = self.by_topic.setdefault(topic, set())
                if not holders:
                    self.pending.append(("subscribe", self.prefix + topic))
                holders.add(sub)
            if not self.cond.wait_for(lambda: all(self.prefix + t in self.confirmed for t in sub.topics), timeout):
                log.warning("realtime subscription not confirmed in %ss", timeout)
        return sub

    def drop(self, sub: HubSubscription) -> None:
        with self.cond:
            for topic in sub.topics:
                holders = self.by_topic.get(topic)
                if holders is None:
                    continue
                holders.discard(sub)
                if not holders:
                    del self.by_topic[topic]
                    self.pending.append(("unsubscribe", self.prefix + topic))
                    # a new subscriber of this topic must wait for a fresh confirmation
                    self.confirmed.discard(self.prefix + topic)

    def subscriber_count(self) -> int:
        with self.cond:
            return len({s for holders in self.by_topic.values() for s in holders})

    def _run(self) -> None:
        try:
            self._read()
        finally:
            from django.db import connections

            connections.close_all()  # this thread's own, if the annotator opened one

    def _read(self) -> None:
        while not self.stopped:
            pubsub = self.client.pubsub()
            try:
                self._serve(pubsub)
            except Exception:  # connection lost: reconnect and resubscribe below
                log.warning("realtime pub/sub connection lost; reconnecting", exc_info=True)
            finally:
                try:
                    pubsub.close()
                except Exception:  # already gone
                    log.debug("closing the realtime pub/sub failed", exc_info=True)
            with self.cond:
                self.confirmed.clear()
                self.pending.clear()
                for topic, holders in self.by_topic.items():
                    self.pending.append(("subscribe", self.prefix + topic))
                    for sub in holders:
                        sub.put((topic, {"type": "resync"}))
                self.cond.notify_all()
            time.sleep(0.5)

    def _serve(self, pubsub) -> None:
        while not self.stopped:
            with self.cond:
                requests = list(self.pending)
                self.pending.clear()
            for verb, channel in requests:
                getattr(pubsub, verb)(channel)
            if not pubsub.subscribed and not requests:
                time.sleep(self.poll_seconds)  # nothing to listen to yet
                continue
            message = pubsub.get_message(timeout=self.poll_seconds)
            drained = []
            while message is not None:
                drained.append(message)
                message = pubsub.get_message(timeout=0)
            notices = [self._decoded(m) for m in drained]
            if _annotator is not None and any(notices):
                _annotate([n for n in notices if n is not None])
            for message, notice in zip(drained, notices, strict=True):
                self._dispatch(message, notice)

    def _decoded(self, message: dict) -> Item | None:
        if message.get("type") != "message":
            return None
        channel = message.get("channel")
        channel = channel.decode() if isinstance(channel, bytes) else str(channel)
        try:
            return channel[len(self.prefix):], json.loads(message["data"])
        except (ValueError, TypeError):
            log.warning("ignored an undecodable realtime notice")
            return None

    def _dispatch(self, message: dict, item: Item | None) -> None:
        kind = message.get("type")
        channel = message.get("channel")
        channel = channel.decode() if isinstance(channel, bytes) else str(channel)
        with self.cond:
            if kind == "subscribe":
                self.confirmed.add(channel)
            elif kind == "unsubscribe":
                self.confirmed.discard(channel)
            elif kind == "message":
                holders = self.by_topic.get(item[0]) if item is not None else None
                for sub in holders or ():
                    sub.put(item)
                return
            self.cond.notify_all()  # (un)subscribe confirmations: wake who waits for one


_annotator = None


def set_annotator(fn) -> None:
    """`fn(items)` adds in-process facts to a batch of notices before they fan out (the
    realtime app adds what stream filters need, so that each stream needs no query); it runs
    on the hub's reader thread, once per batch and process, never per stream."""
    global _annotator
    _annotator = fn


def _annotate(items: list[Item]) -> None:
    try:
        _annotator(items)
    except Exception:  # the streams fall back to asking the database themselves
        log.warning("annotating realtime notices failed", exc_info=True)


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
        if isinstance(_broker, RedisBroker) and _broker is not broker:
            _broker.close()
        _broker = broker


def publish(topic: str, notice: dict) -> None:
    get_broker().publish(topic, notice)


def batched():
    """Publishes inside the block leave together (the events dispatcher wraps held deliveries)."""
    return get_broker().batched()
