"""A visitor's live stream (server-sent events): their conversation as it happens.

The broker only says "look again": the stream follows the topics of the visitor's newest
conversations (the same notices agents' streams get: a new message, a reply released by the
provider's receipt, an agent typing) and its own visitor topic (a post that may open a new
conversation). On each notice it reads what changed from the messages table through the gate,
so a lost notice or a dropped connection loses nothing: the client reconnects with
`Last-Event-ID` (the gate's cursor) and gets every message after it again; the client drops the
ids it already shows.
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager

import redis
from django.conf import settings
from django.db import connection

from heedful.realtime import topics as topic_names
from heedful.realtime.broker import RedisBroker, get_broker
from heedful.realtime.stream import heartbeat_seconds, lifetime_seconds
from heedful.widget import gate
from heedful.widget.tokens import Visitor

POLL_SECONDS = 0.2  # while the visitor's own post has not reached a conversation yet
EXPECT_SECONDS = 30.0


def _event(kind: str, data, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


class _StreamsBroker(RedisBroker):
    """Subscribes on the shared broker's Redis, with a connection pool sized for visitors: each
    open stream holds one pub/sub connection, and redis-py's default pool stops at 100."""

    def __init__(self, url: str, prefix: str, size: int):
        self.prefix = prefix
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30,
                                           max_connections=size)


_streams_broker: _StreamsBroker | None = None
_lock = threading.Lock()


def _broker():
    global _streams_broker
    shared = get_broker()
    url = getattr(settings, "REDIS_URL", "")
    if not isinstance(shared, RedisBroker) or not url:
        return shared  # in memory (embedded mode, tests), or a broker an embedder set up
    with _lock:
        if _streams_broker is None or _streams_broker.prefix != shared.prefix:
            size = int(getattr(settings, "HEEDFUL_WIDGET_MAX_STREAMS", 2000))
            _streams_broker = _StreamsBroker(url, shared.prefix, size)
        return _streams_broker


def _subscribe(visitor: Visitor, conversation_ids: list[int]):
    return _broker().subscribe([visitor.topic, *(topic_names.conversation(c) for c in conversation_ids)])


def _release_db() -> None:
    """A waiting stream (minutes, per visitor) must not hold a database connection."""
    if not connection.in_atomic_block:
        connection.close()


_db_slots: threading.BoundedSemaphore | None = None


@contextmanager
def _reading():
    """At most HEEDFUL_WIDGET_DB_SLOTS streams of a process read at once, each on its own
    connection, closed after: a reply that wakes many streams queues them for a few ms instead
    of opening hundreds of database connections."""
    global _db_slots
    with _lock:
        if _db_slots is None:
            _db_slots = threading.BoundedSemaphore(int(getattr(settings, "HEEDFUL_WIDGET_DB_SLOTS", 8)))
    with _db_slots:
        try:
            yield
        finally:
            _release_db()


class VisitorStream:
    def __init__(self, visitor: Visitor, cursor: int):
        self.visitor, self.cursor = visitor, cursor
        self.sent: set[int] = set()
        self.awaiting: set[str] = set()  # client ids of posts not yet seen stored
        self.expect_until = 0.0
        self.followed: list[int] = []
        self.subscription = None

    def follow(self) -> None:
        """(Re)subscribe when the visitor's newest conversations changed; the read that
        follows covers anything published in between."""
        ids = gate.live_conversation_ids(self.visitor)
        if ids != self.followed or self.subscription is None:
            old = self.subscription
            self.subscription, self.followed = _subscribe(self.visitor, ids), ids
            if old is not None:
                old.close()

    def catch_up(self) -> list[str]:
        rows, cursor = gate.since(self.visitor, self.cursor, self.followed)
        chunks = []
        for row in rows:
            if row.pk in self.sent:
                continue
            self.sent.add(row.pk)
            data = gate.as_json(row)
            self.awaiting.discard(data["client_id"])
            chunks.append(_event("message", data))
        if cursor != self.cursor or chunks:
            self.cursor = cursor
            chunks.append(_event("cursor", cursor, cursor))
        if not self.awaiting:
            self.expect_until = 0.0
        return chunks

    def notices(self, batch) -> tuple[bool, list[str]]:
        """(something to read, typing events to forward) from a batch of notices."""
        changed, typing = False, []
        for _topic, notice in batch:
            kind = notice.get("type")
            if kind == "typing":
                typing.append(_event("typing", {"name": str(notice.get("name", ""))[:60]}))
            elif kind == "posted":
                self.awaiting.add(str(notice.get("client_id", "")))
                self.expect_until = time.monotonic() + EXPECT_SECONDS
                changed = True
            else:
                changed = True
        return changed, typing


def events(visitor: Visitor, cursor: int, *, heartbeat: float | None = None, lifetime: float | None = None):
    heartbeat = heartbeat or heartbeat_seconds()
    deadline = time.monotonic() + (lifetime or lifetime_seconds())
    stream = VisitorStream(visitor, cursor)
    _release_db()  # the view's own connection: not held while waiting for a read slot
    try:
        with _reading():
            stream.follow()
            chunks = stream.catch_up()
        yield "retry: 2000\n: connected\n\n"
        yield from chunks
        while (left := deadline - time.monotonic()) > 0:
            expecting = stream.expect_until > time.monotonic()
            batch = stream.subscription.get(timeout=min(POLL_SECONDS if expecting else heartbeat, left))
            changed, typing = stream.notices(batch)
            yield from typing
            if not (changed or expecting):
                if not batch:
                    yield ": ping\n\n"
                continue
            with _reading():
                stream.follow()
                chunks = stream.catch_up()
            yield from chunks
    finally:
        if stream.subscription is not None:
            stream.subscription.close()
