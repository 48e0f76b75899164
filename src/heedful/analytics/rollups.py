"""Fold reporting events into rollup rows, incrementally or from scratch.

`fold()` takes the events not folded yet, adds what each contributes to its rollup rows (one
upsert per batch: `INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n`) and marks them
folded, in one transaction. `rebuild()` empties the rollups and folds every event again with
the same `contributions()`, so both paths give the same numbers by construction. Both hold one
advisory lock on PostgreSQL (SQLite serialises writers anyway), so a fold never interleaves with
a rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connection, transaction

from heedful.analytics.models import (
    COUNTERS,
    DIMENSIONS,
    HISTOGRAM_DIMENSIONS,
    Kind,
    ReportingEvent,
    ResponseTimeRollup,
    Rollup,
)
from heedful.feedback.models import Why

WHYS = frozenset(Why.values)
ALL_AGENTS = -1  # the agent dimension summed up
_FLOATS = {"first_response_seconds", "sentiment_start_sum", "sentiment_end_sum", "csat_sum"}
LOCK_KEY = 0x4EED_0A11  # pg_advisory_xact_lock key for folds and rebuilds
H72, D7, D30 = 72 * 3600, 7 * 86400, 30 * 86400


# (below this many seconds, round down to this step): about 2-10 % precision, so a day of a
# channel's first responses fits in a few dozen histogram rows.
_STEPS = ((60, 1), (600, 10), (3600, 60), (86400, 600))


def bucket(seconds: float) -> int:
    """Histogram bucket (its lower bound in seconds) for a first-response time."""
    s = max(0, int(seconds))
    for limit, step in _STEPS:
        if s < limit:
            return s // step * step
    return s // 3600 * 3600


def contributions(e: ReportingEvent) -> dict[str, float]:
    """What one event adds to its rollup rows."""
    kind = e.kind
    if kind == Kind.OPENED:
        gap = e.value
        return {"opened": 1, "failure_demand": int(e.detail == "failure"),
                "repeat_72h": int(gap is not None and gap <= H72), "repeat_7d": int(gap is not None and gap <= D7),
                "repeat_30d": int(gap is not None and gap <= D30)}
    if kind == Kind.MESSAGE_IN:
        return {"messages_in": 1}
    if kind == Kind.MESSAGE_OUT:
        return {} if e.detail == "automated" else {"messages_out": 1}
    if kind == Kind.FIRST_RESPONSE:
        return {"first_responses": 1, "first_response_seconds": max(0.0, e.value or 0.0)}
    if kind == Kind.RESOLVED:
        out = {"resolved": 1, "one_touch": int((e.value or 0) < 2), "resolved_contacts": int(e.value2 or 0)}
        if e.value3 is not None and e.value4 is not None:
            out.update(sentiment_n=1, sentiment_start_sum=e.value3, sentiment_end_sum=e.value4)
        return out
    if kind == Kind.REOPENED:
        return {"reopened": 1}
    if kind == Kind.RECONTACT:
        return {"not_fcr": 1}
    if kind == Kind.BYPASS:
        return {"bypass_in": 1}
    if kind == Kind.SURVEY_ANSWERED:
        out = {"surveys": 1}
        if e.value and 1 <= int(e.value) <= 5:
            out.update({"csat_sum": e.value, f"csat_{int(e.value)}": 1})
        if e.detail in WHYS:
            out[f"why_{e.detail}"] = 1
        return out
    if kind == Kind.DEFLECTED:
        return {"deflected": 1}
    return {}


def _keys(e: ReportingEvent) -> list[tuple]:
    """The rollup rows an event counts in: its agent's and the all-agents row (`ALL_AGENTS`,
    what every report but the agents' one reads), each over all labels ("") and per label."""
    day = e.at.date()
    labels = [""] + list(dict.fromkeys(label[:60] for label in e.labels.split(",") if label)) if e.labels else [""]
    agents = (e.agent_id, ALL_AGENTS) if e.agent_id != ALL_AGENTS else (ALL_AGENTS,)
    return [(day, e.channel_id, e.provider, e.team_id, agent, label) for agent in agents for label in labels]


class Totals:
    """Rollup deltas collected in memory, keyed by the rollup dimensions."""

    def __init__(self):
        self.rows: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.hist: dict[tuple, int] = defaultdict(int)

    def add(self, e: ReportingEvent, sign: int = 1) -> None:
        delta = {k: sign * v for k, v in contributions(e).items()}
        if not delta:
            return
        for key in _keys(e):
            row = self.rows[key]
            for name, n in delta.items():
                row[name] += n
            day, channel_id, provider, team_id, agent, label = key
            if e.kind == Kind.FIRST_RESPONSE and agent == ALL_AGENTS:
                self.hist[(day, channel_id, provider, team_id, label, bucket(e.value or 0))] += sign


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _upsert(table: str, columns: list[str], keys: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    q = connection.ops.quote_name
    adds = [c for c in columns if c not in keys]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    for start in range(0, len(rows), 500):
        chunk = rows[start:start + 500]
        sql = (f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) VALUES "
               + ", ".join([placeholders] * len(chunk))
               + f" ON CONFLICT ({', '.join(q(k) for k in keys)}) DO UPDATE SET "
               + ", ".join(f"{q(c)} = {q(table)}.{q(c)} + excluded.{q(c)}" for c in adds))
        with connection.cursor() as cursor:
            cursor.execute(sql, [v for row in chunk for v in row])


def _copy(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Into empty tables (a rebuild): PostgreSQL COPY, far cheaper than a large upsert."""
    q = connection.ops.quote_name
    sql = f"COPY {q(table)} ({', '.join(q(c) for c in columns)}) FROM STDIN"
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _write(totals: Totals, *, empty: bool = False) -> None:
    """Add the totals to the rollups (`empty`: the tables were just emptied in this transaction)."""
    counters = list(COUNTERS)
    write = _copy if empty and connection.vendor == "postgresql" else None
    tables = [
        (Rollup._meta.db_table, [*DIMENSIONS, *counters], list(DIMENSIONS),
         [(*key, *(row.get(c, 0) if c in _FLOATS else int(row.get(c, 0)) for c in counters))
          for key, row in totals.rows.items()]),
        (ResponseTimeRollup._meta.db_table, [*HISTOGRAM_DIMENSIONS, "count"], list(HISTOGRAM_DIMENSIONS),
         [(*key, n) for key, n in totals.hist.items()]),
    ]
    for table, columns, keys, rows in tables:
        if write:
            write(table, columns, rows)
        else:
            _upsert(table, columns, keys, rows)


def fold(limit: int = 5000) -> int:
    """Fold every event not folded yet, `limit` at a time. Returns how many were folded."""
    done = 0
    while True:
        with transaction.atomic():
            _lock()
            batch = list(ReportingEvent.objects.filter(folded=False).order_by("id")[:limit])
            if not batch:
                return done
            totals = Totals()
            for event in batch:
                totals.add(event)
            _write(totals)
            ReportingEvent.objects.filter(pk__in=[e.pk for e in batch]).update(folded=True)
            done += len(batch)


def withdraw(events: list[ReportingEvent]) -> None:
    """Take recorded facts back (no longer true, e.g. an undone merge): their folded counts are
    subtracted and the events deleted, in one transaction, so a rebuild agrees."""
    with transaction.atomic():
        _lock()
        totals = Totals()
        for event in ReportingEvent.objects.select_for_update().filter(pk__in=[e.pk for e in events], folded=True):
            totals.add(event, sign=-1)
        _write(totals)
        ReportingEvent.objects.filter(pk__in=[e.pk for e in events]).delete()


def rebuild(progress: Callable[[int, int], None] | None = None, chunk: int = 20000) -> int:
    """Recompute every rollup from the events. Returns the number of events read."""
    with transaction.atomic():
        _lock()
        total = ReportingEvent.objects.count()
        Rollup.objects.all().delete()
        ResponseTimeRollup.objects.all().delete()
        totals, seen, last = Totals(), 0, 0
        for event in _events(chunk):
            totals.add(event)
            seen, last = seen + 1, event.id
            if progress and seen % chunk == 0:
                progress(seen, total)
        _write(totals, empty=True)
        # Everything read is counted now; an event recorded meanwhile stays for the next fold.
        ReportingEvent.objects.filter(folded=False, pk__lte=last).update(folded=True)
        if progress:
            progress(seen, total)
    return seen


def _events(chunk: int) -> Iterable:
    """Every event in id order as light named rows, `chunk` a query (keyset pages)."""
    fields = ("id", "kind", "at", "channel_id", "provider", "team_id", "agent_id", "labels", "value",
              "value2", "value3", "value4", "detail")
    last = 0
    while True:
        page = list(ReportingEvent.objects.filter(pk__gt=last).order_by("id").values_list(*fields, named=True)[:chunk])
        if not page:
            return
        yield from page
        last = page[-1].id

