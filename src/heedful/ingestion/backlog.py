"""How far processing is behind the webhooks already stored and acknowledged.

While workers are down or slow, webhooks are still accepted and stored; the inbox says so, so
that agents read late messages as late, not as missing.

Every inbox page asks, so the answer is kept in the process for a few seconds: right after a
burst the pending-events index is full of entries autovacuum has not cleared yet, and finding
the oldest pending one took 9 ms of a 50 ms page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from heedful.core.clock import now
from heedful.core.kept import Kept
from heedful.ingestion.models import EventStatus, InboundEvent

COUNT_CAP = 100_000  # at this the banner says "100000+": counting further costs more than it tells
KEEP_SECONDS = 5.0  # the longest a banner shows late, or stays after the backlog drained
_kept = Kept(KEEP_SECONDS)  # by threshold


@dataclass(frozen=True)
class Backlog:
    events: int  # stored, not yet processed (at most COUNT_CAP)
    oldest: datetime

    @property
    def capped(self) -> bool:
        return self.events >= COUNT_CAP


def catching_up() -> Backlog | None:
    """The backlog when the oldest unprocessed event has waited past HEEDFUL_CATCHING_UP_SECONDS,
    else None. Events waiting for a scheduled retry count too: they are not processed yet."""
    threshold = float(settings.HEEDFUL_CATCHING_UP_SECONDS)
    # never longer than the threshold itself: a banner at 1 s must not show 5 s late
    return _kept.get(threshold, lambda: _read(threshold), seconds=min(KEEP_SECONDS, threshold))


forget = _kept.forget


def _read(threshold: float) -> Backlog | None:
    pending = InboundEvent.objects.filter(status=EventStatus.PENDING)
    oldest = pending.order_by("received_at").values_list("received_at", flat=True).first()
    if oldest is None or now() - oldest < timedelta(seconds=threshold):
        return None
    return Backlog(events=pending[:COUNT_CAP].count(), oldest=oldest)
