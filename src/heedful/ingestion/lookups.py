"""Detail lookups: the provider reads a notification needs before it is a message.

An Instagram mention webhook names only a comment or media id; its text and author take a Graph
call. The pipeline must not make it (no network inside its transaction), so `record` writes a
DetailLookup row with the batch and queues the `heedful.ingestion.lookup` job after the commit.
`run` claims each due row in a short transaction, calls the provider's `fetch_details` outside
any transaction, and stores the answer through `store_event` under the key `lookup:<key>`: the
answer then goes through the pipeline like any webhook, so a message is stored once however
often the notification or the job runs. A temporary failure waits with backoff (the provider's
Retry-After when given) for the sweeper; a permanent one, or the last attempt, ends `failed` with
the reason; an expired token also marks the channel as needing re-authorisation.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction

from heedful.channels import actions as channel_actions
from heedful.channels import registry
from heedful.channels.base import (
    DetailRequest,
    PermanentSendError,
    ReauthRequired,
    TemporarySendError,
)
from heedful.core import jobs
from heedful.core.clock import backoff, now
from heedful.ingestion.models import DetailLookup, LookupStatus
from heedful.ingestion.store import store_event

log = logging.getLogger(__name__)
JOB = "heedful.ingestion.lookup"
LEASE = timedelta(minutes=2)  # a claimed lookup whose worker died is due again after this


def record(channel, event_id: int, requests: list[DetailRequest], ignored: list[str]) -> int:
    """Write the lookups an event asks for (once per key) and queue them after the commit.
    Call inside the pipeline's transaction; returns how many are new, and names each repeat
    in `ignored` (a notification Meta sent again in another body)."""
    if not requests:
        return 0
    rows = [DetailLookup(channel=channel, event_id=event_id, key=r.key[:200], params=r.params,
                         next_attempt_at=now()) for r in requests]
    keys = [row.key for row in rows]
    known = set(DetailLookup.objects.filter(channel=channel, key__in=keys).values_list("key", flat=True))
    fresh = [row for row in rows if row.key not in known]
    ignored.extend(f"{key} was already looked up (a repeated notification)" for key in keys if key in known)
    DetailLookup.objects.bulk_create(fresh, ignore_conflicts=True)
    ids = list(DetailLookup.objects.filter(channel=channel, key__in=[r.key for r in fresh],
                                           status=LookupStatus.PENDING).values_list("pk", flat=True))
    if ids:
        jobs.enqueue(JOB, ids)
    return len(fresh)


def run(lookup_ids: list[int]) -> dict[str, int]:
    """Fetch each due lookup in `lookup_ids`; safe to call any number of times."""
    counts: dict[str, int] = {}
    for lookup_id in lookup_ids:
        lookup = _claim(lookup_id)
        if lookup is not None:
            status = _fetch(lookup)
            counts[status] = counts.get(status, 0) + 1
    return counts


def sweep(limit: int = 200) -> int:
    """Run the lookups that are due: retries, and those a crashed worker left claimed."""
    due = list(DetailLookup.objects.filter(status=LookupStatus.PENDING, next_attempt_at__lte=now())
               .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    run(due)
    return len(due)


def _claim(lookup_id: int) -> DetailLookup | None:
    """Take a due lookup for this worker (an attempt counted, a lease set), or None."""
    with transaction.atomic():
        qs = DetailLookup.objects.select_related("channel").filter(
            pk=lookup_id, status=LookupStatus.PENDING, next_attempt_at__lte=now())
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        lookup = qs.first()
        if lookup is None:
            return None
        lookup.attempts += 1
        lookup.next_attempt_at = now() + LEASE
        lookup.save(update_fields=["attempts", "next_attempt_at"])
    return lookup


def _fetch(lookup: DetailLookup) -> str:
    channel = lookup.channel
    provider = registry.get(channel.provider)
    try:
        raw, content_type = provider.fetch_details(channel, DetailRequest(lookup.key, dict(lookup.params)))
    except TemporarySendError as exc:
        wait = exc.retry_after if exc.retry_after is not None else backoff(lookup.attempts).total_seconds()
        return _retry_or_fail(lookup, exc, timedelta(seconds=wait))
    except ReauthRequired as exc:
        channel_actions.mark_needs_reauth(channel.pk, str(exc))
        return _finish(lookup, LookupStatus.FAILED, exc)
    except PermanentSendError as exc:
        return _finish(lookup, LookupStatus.FAILED, exc)
    with transaction.atomic():
        store_event(channel, channel.provider, f"lookup:{lookup.key}", raw, content_type)
        return _finish(lookup, LookupStatus.DONE)


def _retry_or_fail(lookup: DetailLookup, exc: Exception, wait: timedelta) -> str:
    if lookup.attempts >= settings.HEEDFUL_INGEST_MAX_ATTEMPTS:
        return _finish(lookup, LookupStatus.FAILED, exc)
    log.warning("lookup %s: temporary failure (attempt %s): %s", lookup.pk, lookup.attempts, type(exc).__name__)
    DetailLookup.objects.filter(pk=lookup.pk).update(next_attempt_at=now() + wait, last_error=str(exc)[:500])
    jobs.enqueue_in(wait.total_seconds(), JOB, [lookup.pk])
    return "retry"


def _finish(lookup: DetailLookup, status: str, exc: Exception | None = None) -> str:
    if exc is not None:  # the error names the failure, never the payload
        log.warning("lookup %s %s: %s", lookup.pk, status, type(exc).__name__)
    DetailLookup.objects.filter(pk=lookup.pk).update(
        status=status, next_attempt_at=None, done_at=now(), last_error=str(exc)[:500] if exc else "")
    return status
