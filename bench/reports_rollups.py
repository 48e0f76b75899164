"""Reports over a million conversations, read from the rollups; and the rollup rebuild.

    .venv/bin/python -m bench.reports_rollups [--conversations 1000000] [--runs 20]
        [--database-url postgres://postgres@127.0.0.1:5432/heedful_bench_reports] [--skip-load]

Loads the reporting events of N conversations (as history: already folded) spread over a year (six channels, ten teams, fifty
agents, labels on a fifth) with PostgreSQL COPY into a database of its own, rebuilds the rollups
with `heedful rebuild-rollups` (timed, with its progress bar), then times every report over the
default 30 days and over the whole year: p50 and p95 of `--runs` calls, each including the
rollup query, the row shaping and the JSON encoding. Writes bench/out/reports-rollups.json.
Not part of the test suite: it takes minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/heedful_bench_reports"
PROVIDERS = [("twitter", 0.45), ("email", 0.25), ("facebook", 0.10), ("whatsapp", 0.10), ("instagram", 0.05),
             ("api", 0.05)]
LABELS = ["refund", "delivery", "login", "billing", "outage", "returns", "account", "app"]
WHYS = ["fastest", "other_channel_no_answer", "tried_before_not_resolved", "prefer_writing", "public_visibility",
        "usual_channel", "other"]
COLUMNS = ("kind", "ref", "at", "conversation_id", "contact_id", "channel_id", "provider", "team_id", "agent_id",
           "labels", "value", "value2", "value3", "value4", "detail", "folded")


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heedful.config.settings")
    os.environ.setdefault("HEEDFUL_JOBS", "inline")
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _n(v) -> str:
    return "\\N" if v is None else str(v)


class Gen:
    """Reporting events of one synthetic desk, written as COPY text lines."""

    def __init__(self, conversations: int, seed: int = 7):
        self.rng = random.Random(seed)
        self.n = conversations
        self.start = datetime.now(UTC) - timedelta(days=365)
        self.providers = [p for p, _ in PROVIDERS]
        self.weights = [w for _, w in PROVIDERS]
        self.events = 0
        self.bypasses: list[str] = []

    def line(self, kind, ref, at, conv, contact, channel, provider, team, agent, labels="", value=None,
             value2=None, value3=None, value4=None, detail="") -> str:
        self.events += 1
        return (f"{kind}\t{ref}\t{at.isoformat()}\t{conv}\t{contact}\t{channel}\t{provider}\t{team}\t{agent}\t"
                f"{labels}\t{_n(value)}\t{_n(value2)}\t{_n(value3)}\t{_n(value4)}\t{detail}\tt\n")

    def conversation(self, i: int) -> list[str]:
        r = self.rng
        cid = i + 1
        pi = r.choices(range(len(self.providers)), self.weights)[0]
        provider, channel = self.providers[pi], pi + 1
        agent = r.randrange(1, 51) if r.random() < 0.8 else 0  # an agent works in one team
        team = agent % 10 + 1 if agent else r.randrange(1, 11)
        contact = r.randrange(1, int(self.n * 0.6) + 1)
        labels = r.choice(LABELS) if r.random() < 0.2 else ""
        at = self.start + timedelta(seconds=r.random() * 365 * 86400)
        dims = (cid, contact, channel, provider, team, agent, labels)
        gap = r.choice([None, None, None, 3600 * r.random() * 24 * 40])
        out = [self.line("opened", cid, at, *dims, value=gap, detail="failure" if r.random() < 0.12 else "value")]
        t = at
        for k in range(r.randrange(1, 4)):
            t += timedelta(minutes=r.random() * 90)
            out.append(self.line("message_in", cid * 8 + k, t, *dims))
        first = None
        for k in range(r.randrange(0, 3)):
            t += timedelta(minutes=r.random() * 240)
            out.append(self.line("message_out", cid * 8 + 4 + k, t, *dims))
            first = first or t
        if first is not None:
            out.append(self.line("first_response", cid, first, *dims, value=(first - at).total_seconds()))
        if r.random() < 0.7:
            done = t + timedelta(hours=r.random() * 30)
            out.append(self.line("resolved", cid, done, *dims, value=r.randrange(0, 4), value2=r.randrange(1, 4),
                                 value3=round(r.uniform(-1, 0.3), 3), value4=round(r.uniform(-0.5, 1), 3)))
            if r.random() < 0.18:
                out.append(self.line("recontact", cid, done, *dims))
            if r.random() < 0.06:
                out.append(self.line("reopened", cid, done + timedelta(days=1), *dims))
            if r.random() < 0.1:
                out.append(self.line("survey_answered", cid, done + timedelta(hours=2), *dims,
                                     value=r.randrange(1, 6), detail=r.choice(WHYS)))
        if r.random() < 0.03:
            source = self.providers[(pi + 1 + r.randrange(len(self.providers) - 1)) % len(self.providers)]
            out.append(self.line("bypass", cid, at, *dims, detail=source))
            self.bypasses.append(f"{cid}\t{max(1, cid - 1)}\t{source}\t{provider}\t{contact}\t{team}\t{channel}\t"
                                 f"{at.isoformat()}\n")
        return out


def load(conversations: int) -> dict:
    from django.db import connection

    from heedful.analytics.models import Bypass, ReportingEvent, ResponseTimeRollup, Rollup

    tables = [m._meta.db_table for m in (ReportingEvent, Rollup, ResponseTimeRollup, Bypass)]
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(tables))
    gen = Gen(conversations)
    connection.ensure_connection()  # autocommit: each COPY commits on its own
    with connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY {tables[0]} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            chunk: list[str] = []
            for i in range(conversations):
                chunk.extend(gen.conversation(i))
                if len(chunk) > 20000:
                    copy.write("".join(chunk))
                    chunk = []
                if (i + 1) % 100000 == 0:
                    _bar("load", i + 1, conversations, started)
            copy.write("".join(chunk))
        with cursor.copy(f"COPY {tables[3]} (conversation_id, from_conversation_id, from_channel, to_channel, "
                         "contact_id, team_id, channel_id, at) FROM STDIN") as copy:
            copy.write("".join(gen.bypasses))
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {tables[0]}")
        cursor.execute(f"VACUUM ANALYZE {tables[3]}")
    sys.stderr.write("\n")
    return {"conversations": conversations, "events": gen.events, "bypasses": len(gen.bypasses),
            "load_seconds": round(time.monotonic() - started, 1)}


def _bar(what: str, done: int, total: int, started: float) -> None:
    share = done / total if total else 1.0
    sys.stderr.write(f"\r{what} [{'#' * int(share * 30)}{'.' * (30 - int(share * 30))}] {done:,}/{total:,} "
                     f"{time.monotonic() - started:.0f} s")
    sys.stderr.flush()


def rebuild() -> dict:
    from django.core.management import call_command
    from django.db import connection

    from heedful.analytics.models import ResponseTimeRollup, Rollup

    started = time.monotonic()
    call_command("rebuild_rollups")
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Rollup._meta.db_table}")
        cursor.execute(f"ANALYZE {ResponseTimeRollup._meta.db_table}")
    return {"rebuild_seconds": round(seconds, 1), "rollup_rows": Rollup.objects.count(),
            "histogram_rows": ResponseTimeRollup.objects.count()}


def measure(runs: int) -> list[dict]:
    from heedful.analytics import query
    from heedful.analytics.reports import REPORTS

    rows = []
    for days in (30, 365):
        f = query.filters(days=days)
        for name in REPORTS:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                json.dumps(query.run(name, f))
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            rows.append({"report": name, "days": days, "p50_ms": round(times[len(times) // 2], 1),
                         "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
                         "rows": len(query.run(name, f)["rows"])})
            print(f"  {name:16} {days:>3} days  p50 {rows[-1]['p50_ms']:7.1f} ms  p95 {rows[-1]['p95_ms']:7.1f} ms"
                  f"  ({rows[-1]['rows']} rows)")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_REPORTS_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--skip-load", action="store_true", help="reuse the events already loaded")
    parser.add_argument("--skip-rebuild", action="store_true", help="reuse the rollups already built")
    args = parser.parse_args()
    setup(args.database_url)
    result: dict = {"started": datetime.now(UTC).isoformat()}
    if not args.skip_load:
        result["load"] = load(args.conversations)
        print(f"Loaded {result['load']['events']:,} events of {args.conversations:,} conversations "
              f"in {result['load']['load_seconds']} s")
    if args.skip_rebuild:
        result["reports"] = measure(args.runs)
        print(json.dumps(result["reports"]))
        return
    result["rebuild"] = rebuild()
    print(f"Rebuilt rollups in {result['rebuild']['rebuild_seconds']} s "
          f"({result['rebuild']['rollup_rows']:,} rollup rows, {result['rebuild']['histogram_rows']:,} histogram rows)")
    result["reports"] = measure(args.runs)
    worst = max(r["p95_ms"] for r in result["reports"] if r["days"] == 30)
    print(f"Worst p95 over 30 days: {worst} ms (target < 200 ms)")
    OUT.mkdir(exist_ok=True)
    (OUT / "reports-rollups.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
