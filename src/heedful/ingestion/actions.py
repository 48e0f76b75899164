"""Operator and worker actions on inbound events: process, sweep, retry."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from heedful.core import jobs
from heedful.core.clock import now
from heedful.ingestion.models import EventStatus, InboundEvent
from heedful.ingestion.pipeline import process_events

BATCH = 200


def process(event_ids: list[int]) -> dict:
    counts: dict[str, int] = {}
    event_ids = topped_up(event_ids)
    for start in range(0, len(event_ids), BATCH):
        for status, n in process_events(event_ids[start:start + BATCH]).items():
            counts[status] = counts.get(status, 0) + n
    return counts


def topped_up(event_ids: list[int]) -> list[int]:
    """The given events plus the oldest other fresh events of the same channels, up to BATCH.

    A job's cost is mostly per job, so when jobs queue up behind a busy worker, the first one
    takes what has arrived since it was queued and the later ones find their events done: batches
    grow with the load and shrink again when it falls.
    """
    if not event_ids or len(event_ids) >= BATCH:
        return event_ids
    channels = (InboundEvent.objects.filter(pk__in=event_ids).values("channel_id"))
    more = (InboundEvent.objects.filter(status=EventStatus.PENDING, attempts=0, next_attempt_at__lte=now(),
                                        channel_id__in=channels)
            .exclude(pk__in=event_ids).order_by("pk").values_list("pk", flat=True)[:BATCH - len(event_ids)])
    return sorted({*event_ids, *more})


def sweep(limit: int = 500, stale_after: timedelta | None = None) -> int:
    """Process pending events that are due: retries, and events a crashed worker left behind.

    A fresh event is left alone for `stale_after` so the fast path gets it first.
    """
    cutoff = now()
    if stale_after is None:
        stale_after = timedelta(seconds=settings.HEEDFUL_INGEST_STALE_SECONDS)
    due = list(
        InboundEvent.objects.filter(status=EventStatus.PENDING, next_attempt_at__lte=cutoff)
        .filter(received_at__lte=cutoff - stale_after)
        .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )
    due += list(
        InboundEvent.objects.filter(status=EventStatus.PENDING, attempts__gt=0, next_attempt_at__lte=cutoff)
        .exclude(pk__in=due).order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )
    process(due)
    return len(due)


def retry(event: InboundEvent) -> InboundEvent:
    """Put a failed (or ignored) event back in the pipeline, with a fresh attempt budget."""
    event.status, event.attempts, event.next_attempt_at = EventStatus.PENDING, 0, now()
    event.save(update_fields=["status", "attempts", "next_attempt_at"])
    jobs.enqueue("heedful.ingestion.process", [event.pk])
    return event
