"""Operator and worker actions on inbound events: process, sweep, retry, erase, purge."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from heedful.core import jobs
from heedful.core.clock import now
from heedful.core.erased import chunks, erased_text_key
from heedful.ingestion import lookups
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
    lookups.sweep()  # due detail lookups (a mention's Graph read) ride along
    return len(due)


def retry(event: InboundEvent) -> InboundEvent:
    """Put a failed (or ignored) event back in the pipeline, with a fresh attempt budget."""
    event.status, event.attempts, event.next_attempt_at = EventStatus.PENDING, 0, now()
    event.save(update_fields=["status", "attempts", "next_attempt_at"])
    jobs.enqueue("heedful.ingestion.process", [event.pk])
    return event


def erase_events(event_ids: list[int]) -> int:
    """Blank the raw bodies of these events and keep their keys ("api:<message id>", a tweet id)
    only as keyed hashes, so a replay is still recognised. Call inside a transaction."""
    erased = 0
    for chunk in chunks(event_ids):
        erased += InboundEvent.objects.filter(pk__in=chunk).update(raw=b"", last_error="")
        events = list(InboundEvent.objects.filter(pk__in=chunk).only("pk", "event_key"))
        for event in events:
            event.event_key = erased_text_key(event.event_key)
        InboundEvent.objects.bulk_update(events, ["event_key"], batch_size=500)
    return erased


def purge_raw_before(channel, cutoff) -> int:
    """Retention: blank the raw bodies of a channel's finished events received before `cutoff`
    (pending ones still have to be processed)."""
    with transaction.atomic():
        old = InboundEvent.objects.filter(channel=channel, received_at__lt=cutoff,
                                          status__in=[EventStatus.DONE, EventStatus.IGNORED, EventStatus.FAILED])
        return old.exclude(raw=b"").update(raw=b"")
