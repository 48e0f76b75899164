"""Is anyone there? Business hours per channel and agents online decide what the widget says.

`settings["business_hours"]` on a web chat channel (absent: always open):
    {"timezone": "Europe/Paris", "periods": [{"weekday": 0, "start": "09:00", "end": "17:30"}],
     "holidays": ["2026-12-25"]}
weekday 0 is Monday. An agent is online while a workspace page of theirs is open: every page
follows its agent's own live topic (`user:<id>`), so the broker knows who is there in every
process. Outside hours or with nobody online the widget asks for an email and says when the
brand is back; otherwise it shows the channel's recent median first-response time.
"""

from __future__ import annotations

import statistics
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.cache import cache
from django.db.models import F

from heedful.conversations.models import Conversation
from heedful.core.clock import now
from heedful.realtime.broker import RedisBroker, get_broker

AGENT_TOPIC_PREFIX = "user:"
ONLINE_CACHE_SECONDS = 5
WAIT_SAMPLE = 50


def _clock(value: str) -> time:
    hours, _, minutes = str(value).partition(":")
    return time(int(hours), int(minutes or 0))


def _periods(hours: dict, day: date) -> list[tuple[time, time]]:
    if day.isoformat() in set(hours.get("holidays") or []):
        return []
    return [(_clock(p["start"]), _clock(p["end"])) for p in hours.get("periods") or []
            if int(p.get("weekday", -1)) == day.weekday()]


def _zone(hours: dict) -> ZoneInfo:
    try:
        return ZoneInfo(hours.get("timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def within_hours(hours: dict | None, at: datetime) -> tuple[bool, datetime | None]:
    """(open now, when it next opens) for business hours; no hours means always open."""
    if not hours:
        return True, None
    zone = _zone(hours)
    local = at.astimezone(zone)
    for start, end in _periods(hours, local.date()):
        if start <= local.time() < end:
            return True, None
    for offset in range(0, 15):  # the next opening within two weeks
        day = local.date() + timedelta(days=offset)
        for start, _end in sorted(_periods(hours, day)):
            opening = datetime.combine(day, start, tzinfo=zone)
            if opening > local:
                return False, opening
    return False, None


def agents_online() -> int:
    """How many agents have a workspace page open, across processes (cached a few seconds)."""
    cached = cache.get("heedful:widget:agents-online")
    if cached is not None:
        return cached
    broker = get_broker()
    if isinstance(broker, RedisBroker):
        count = len(broker.client.pubsub_channels(broker.prefix + AGENT_TOPIC_PREFIX + "*"))
    else:  # the in-process broker of the embedded mode: its subscriptions are all here
        with broker._cond:
            subscriptions = list(broker._subscriptions)
        count = len({t for s in subscriptions for t in s.topics if t.startswith(AGENT_TOPIC_PREFIX)})
    cache.set("heedful:widget:agents-online", count, ONLINE_CACHE_SECONDS)
    return count


def expected_wait_seconds(channel) -> int | None:
    """Median time to the first reply over the channel's recently answered conversations."""
    rows = (Conversation.objects.filter(channel=channel, first_response_at__isnull=False)
            .order_by("-created_at").annotate(wait=F("first_response_at") - F("created_at"))
            .values_list("wait", flat=True)[:WAIT_SAMPLE])
    waits = [w.total_seconds() for w in rows if w is not None and w.total_seconds() >= 0]
    return int(statistics.median(waits)) if waits else None


def status(channel, *, with_wait: bool = True) -> dict:
    open_now, opens_at = within_hours((channel.settings or {}).get("business_hours"), now())
    online = agents_online() if open_now else 0
    if not open_now:
        reason = "closed"
    elif not online:
        reason = "no_agents"
    else:
        reason = "online"
    return {"online": reason == "online", "reason": reason,
            "opens_at": opens_at.isoformat() if opens_at else None,
            "expected_wait_seconds": expected_wait_seconds(channel) if with_wait and reason == "online" else None}
