"""Which events have a subscriber, read once per few seconds per process.

Every `message.created` passes through the listener (up to thousands a second), and most
installations subscribe to few events: a cached set of subscribed event names spares the query
for the rest. A stale set costs at most one query (a webhook just deleted) or a few seconds of
missed events on another process (one just created); writes in this process reset it at once.
"""

from __future__ import annotations

import threading
import time

from heedful.integrations.models import Webhook

TTL_SECONDS = 5.0
_lock = threading.Lock()
_cached: tuple[float, frozenset[str]] | None = None


def subscribed_events() -> frozenset[str]:
    global _cached
    with _lock:
        if _cached is None or time.monotonic() - _cached[0] > TTL_SECONDS:
            found: set[str] = set()
            for events in Webhook.objects.filter(active=True).values_list("events", flat=True):
                found.update(events or [])
            _cached = (time.monotonic(), frozenset(found))
        return _cached[1]


def webhooks_for(event: str) -> list[Webhook]:
    if event not in subscribed_events():
        return []
    return [w for w in Webhook.objects.filter(active=True).order_by("pk") if event in (w.events or [])]


def forget() -> None:
    global _cached
    with _lock:
        _cached = None
