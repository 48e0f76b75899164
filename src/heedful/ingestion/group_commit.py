"""Group commit for webhook bodies: many requests, one INSERT, one commit, one job.

Request threads hand their raw body to a per-process writer thread and wait. The writer takes
whatever has queued up (at most `max_batch`, waiting at most `max_wait` seconds for more), writes
it with one multi-row INSERT ... ON CONFLICT DO NOTHING, commits, wakes the requests, and queues
processing jobs for the new events. A webhook is still acknowledged only after its body is
committed; the database sees a few large commits instead of thousands of small ones.
Used when settings.HEEDFUL_GROUP_COMMIT is on (production: threaded web workers).

Processing jobs are batched apart from commits (`JobBatcher`): one job per channel, sent when
it holds `HEEDFUL_INGEST_JOB_BATCH` events or its first event waited
`HEEDFUL_INGEST_JOB_WAIT_MS`. A worker's cost is mostly per job (claim, channel lock, bulk reads),
so a few large jobs process far more messages per second than one tiny job per commit; and a
job that holds one channel only never waits for another worker's channel lock.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from heedful.core import jobs
from heedful.core.clock import now
from heedful.ingestion.models import InboundEvent

log = logging.getLogger(__name__)
IDLE_SECONDS = 2.0


@dataclass
class Pending:
    channel_id: int
    provider: str
    event_key: str
    raw: bytes
    content_type: str
    future: Future


class GroupCommitWriter:
    def __init__(self, max_batch: int = 500, max_wait: float = 0.004):
        self.max_batch, self.max_wait = max_batch, max_wait
        self._queue: queue.Queue[Pending] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._jobs = JobBatcher()

    def submit(self, channel_id: int, provider: str, event_key: str, raw: bytes, content_type: str,
               timeout: float = 15.0) -> tuple[int, bool]:
        """Returns (event id, created) once the body is committed."""
        self._ensure_thread()
        item = Pending(channel_id, provider, event_key[:255], raw, content_type[:120], Future())
        self._queue.put(item)
        return item.future.result(timeout)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="heedful-group-commit", daemon=True)
                self._thread.start()

    def _collect(self) -> list[Pending]:
        """The next batch to write; empty when a job is due before any webhook came."""
        while True:
            due = self._jobs.seconds_to_next()
            try:
                batch = [self._queue.get(timeout=IDLE_SECONDS if due is None else due)]
                break
            except queue.Empty:
                if due is not None:
                    return []
                connection.close()  # idle: give the connection back to the database

        deadline = time.monotonic() + self.max_wait
        while len(batch) < self.max_batch:
            remaining = deadline - time.monotonic()
            try:
                batch.append(self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        while True:
            batch = self._collect()
            if batch:
                self._write(batch)
            else:
                self._jobs.send_due()

    def _write(self, batch: list[Pending]) -> None:
        try:
            close_old_connections()
            results = write_batch(batch)
        except Exception as exc:  # the requests answer 5xx; the provider will redeliver
            log.warning("group commit of %d webhooks failed: %s", len(batch), type(exc).__name__)
            connection.close()
            for item in batch:
                item.future.set_exception(exc)
            return
        for item, (event_id, created) in zip(batch, results, strict=True):
            if created:
                self._jobs.add(item.channel_id, event_id)
        self._jobs.send_due()  # before the answers: in-process jobs finish before the requests
        for item, result in zip(batch, results, strict=True):
            item.future.set_result(result)


class JobBatcher:
    """New event ids per channel, sent as one processing job per channel when full or due.

    Only the writer thread uses it. A job that cannot be sent (broker down) leaves its events
    pending; the sweeper processes them.
    """

    def __init__(self):
        self._ids: dict[int, list[int]] = {}
        self._due: dict[int, float] = {}

    def add(self, channel_id: int, event_id: int) -> None:
        ids = self._ids.setdefault(channel_id, [])
        if not ids:
            # Waiting only pays off with remote workers; in-process jobs run at once.
            wait = settings.HEEDFUL_INGEST_JOB_WAIT_MS / 1000 if jobs.runs_remotely() else 0.0
            self._due[channel_id] = time.monotonic() + wait
        ids.append(event_id)

    def seconds_to_next(self) -> float | None:
        if not self._due:
            return None
        return max(0.0, min(self._due.values()) - time.monotonic())

    def send_due(self) -> None:
        now_ = time.monotonic()
        for channel_id in [c for c, ids in self._ids.items()
                           if ids and (len(ids) >= settings.HEEDFUL_INGEST_JOB_BATCH or self._due[c] <= now_)]:
            ids = self._ids.pop(channel_id)
            del self._due[channel_id]
            try:
                jobs.enqueue_now("heedful.ingestion.process", ids)
            except Exception as exc:
                log.warning("could not queue processing of %d events: %s", len(ids), type(exc).__name__)


_COLUMNS = ("channel_id, provider, event_key, raw, content_type, status, attempts, last_error, received_at, "
            "next_attempt_at, result")
_CONFLICT = " ON CONFLICT (channel_id, event_key) DO NOTHING RETURNING id, channel_id, event_key"
# PostgreSQL: one statement text whatever the batch size (arrays, not a row of placeholders
# per webhook), so the driver parses it once instead of once per commit.
_PG_INSERT = (f"INSERT INTO {{table}} ({_COLUMNS}) SELECT c, p, k, r, t, 'pending', 0, '', %s, %s, '{{{{}}}}' "
              "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::bytea[], %s::text[]) AS u(c, p, k, r, t)"
              + _CONFLICT)


def _insert(cursor, table: str, items: list[Pending], stamp) -> dict[tuple[int, str], int]:
    if connection.vendor == "postgresql":
        cursor.execute(_PG_INSERT.format(table=table), [
            stamp, stamp, [i.channel_id for i in items], [i.provider for i in items],
            [i.event_key for i in items], [i.raw for i in items], [i.content_type for i in items]])
    else:
        rows = ", ".join(["(%s, %s, %s, %s, %s, 'pending', 0, '', %s, %s, '{}')"] * len(items))
        params = [v for i in items for v in (i.channel_id, i.provider, i.event_key, i.raw, i.content_type,
                                             stamp, stamp)]
        cursor.execute(f"INSERT INTO {table} ({_COLUMNS}) VALUES {rows}{_CONFLICT}", params)
    return {(c, k): i for i, c, k in cursor.fetchall()}


def write_batch(batch: list[Pending]) -> list[tuple[int, bool]]:
    """One INSERT for the batch; replays (same channel and key) return the stored event."""
    table = InboundEvent._meta.db_table
    stamp = now()
    unique: dict[tuple[int, str], Pending] = {}
    for item in batch:
        unique.setdefault((item.channel_id, item.event_key), item)
    with transaction.atomic():
        with connection.cursor() as cursor:
            inserted = _insert(cursor, table, list(unique.values()), stamp)
        missing = [key for key in unique if key not in inserted]
        existing = {}
        if missing:
            for event in InboundEvent.objects.filter(channel_id__in={c for c, _ in missing},
                                                     event_key__in=[k for _, k in missing]).only("pk", "channel_id", "event_key"):
                existing[(event.channel_id, event.event_key)] = event.pk
    answered: set[tuple[int, str]] = set()
    results = []
    for item in batch:
        key = (item.channel_id, item.event_key)
        if key in inserted and key not in answered:
            results.append((inserted[key], True))
            answered.add(key)
        else:
            results.append((inserted.get(key) or existing[key], False))
    return results


writer = GroupCommitWriter()
