"""Reporting events from domain events, recorded in bulk.

The ingestion pipeline emits `message.created` once per message, a batch at a time, after its
commit. The listeners here only put ids in an in-process buffer; `flush()` then records the whole
buffer with a handful of queries (messages, their conversations, labels, the customers' recent
history), writes the events with one INSERT that ignores what is already recorded, and folds them
into the rollups. With in-process or Celery jobs the flush runs on a short timer in a thread of
its own, so the pipeline's worker never waits for it; with inline jobs (tests) it runs at once.
A process that dies with a full buffer loses nothing durable: `catch_up` (a periodic job) records
messages that have no event yet, and events are idempotent (`kind`, `ref`).
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, transaction

from heedful.analytics import bypass, history, rollups
from heedful.analytics.models import Kind, ReportingEvent
from heedful.conversations.models import Conversation, Direction, Label, Message, Status

log = logging.getLogger(__name__)
# Seconds a worker gathers events before one flush records them all: each flush costs a fixed
# handful of queries and a rollup fold, so under load a longer wait means far fewer of them
# (reports are a second or so behind, which nobody reading a dashboard can see).
FLUSH_DELAY = float(os.environ.get("HEEDFUL_ANALYTICS_FLUSH_SECONDS", "1.0"))
KINDS = ("messages", "opened", "resolved", "reopened")
CONVERSATION_FIELDS = ("pk", "channel_id", "channel__provider", "contact_id", "team_id", "assignee_id",
                        "created_at", "first_response_at", "status", "resolved_at", "replies_count",
                        "messages_count", "last_activity_at")


class _Buffer:
    def __init__(self):
        self.lock = threading.Lock()
        self.pending = {k: set() for k in KINDS}
        self.resolvers: dict[int, int] = {}  # conversation -> the agent who resolved it
        self.scheduled = False

    def add(self, kind: str, ref, resolver=None) -> bool:
        """Buffer one id; True when the caller must schedule a flush."""
        if not ref:
            return False
        with self.lock:
            self.pending[kind].add(int(ref))
            if resolver:
                self.resolvers[int(ref)] = int(resolver)
            if self.scheduled:
                return False
            self.scheduled = True
            return True

    def take(self) -> dict[str, set]:
        with self.lock:
            taken, self.pending = self.pending, {k: set() for k in KINDS}
            resolvers, self.resolvers = self.resolvers, {}
            self.scheduled = False
            return {**taken, "resolvers": resolvers}


_buffer = _Buffer()


def _add(kind: str, ref, resolver=None) -> None:
    if not _buffer.add(kind, ref, resolver):
        return
    if settings.HEEDFUL_JOBS == "inline":
        flush()
    else:
        timer = threading.Timer(FLUSH_DELAY, _flush_in_thread)
        timer.daemon = True
        timer.start()


def _flush_in_thread() -> None:
    try:
        close_old_connections()
        flush()
    except Exception:  # catch_up records what this flush could not
        log.exception("analytics flush failed")
    finally:
        close_old_connections()


def on_message_created(name: str, payload: dict) -> None:
    _add("messages", payload.get("message_id"))


def on_conversation_created(name: str, payload: dict) -> None:
    _add("opened", payload.get("conversation_id"))


def on_conversation_resolved(name: str, payload: dict) -> None:
    _add("resolved", payload.get("conversation_id"), payload.get("user_id"))


def on_conversation_reopened(name: str, payload: dict) -> None:
    _add("reopened", payload.get("conversation_id"))


def flush() -> int:
    """Record everything buffered so far; returns the number of events offered."""
    taken = _buffer.take()
    if not any(taken.values()):
        return 0
    return record(**taken)


def record(messages=(), opened=(), resolved=(), reopened=(), resolvers=None) -> int:
    """Record the reporting events for these message and conversation ids (idempotent).
    `resolvers`: conversation id -> the agent who resolved it (else its assignee is credited)."""
    msgs = list(Message.objects.filter(pk__in=list(messages)).values(
        "pk", "conversation_id", "direction", "automated", "sent_at", "author_user_id"))
    conv_ids = set(opened) | set(resolved) | set(reopened) | {m["conversation_id"] for m in msgs}
    convs = {c["pk"]: c for c in Conversation.objects.filter(pk__in=conv_ids).values(*CONVERSATION_FIELDS)}
    labels = _labels(conv_ids)
    events: list[ReportingEvent] = []
    for m in msgs:
        conv = convs.get(m["conversation_id"])
        if conv:
            events.extend(_message_events(m, conv, labels))
    new = [convs[c] for c in opened if c in convs]
    previous = history.previous_conversations(new)
    events.extend(_opened_events(new, previous, labels))
    events.extend(_resolved_events([convs[c] for c in resolved if c in convs], labels, resolvers or {}))
    events.extend(event(Kind.REOPENED, c, convs[c], convs[c]["last_activity_at"], labels) for c in reopened if c in convs)
    with transaction.atomic():
        ReportingEvent.objects.bulk_create(events, ignore_conflicts=True)
        found = bypass.detect(new, previous)
        recontacts = history.recontacts([m for m in msgs if m["direction"] == Direction.IN and not m["automated"]],
                                        convs, reopened=[c for c in reopened if c in convs])
        ReportingEvent.objects.bulk_create(found + recontacts, ignore_conflicts=True)
    rollups.fold()
    return len(events) + len(found) + len(recontacts)


def event(kind: str, ref: int, conv: dict, at, labels: dict, **fields) -> ReportingEvent:
    return ReportingEvent(
        kind=kind, ref=ref, at=at, conversation_id=conv["pk"], contact_id=conv["contact_id"],
        channel_id=conv["channel_id"], provider=conv["channel__provider"], team_id=conv["team_id"] or 0,
        agent_id=conv["assignee_id"] or 0, labels=labels.get(conv["pk"], ""), **fields)


def _labels(conv_ids) -> dict[int, str]:
    through = Label.conversations.through
    out: dict[int, list[str]] = {}
    for cid, name in through.objects.filter(conversation_id__in=conv_ids).values_list("conversation_id", "label__name"):
        out.setdefault(cid, []).append(name)
    return {cid: ",".join(sorted(names))[:500] for cid, names in out.items()}


def _message_events(m: dict, conv: dict, labels: dict) -> list[ReportingEvent]:
    if m["direction"] == Direction.IN:
        return [event(Kind.MESSAGE_IN, m["pk"], conv, m["sent_at"], labels, detail="automated" if m["automated"] else "")]
    out = [event(Kind.MESSAGE_OUT, m["pk"], conv, m["sent_at"], labels, detail="automated" if m["automated"] else "")]
    if m["author_user_id"]:
        out[0].agent_id = m["author_user_id"]
    if not m["automated"] and conv["first_response_at"] == m["sent_at"]:
        seconds = (m["sent_at"] - conv["created_at"]).total_seconds()
        first = event(Kind.FIRST_RESPONSE, conv["pk"], conv, m["sent_at"], labels, value=seconds)
        first.agent_id = m["author_user_id"] or first.agent_id  # who answered, not who holds it
        out.append(first)
    return out


def _opened_events(convs: list[dict], previous: dict, labels: dict) -> list[ReportingEvent]:
    """`value`: seconds since the customer's previous conversation on any channel (None: first);
    `detail` "failure": the customer still had an open or recently active conversation (a chase
    or a repeat: failure demand), else "value"."""
    out = []
    for conv in convs:
        prior = previous.get(conv["pk"], [])
        gap = (conv["created_at"] - prior[-1]["created_at"]).total_seconds() if prior else None
        recent = conv["created_at"] - timedelta(days=history.WINDOW_DAYS)
        failure = any(p["last_activity_at"] >= recent for p in prior)
        out.append(event(Kind.OPENED, conv["pk"], conv, conv["created_at"], labels, value=gap,
                         detail="failure" if failure else "value"))
    return out


def _resolved_events(convs: list[dict], labels: dict, resolvers: dict) -> list[ReportingEvent]:
    """First resolution of each conversation: replies so far (one-touch), customer messages,
    and the customer's sentiment at the start and at the end."""
    convs = [c for c in convs if c["status"] == Status.RESOLVED]
    ids = [c["pk"] for c in convs]
    moods, written = history.sentiment_ends(ids), history.customer_messages(ids)
    out = []
    for conv in convs:
        start, end = moods.get(conv["pk"], (None, None))
        out.append(event(Kind.RESOLVED, conv["pk"], conv, conv["resolved_at"] or conv["last_activity_at"], labels,
                         value=conv["replies_count"], value2=written.get(conv["pk"], 0),
                         value3=start, value4=end))
        out[-1].agent_id = resolvers.get(conv["pk"]) or out[-1].agent_id
    return out


def catch_up(limit: int = 5000) -> int:
    """Periodic job: record messages that have no reporting event (a flush lost in a crash),
    looking at the newest `limit` messages, then fold whatever is left unfolded."""
    from django.db.models import Exists, OuterRef

    recorded = ReportingEvent.objects.filter(kind__in=[Kind.MESSAGE_IN, Kind.MESSAGE_OUT], ref=OuterRef("pk"))
    recent = Message.objects.order_by("-pk")[:limit].values("pk")
    missing = list(Message.objects.filter(pk__in=recent).exclude(Exists(recorded))
                   .values_list("pk", "conversation_id"))
    if missing:
        record(messages=[m for m, _ in missing], opened={c for _, c in missing})
    return len(missing) + rollups.fold()


def backfill(progress=None, batch: int = 500) -> int:
    """Record the reporting events of every stored conversation and message (idempotent): for a
    desk that had conversations before analytics recorded them. Returns conversations seen."""
    from heedful.analytics.models import Kind as K

    total, seen, last = Conversation.objects.count(), 0, 0
    while True:
        rows = list(Conversation.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "status")[:batch])
        if not rows:
            return seen
        ids = [pk for pk, _ in rows]
        known = set(ReportingEvent.objects.filter(kind=K.OPENED, ref__in=ids).values_list("ref", flat=True))
        fresh = [pk for pk in ids if pk not in known]
        if fresh:
            messages = list(Message.objects.filter(conversation_id__in=fresh).values_list("pk", flat=True))
            record(messages=messages, opened=fresh,
                   resolved=[pk for pk, status in rows if status == Status.RESOLVED and pk in set(fresh)])
        seen, last = seen + len(rows), ids[-1]
        if progress:
            progress(seen, total)
