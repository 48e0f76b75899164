"""Soak: a steady webhook load for minutes against the running stack.

What a short burst cannot show: memory that creeps up (RSS of web and worker, first window vs
last window), events that go missing under sustained load (sent vs stored vs processed, which
must all agree), and latency that drifts (receipt -> visible p99 window by window).
"""

from __future__ import annotations

import time

from bench import ingest, procs
from bench.config import Settings, Sizes
from bench.procs import log

# (seconds, webhooks/s): full is the 10 minutes at 300/s; quick keeps the code path
SOAK = {"full": (600, 300), "quick": (30, 100)}
FINISHED = ("done", "ignored")  # an ignored event was read and judged (a duplicate, an echo)


class RssTimeline(procs.MemorySampler):
    """The sampler's peaks plus every sample, to compare the start of a soak with its end."""

    def __init__(self, groups: dict[str, int], interval: float = 2.0):
        super().__init__(groups, interval)
        self.started = time.monotonic()
        self.samples: list[tuple[float, dict[str, float]]] = []

    def _sample(self, final: bool = False) -> None:
        super()._sample(final)
        totals = {g: sum(procs._status_kb(p, "VmRSS") for p in procs.descendants(root)) / 1024
                  for g, root in self.groups.items()}
        self.samples.append((time.monotonic() - self.started, totals))

    def growth(self, window: float) -> dict:
        """Mean RSS of each group over the first and the last `window` seconds, and the change."""
        if not self.samples:
            return {}
        end = self.samples[-1][0]
        out = {}
        for group in self.groups:
            first = [s[group] for t, s in self.samples if t <= window and group in s]
            last = [s[group] for t, s in self.samples if t >= end - window and group in s]
            if first and last:
                a, b = sum(first) / len(first), sum(last) / len(last)
                out[group] = {"first_mb": round(a, 1), "last_mb": round(b, 1), "growth_mb": round(b - a, 1)}
        return out


_WINDOW_P99_SQL = """
WITH ev AS (SELECT id, received_at, result FROM ingestion_inboundevent WHERE id > %s AND id <= %s),
t0 AS (SELECT min(received_at) AS at FROM ev),
msg AS (SELECT floor(extract(epoch FROM ev.received_at - t0.at) / %s)::int AS w,
               extract(epoch FROM m.created_at - ev.received_at) AS lag
        FROM ev CROSS JOIN t0
        CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(ev.result->'created', '[]'::jsonb)) AS c(mid)
        JOIN conversations_message m ON m.id = c.mid::bigint)
SELECT w, count(*), percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) FROM msg GROUP BY w ORDER BY w
"""


def p99_by_window(after_id: int, upto_id: int, window: float) -> list[dict]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_WINDOW_P99_SQL, [after_id, upto_id, window])
        return [{"from_s": int(w * window), "messages": n, "p99_ms": round(p * 1000, 1)}
                for w, n, p in cursor.fetchall()]


def lost(sent: int, stats: dict) -> dict:
    statuses = stats["event_statuses"]
    stored = stats["events"]
    processed = sum(statuses.get(s, 0) for s in FINISHED)
    return {"sent": sent, "stored": stored, "processed": processed,
            "lost": (sent - stored) + (stored - processed)}  # never stored, or stored and never finished


def run(settings: Settings, sizes: Sizes, stack, channels, shape) -> dict:
    seconds, rate = SOAK.get(sizes.name, SOAK["quick"])
    window = 60.0 if seconds >= 180 else max(5.0, seconds / 3)  # a few windows even in a quick run
    t = ingest.write_traffic("soak", shape, channels, int(rate * seconds), rate, seed=11)
    log(f"soak: {t.count} signed webhooks at {rate}/s for {seconds} s")
    before = ingest.last_event_id()
    memory = RssTimeline(stack.memory_groups())
    with memory:
        http = ingest.python_load(t, settings, rate=rate, connections=max(16, rate // 20),
                                  max_seconds=seconds + 60)
        drained = ingest.wait_drained(before, sizes.drain_timeout)
    upto = ingest.last_event_id()
    stats = ingest.phase_stats(before, upto)
    windows = p99_by_window(before, upto, window)
    p99s = [w["p99_ms"] for w in windows]
    counted = lost(t.count, stats)
    rss = memory.growth(window)
    result = {
        "seconds": seconds, "offered_per_s": rate, "window_s": window, "drained": drained,
        "http": http, "events": counted, "events_lost": counted["lost"],
        "messages": stats["messages"], "receipt_to_visible_ms": stats["receipt_to_visible_ms"],
        "p99_by_window": windows,
        "p99_window_max_ms": max(p99s, default=None),
        # drift: the last window's p99 over the first's (about 1 when latency is stable)
        "p99_last_over_first": round(p99s[-1] / p99s[0], 2) if len(p99s) > 1 and p99s[0] else None,
        "rss": rss, "memory_peak_mb": memory.peaks.total_mb,
        **{f"{g}_rss_growth_mb": v["growth_mb"] for g, v in rss.items()},
    }
    growth = ", ".join(f"{g} {v['growth_mb']} MB" for g, v in rss.items())
    log(f"soak: {http.get('ok')} accepted, lost {counted['lost']}, p99 by window {p99s}, rss growth: {growth}")
    return result
