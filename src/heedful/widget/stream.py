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
import logging
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection

from heedful.realtime import topics as topic_names
from heedful.realtime.broker import get_broker
from heedful.realtime.stream import heartbeat_seconds, lifetime_seconds
from heedful.widget import gate, signals, surveys
from heedful.widget.tokens import Visitor

POLL_SECONDS = 0.2  # while the visitor's own post has not reached a conversation yet
RETRY_SECONDS = 2.0  # after a read the database refused
EXPECT_SECONDS = 30.0


log = logging.getLogger(__name__)


def _event(kind: str, data, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


_lock = threading.Lock()


def _subscribe(visitor: Visitor, conversation_ids: list[int]):
    """Through the process's shared broker: every stream of a process shares one Redis pub/sub
    connection (realtime.broker.RedisHub)."""
    return get_broker().subscribe([visitor.topic, *(topic_names.conversation(c) for c in conversation_ids)])


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
        self.seen = 0  # the newest of the visitor's messages an agent has read
        # What the next read must look at besides new rows: each costs a query, and a reply's
        # notice (the common case, many per second at load) needs neither.
        self.refollow, self.check_seen = True, True

    def follow(self) -> None:
        """(Re)subscribe when the visitor's newest conversations changed; the read that
        follows covers anything published in between. Only looked at after a notice that may
        change them (a post of the visitor's, a conversation event, a reconnect)."""
        if not self.refollow and self.expect_until <= time.monotonic():
            return
        self.refollow = False
        ids = gate.live_conversation_ids(self.visitor)
        if ids != self.followed or self.subscription is None:
            old = self.subscription
            self.subscription, self.followed = _subscribe(self.visitor, ids), ids
            if old is not None:
                old.close()

    def catch_up(self) -> list[str]:
        rows, cursor = gate.since(self.visitor, self.cursor, self.followed)
        chunks = []
        fresh = [row for row in rows if row.pk not in self.sent]
        carried = surveys.by_message(fresh)
        for row in fresh:
            self.sent.add(row.pk)
            data = gate.as_json(row, surveys.as_json(carried[row.pk]) if row.pk in carried else None)
            self.awaiting.discard(data["client_id"])
            chunks.append(_event("message", data))
        if cursor != self.cursor or chunks:
            self.cursor = cursor
            chunks.append(_event("cursor", cursor, cursor))
        if self.check_seen:
            self.check_seen = False
            seen = signals.seen_up_to(self.visitor, self.followed)
            if seen > self.seen:
                self.seen = seen
                chunks.append(_event("seen", {"up_to": seen}))
        if not self.awaiting:
            self.expect_until = 0.0
        return chunks

    def notices(self, batch) -> tuple[bool, list[str]]:
        """(something to read, typing events to forward) from a batch of notices."""
        changed, typing = False, []
        for _topic, notice in batch:
            kind = notice.get("type")
            if kind == "typing":
                if not notice.get("customer"):  # never the visitor's own typing back to them
                    typing.append(_event("typing", {"name": str(notice.get("name", ""))[:60]}))
            elif kind == "posted":
                self.awaiting.add(str(notice.get("client_id", "")))
                self.expect_until = time.monotonic() + EXPECT_SECONDS
                changed = self.refollow = True
            else:
                changed = True
                if kind == "resync" or str(kind).startswith("conversation."):
                    self.refollow = self.check_seen = True
                elif notice.get("status") == "read" or notice.get("direction") == "in":
                    self.check_seen = True  # an agent read the visitor's messages
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
            try:
                with _reading():
                    stream.follow()
                    chunks = stream.catch_up()
            except DatabaseError:
                # The database refused a connection for now (all in use): keep the stream and
                # read again shortly; nothing is lost, the cursor did not move.
                log.warning("a visitor stream could not read; retrying")
                stream.refollow = stream.check_seen = True
                stream.expect_until = time.monotonic() + RETRY_SECONDS
                continue
            yield from chunks
    finally:
        if stream.subscription is not None:
            stream.subscription.close()
