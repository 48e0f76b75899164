"""Deflections for the reports: a customer opened a suggestion and then opened no conversation
within the session (HEEDFUL_DEFLECTION_WINDOW_MINUTES after their first open, default 60)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from heedful.knowledge.models import SuggestionOpen


def session_window() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "HEEDFUL_DEFLECTION_WINDOW_MINUTES", 60)))


def rows(since, until, now=None) -> list[dict]:
    """Per surface: sessions that opened a suggestion in [since, until), how many of them went on
    to open a conversation, and the deflections (sessions whose window is over without one).
    Sessions still inside their window are `pending`, counted neither way yet."""
    now = now or timezone.now()
    sessions = (SuggestionOpen.objects.filter(opened_at__gte=since, opened_at__lt=until)
                .values("surface", "session")
                .annotate(first=Min("opened_at"), escalated=Count("conversation_opened_at"), opens=Count("pk")))
    out: dict[str, dict] = {}
    for s in sessions:
        row = out.setdefault(s["surface"] or "unknown", {"surface": s["surface"] or "unknown", "sessions": 0,
                                                         "opens": 0, "conversations": 0, "deflections": 0,
                                                         "pending": 0})
        row["sessions"] += 1
        row["opens"] += s["opens"]
        if s["escalated"]:
            row["conversations"] += 1
        elif s["first"] + session_window() <= now:
            row["deflections"] += 1
        else:
            row["pending"] += 1
    for row in out.values():
        decided = row["conversations"] + row["deflections"]
        row["deflection_rate"] = round(row["deflections"] / decided, 4) if decided else None
    return sorted(out.values(), key=lambda r: r["surface"])
