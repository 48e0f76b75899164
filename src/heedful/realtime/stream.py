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
from django.db import connection
from django.http import JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from heedful.accounts.access import access_conversation, conversations_for
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


def events(user, topics: list[str], *, heartbeat: float | None = None, lifetime: float | None = None):
    heartbeat = heartbeat or heartbeat_seconds()
    deadline = time.monotonic() + (lifetime or lifetime_seconds())
    subscription = get_broker().subscribe(topics)
    try:
        yield "retry: 3000\n: connected\n\n"
        _release_db()
        while (left := deadline - time.monotonic()) > 0:
            batch = subscription.get(timeout=min(heartbeat, left))
            if not batch:
                yield ": ping\n\n"
                continue
            for notice in visible(user, batch):
                yield "data: " + json.dumps(notice, separators=(",", ":")) + "\n\n"
            _release_db()
    finally:
        subscription.close()


def visible(user, batch: list[tuple[str, dict]]) -> list[dict]:
    """Inbox and mention notices pass only for conversations this user may read, checked now."""
    gated = {n["conversation"] for t, n in batch if not t.startswith("conversation:") and "conversation" in n}
    allowed = set(conversations_for(user).filter(pk__in=gated).values_list("pk", flat=True)) if gated else set()
    result = []
    for topic, notice in batch:
        if topic.startswith("conversation:") or notice.get("conversation") in allowed:
            result.append({**notice, "topic": topic})
    return result


def _release_db() -> None:
    """Do not hold a database connection while a stream waits (minutes, per open tab)."""
    if not connection.in_atomic_block:
        connection.close()

