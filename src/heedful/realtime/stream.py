"""Server-sent events: GET /realtime/stream?topics=inbox,conversation:12

Each stream lives a bounded time (the browser's EventSource reconnects by itself) and sends a
comment line as heartbeat so proxies keep it open and a gone client is noticed. It needs a
threaded server: `heedful runserver` is; in production run gunicorn with
`--worker-class gthread --threads 32` (one thread per open stream).
"""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from heedful.accounts.access import access_conversation, reader_scope, reading_facts
from heedful.core.errors import NotFound
from heedful.realtime import topics as topic_names
from heedful.realtime.broker import get_broker


def heartbeat_seconds() -> float:
    return float(getattr(settings, "HEEDFUL_SSE_HEARTBEAT_SECONDS", 15))


def lifetime_seconds() -> float:
    return float(getattr(settings, "HEEDFUL_SSE_LIFETIME_SECONDS", 300))


def authorise(user, topics: list[str]) -> None:
    """Raise NotFound for a topic this user may not follow (same answer as a missing one)."""
    for topic in topics:
        kind, ident = topic_names.split(topic)
        if kind == "conversation":
            access_conversation(user, ident)
        elif kind == "user" and ident != user.pk:
            raise NotFound("no such topic")


@require_GET
def stream(request):
    if not request.user.is_authenticated:
        return JsonResponse({"error": "unauthorized"}, status=401)
    try:
        topics = topic_names.parse(request.GET.get("topics", ""))
        authorise(request.user, topics)
    except ValueError as exc:
        return JsonResponse({"error": "invalid", "detail": str(exc)}, status=400)
    except NotFound:
        return JsonResponse({"error": "not_found"}, status=404)
    response = StreamingHttpResponse(events(request.user, topics), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event through at once
    return response


SCOPE_SECONDS = 30.0  # a change of the agent's teams reaches an open stream within this
FACTS = "_facts"  # added in process by `annotate`, never sent: (team, channel, assignee)


def events(user, topics: list[str], *, heartbeat: float | None = None, lifetime: float | None = None):
    heartbeat = heartbeat or heartbeat_seconds()
    deadline = time.monotonic() + (lifetime or lifetime_seconds())
    subscription = get_broker().subscribe(topics)
    try:
        yield "retry: 3000\n: connected\n\n"
        scope, scoped_at = reader_scope(user), time.monotonic()
        _release_db()
        while (left := deadline - time.monotonic()) > 0:
            batch = subscription.get(timeout=min(heartbeat, left))
            if not batch:
                yield ": ping\n\n"
                continue
            if time.monotonic() - scoped_at > SCOPE_SECONDS or any(n.get("type") == "resync" for _, n in batch):
                scope, scoped_at = reader_scope(user), time.monotonic()
                _release_db()
            shown, asked = visible(scope, batch)
            for notice in shown:
                yield "data: " + json.dumps(notice, separators=(",", ":")) + "\n\n"
            if asked:
                _release_db()
    finally:
        subscription.close()


def _gated(topic: str) -> bool:
    return not topic.startswith("conversation:")  # a conversation topic was authorised at subscribe


def visible(scope, batch: list[tuple[str, dict]]) -> tuple[list[dict], bool]:
    """(the notices this reader may see, whether the database was asked).

    Inbox and mention notices pass only for conversations the reader may read now, decided by
    `scope` from the facts the hub added (`annotate`); a notice without them (the in-memory
    broker, or a failed annotation) has its facts read here, in one query for the batch.
    """
    missing = {n["conversation"] for t, n in batch if _gated(t) and "conversation" in n and FACTS not in n}
    asked = bool(missing) and not scope.everything
    read = reading_facts(missing) if asked else {}
    result = []
    for topic, notice in batch:
        if _gated(topic) and "conversation" in notice:
            facts = notice[FACTS] if FACTS in notice else read.get(notice["conversation"])
            if not scope.reads(facts):
                continue
        result.append({**{k: v for k, v in notice.items() if k != FACTS}, "topic": topic})
    return result, asked


def annotate(items: list[tuple[str, dict]]) -> None:
    """The hub's hook (`broker.set_annotator`): each inbox or mention notice of a batch gets
    its conversation's reading facts, one query per batch and process, on the hub's own
    connection, so no stream opens a database connection for a notice."""
    ids = {n["conversation"] for t, n in items if _gated(t) and isinstance(n.get("conversation"), int)}
    if not ids:
        return
    try:
        facts = reading_facts(ids)
    except DatabaseError:
        connection.close()  # the next batch connects again
        raise
    for topic, notice in items:
        if _gated(topic) and notice.get("conversation") in ids:
            notice[FACTS] = facts.get(notice["conversation"])  # None: gone, seen by admins only


def _release_db() -> None:
    """Do not hold a database connection while a stream waits (minutes, per open tab)."""
    if not connection.in_atomic_block:
        connection.close()

