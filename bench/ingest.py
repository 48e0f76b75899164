"""Ingest: signed Twitter webhooks over real HTTP, from a separate load process.

Three runs: a warm-up, a fixed offered load (the latency target is set at 500 messages/s) and
a max-load burst. For each, the HTTP side comes from the load generator and the processing
side from the database: "visible in the inbox" is the Message row committed, so latency is
Message.created_at - InboundEvent.received_at, both stamped by the app on the same clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bench import loadgen, procs, traffic
from bench.config import OUT, Settings, Sizes
from bench.fixtures import TwitterChannel
from bench.procs import log

BRAND_CHANNELS = 4  # a desk with a few brand accounts, as in TWCS
SPACING_SECONDS = 1.0  # a reply is sent at least this long after the tweet it answers


@dataclass
class Traffic:
    path: Path
    count: int
    close_replies: int  # replies sent closer than SPACING_SECONDS (end of a finite run)
    chains: list


def channel_for(brand: str, channels: list[TwitterChannel]) -> TwitterChannel:
    for channel in channels:
        if channel.brand == brand:
            return channel
    return channels[sum(map(ord, brand)) % len(channels)]


def brands_for_channels(shape: traffic.Shape) -> list[str]:
    from collections import Counter

    counts = Counter(t.brand for t in shape.templates)
    return [b for b, _ in counts.most_common(BRAND_CHANNELS)]


def write_traffic(name: str, shape, channels, count: int, rate: float, seed: int,
                  first_only: bool = False) -> Traffic:
    """Sign `count` webhooks (a mix of new threads and replies, or with `first_only` only the
    customers' first tweets: every one opens a conversation) into a requests file."""
    from heedful.channels.providers.twitter.signing import webhook_signature

    chains = traffic.threads(shape, count * (4 if first_only else 1), seed=seed,
                             id_base=10**15 + seed * 10**9, customer_base=10**8 + seed * 10**6)
    if first_only:
        chains = [chain[:1] for chain in chains][:count]
    order, close = traffic.schedule(chains, spacing=int(max(rate, 100) * SPACING_SECONDS), seed=seed)
    times = traffic.timeline(len(order), rate or 2000)
    path = OUT / f"requests-{name}.tsv"
    with open(path, "wb") as fh:
        for tweet, at in zip(order, times, strict=True):
            channel = channel_for(tweet.brand, channels)
            body = json.dumps(traffic.payload(tweet, channel.user_id, at), separators=(",", ":"),
                              ensure_ascii=False).encode()
            fh.write(f"/hooks/twitter/{channel.id}\t{webhook_signature(channel.consumer_secret, body)}\t"
                     .encode() + body + b"\n")
    return Traffic(path, len(order), close, chains)


def python_load(t: Traffic, settings: Settings, *, rate: float, connections: int, max_seconds: float) -> dict:
    return loadgen.python_load(t.path, settings.base_url, rate=rate, connections=connections,
                               max_seconds=max_seconds)


def last_event_id() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM ingestion_inboundevent")
        return cursor.fetchone()[0]


def wait_drained(after_id: int, timeout: float) -> bool:
    """Wait until every event stored since `after_id` left `pending`."""
    from django.db import connection

    def drained() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM ingestion_inboundevent WHERE id > %s AND status = 'pending'",
                           [after_id])
            return cursor.fetchone()[0] == 0

    try:
        procs.wait_until(drained, timeout=timeout, interval=0.2, what="processing to finish")
        return True
    except TimeoutError:
        return False


_LATENCY_SQL = """
WITH ev AS (SELECT id, received_at, result FROM ingestion_inboundevent WHERE id > %s AND id <= %s),
msg AS (SELECT ev.received_at, m.created_at FROM ev
        CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(ev.result->'created', '[]'::jsonb)) AS c(mid)
        JOIN conversations_message m ON m.id = c.mid::bigint)
SELECT count(*),
       percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - received_at)),
       max(extract(epoch FROM created_at - received_at)),
       extract(epoch FROM max(created_at) - min(received_at))
FROM msg
"""


def phase_stats(after_id: int, upto_id: int) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT status, count(*) FROM ingestion_inboundevent WHERE id > %s AND id <= %s "
                       "GROUP BY status", [after_id, upto_id])
        statuses = dict(cursor.fetchall())
        cursor.execute("SELECT extract(epoch FROM max(received_at) - min(received_at)) "
                       "FROM ingestion_inboundevent WHERE id > %s AND id <= %s", [after_id, upto_id])
        accept_window = cursor.fetchone()[0]
        cursor.execute(_LATENCY_SQL, [after_id, upto_id])
        messages, quantiles, worst, span = cursor.fetchone()
        cursor.execute("SELECT left(r, 80), count(*) FROM ingestion_inboundevent, "
                       "jsonb_array_elements_text(coalesce(result->'ignored', '[]'::jsonb)) r "
                       "WHERE id > %s AND id <= %s GROUP BY 1 ORDER BY 2 DESC LIMIT 5", [after_id, upto_id])
        ignored = dict(cursor.fetchall())
        # the pipeline writes each event's share of the route step (ingestion/step_cost.py)
        cursor.execute("SELECT sum((result->>'route_us')::float), sum((result->>'route_cpu_us')::float) "
                       "FROM ingestion_inboundevent WHERE id > %s AND id <= %s", [after_id, upto_id])
        route_wall, route_cpu = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM ingestion_inboundevent WHERE id > %s AND id <= %s "
                       "AND result->'ignored' ? 'brand message outside any conversation'", [after_id, upto_id])
        echoes_dropped = cursor.fetchone()[0]
    quantiles = quantiles or [None, None, None]
    ms = [round(q * 1000, 1) if q is not None else None for q in quantiles]
    return {
        "events": sum(statuses.values()), "event_statuses": statuses, "messages": messages,
        "ignored_reasons": ignored, "echoes_dropped": echoes_dropped,
        "receipt_to_visible_ms": {"p50": ms[0], "p95": ms[1], "p99": ms[2],
                                  "max": round(worst * 1000, 1) if worst is not None else None},
        "first_receipt_to_last_visible_s": round(float(span), 3) if span else None,
        "processed_messages_per_s": round(messages / float(span), 1) if span else None,
        "stored_events_per_s": round(sum(statuses.values()) / float(accept_window), 1) if accept_window else None,
        "route_step_us_per_message": {  # priority, SLA timers, labels: Router() + route() + flush()
            "wall": round(route_wall / messages, 1) if messages and route_wall else None,
            "cpu": round(route_cpu / messages, 1) if messages and route_cpu else None},
    }


def run_phase(name: str, t: Traffic, settings: Settings, sizes: Sizes, stack, *, rate: float,
              use_wrk: bool) -> dict:
    before = last_event_id()
    groups = stack.memory_groups()
    cpu = procs.CpuAccount(groups)
    with procs.MemorySampler(groups) as memory:
        if use_wrk:
            http = loadgen.wrk_load(t.path, settings.base_url, connections=sizes.load_connections,
                                    max_seconds=max(60, t.count / 200))
        else:
            http = python_load(t, settings, rate=rate, connections=sizes.load_connections if not rate
                               else max(16, int(rate / 20)), max_seconds=max(60, t.count / 50))
        drained = wait_drained(before, sizes.drain_timeout)
    upto = last_event_id()
    stats = phase_stats(before, upto)
    stats.update(http=http, drained=drained, webhooks_sent=t.count, replies_sent_early=t.close_replies,
                 memory_peak_mb=memory.peaks.total_mb, largest_process_peak_mb=memory.peaks.largest_process_mb,
                 cpu=cpu.finish())
    log(f"ingest {name}: {http.get('ok')} accepted at {http.get('ok_per_s')}/s, "
        f"{stats['messages']} messages, {stats['processed_messages_per_s']} msg/s, "
        f"p99 {stats['receipt_to_visible_ms']['p99']} ms, drained={drained}")
    return stats


def run(settings: Settings, sizes: Sizes, stack, channels: list[TwitterChannel], shape) -> dict:
    use_wrk = loadgen.wrk_available()
    warm = write_traffic("warmup", shape, channels, sizes.warmup_webhooks, 200, seed=1)
    paced = write_traffic("paced", shape, channels, int(sizes.paced_rate * sizes.paced_seconds),
                          sizes.paced_rate, seed=2)
    burst = write_traffic("max", shape, channels, sizes.max_webhooks, 0, seed=3)
    log(f"traffic ready: {warm.count} + {paced.count} + {burst.count} signed webhooks "
        f"({'wrk' if use_wrk else 'python'} load generator for max load)")
    before = last_event_id()
    python_load(warm, settings, rate=0, connections=8, max_seconds=60)
    wait_drained(before, sizes.drain_timeout)
    result = {"traffic": shape.summary() | {"brand_channels": len(channels)},
              "paced": run_phase("paced", paced, settings, sizes, stack, rate=sizes.paced_rate, use_wrk=False),
              "max": run_phase("max", burst, settings, sizes, stack, rate=0, use_wrk=use_wrk)}
    result["accepted_webhooks_per_s"] = result["max"]["http"].get("ok_per_s")
    result["processed_messages_per_s"] = result["max"]["processed_messages_per_s"]
    return result


def run_paced_only(name: str, settings: Settings, sizes: Sizes, stack, channels, shape, seconds: float,
                   seed: int) -> dict:
    """The fixed 500 msg/s load again (used on the fully loaded desk)."""
    t = write_traffic(name, shape, channels, int(sizes.paced_rate * seconds), sizes.paced_rate, seed=seed)
    return run_phase(name, t, settings, sizes, stack, rate=sizes.paced_rate, use_wrk=False)
