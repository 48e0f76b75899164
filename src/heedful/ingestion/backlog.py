"""How far processing is behind the webhooks already stored and acknowledged.

While workers are down or slow, webhooks are still accepted and stored; the inbox says so, so
that agents read late messages as late, not as missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from heedful.core.clock import now
from heedful.ingestion.models import EventStatus, InboundEvent

COUNT_CAP = 100_000  # at this the banner says "100000+": counting further costs more than it tells


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
    pending = InboundEvent.objects.filter(status=EventStatus.PENDING)
    oldest = pending.order_by("received_at").values_list("received_at", flat=True).first()
    if oldest is None or now() - oldest < timedelta(seconds=settings.HEEDFUL_CATCHING_UP_SECONDS):
        return None
    return Backlog(events=pending[:COUNT_CAP].count(), oldest=oldest)
