"""Virality alerts: a figure far above its own recent past.

The rule is the usual control limit: the latest value is a spike when it exceeds the mean of
the previous seven days' values plus k standard deviations (k = HEEDFUL_VIRALITY_K, 2 by
default). Applied to a brand channel's negative mentions in the last 24 hours against the seven
days before (one aggregate query for every channel), run by the routing sweep.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from django.db.models import Count, Q

from heedful.conversations.models import Message
from heedful.core.clock import now
from heedful.routing import actions, conf
from heedful.routing.models import Alert
from heedful.routing.priority import NEGATIVE

MIN_HISTORY = 3  # fewer past values than this say nothing about "usual"


def limit(history: list[float], k: float | None = None) -> float | None:
    """mean + k·sd of the history, or None when there is too little of it."""
    if len(history) < MIN_HISTORY:
        return None
    k = conf.virality_k() if k is None else k
    return statistics.fmean(history) + k * statistics.pstdev(history)


def is_spike(history: list[float], current: float, k: float | None = None, *, floor: float = 1.0) -> bool:
    """Whether `current` is above mean + k·sd of `history` (and above `floor`, so a quiet
    channel's first two mentions are no "spike")."""
    top = limit(history, k)
    return top is not None and current > max(top, floor)


def negative_mention_counts(at: datetime) -> dict[int, list[int]]:
    """channel -> [negative inbound messages in each 24 h window, oldest first; the last is the
    latest 24 h], eight windows, in one query."""
    return {r["channel_id"]: [r[f"w{i}"] for i in range(8)] for r in negative_mention_counts_query(at)}


def negative_mention_counts_query(at: datetime):
    start = at - timedelta(days=8)
    # Count("sent_at"), not the ids: the msg_negative_mentions index alone answers it.
    windows = {f"w{i}": Count("sent_at", filter=Q(sent_at__gte=start + timedelta(days=i),
                                                   sent_at__lt=start + timedelta(days=i + 1))) for i in range(8)}
    rows = (Message.objects.filter(direction="in", automated=False, sentiment__lte=NEGATIVE,
                                   sent_at__gte=start, sent_at__lt=at)
            .values("channel_id").annotate(**windows).order_by())
    return rows


def negative_mentions_alerts(at: datetime | None = None) -> list[Alert]:
    """Alert supervisors for each channel whose negative mentions spiked in the last 24 h."""
    at = at or now()
    alerts = []
    for channel_id, counts in negative_mention_counts(at).items():
        history, current = counts[:-1], counts[-1]
        if is_spike(history, current, floor=5):
            alerts.append(Alert(kind="virality", channel_id=channel_id,
                                key=f"virality:negative:{channel_id}:{at.date().isoformat()}",
                                detail=f"{current} negative mentions in 24 h (usual {statistics.fmean(history):.0f})"))
    return actions.raise_alerts(alerts)
