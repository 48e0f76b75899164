"""What routing costs: the pipeline's route step per message, and the SLA sweep over 10,000
open conversations. Not part of the test suite; run on an idle machine:

    .venv/bin/python -m bench.routing_cost                  # 2,000 messages, 10,000 conversations
    .venv/bin/python -m bench.routing_cost --messages 5000 --conversations 20000

It creates (and afterwards drops) the database `heedful_routing_bench` on BENCH_POSTGRES
(default postgres://postgres@127.0.0.1:5432), migrates it, and:

1. feeds TWCS-shaped public tweets (followers, engagement, angry and calm text, one customer
   in five a repeat contact, SLA policies with business hours and 20 topic label rules in force) through the real
   pipeline in micro-batches of 200, as the ingest worker does, timing the route step
   (`Router.__init__` reads, `route()` per message, `flush()` writes) apart from the rest;
2. loads 10,000 open conversations with SLA timers (bulk rows) and times
   `routing.sweep.sla_sweep()`: a burst sweep where 30% of them (`--changing`) cross into near
   breach or breach at once (each raising the score, an alert and the priority band), then a
   steady one; three times over the same starting state, with the writes done as before the
   bulk path (`PerRowWrites`: a save per raised band ...) and in bulk, side by side.

Prints one JSON document. The target: under 1 ms of routing per message at 1,000 messages/s,
and a 10,000-conversation sweep under 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import psycopg

DB = "heedful_routing_bench"


def _setup_django(server: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}"')
        conn.execute(f'CREATE DATABASE "{DB}"')
    os.environ["DATABASE_URL"] = f"{server}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heedful.config.settings")
    os.environ["HEEDFUL_JOBS"] = "inline"
    os.environ.pop("REDIS_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


class Timer:
    """Wall time and this thread's CPU time spent in a function (the CPU figure holds when
    other processes share the cores; the wall figure is what a message waits)."""

    def __init__(self):
        self.seconds = self.cpu = 0.0

    def wrap(self, fn):
        def timed(*args, **kwargs):
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.cpu += time.thread_time() - cpu
        return timed


TEXTS = ["@brand this is the worst service ever, I am furious", "@brand my order arrived, thanks a lot!",
         "@brand still waiting for my refund, nobody answers", "@brand how do I change my address?",
         "@brand app crashes every time I open it, useless", "@brand great support today, cheers"]


TOPICS = ["refund,money back,chargeback", "crash,crashes,freezes", "address,delivery address", "order,parcel,tracking",
          "password,log in,login", "invoice,receipt", "cancel,cancellation", "outage,down,not loading",
          "worst,furious,useless", "thanks,cheers,great support"] * 2  # 20 rules, 50 keywords


def route_step(messages: int, batch: int = 200) -> dict:
    from django.db import transaction

    from heedful.channels.base import Handle, InboundMessage, ParsedEvent
    from heedful.channels.models import Channel
    from heedful.ingestion import pipeline
    from heedful.ingestion.models import InboundEvent
    from heedful.routing import triage
    from heedful.routing.models import BusinessHours, LabelRule, SlaPolicy

    hours = BusinessHours.objects.create(name="Office", timezone="Europe/London", holidays=["2026-12-25"],
                                         periods=[{"weekday": d, "start": s, "end": e} for d in range(5)
                                                  for s, e in (("08:00", "12:30"), ("13:30", "18:00"))])
    SlaPolicy.objects.create(name="Public", first_response_minutes=60, next_response_minutes=30,
                             resolution_minutes=480, business_hours=hours)
    SlaPolicy.objects.create(name="Urgent", priority=3, first_response_minutes=15, business_hours=hours)
    channel = Channel.objects.create(provider="twitter", name="@bench", credentials={}, settings={})
    for i, words in enumerate(TOPICS):  # topic label rules, as an admin would keep them
        LabelRule.objects.create(label=f"topic-{i}", keywords=words.split(","), channel=channel if i % 4 == 0 else None)
    rng = random.Random(7)
    start = datetime.now(UTC) - timedelta(hours=2)
    timers = {"init": Timer(), "route": Timer(), "flush": Timer()}
    originals = (triage.Router.__init__, triage.Router.route, triage.Router.flush)
    triage.Router.__init__ = timers["init"].wrap(originals[0])
    triage.Router.route = timers["route"].wrap(originals[1])
    triage.Router.flush = timers["flush"].wrap(originals[2])
    total = 0.0
    try:
        for first in range(0, messages, batch):
            msgs = []
            for n in range(first, min(messages, first + batch)):
                user = rng.randrange(messages // 5) if rng.random() < 0.2 else 100_000 + n  # repeat customers
                msgs.append(InboundMessage(
                    provider_message_id=f"t-{n}", text=rng.choice(TEXTS), public=True,
                    sender=Handle(kind="twitter", handle=str(user), username=f"user{user}",
                                  followers_count=rng.choice([12, 800, 2_500, 14_000, 250_000])),
                    sent_at=start + timedelta(seconds=n), engagement={"retweets": rng.randrange(60),
                                                                       "likes": rng.randrange(200)}))
            event = InboundEvent.objects.create(channel=channel, provider="twitter", event_key=f"b-{first}", raw=b"{}")
            event = InboundEvent.objects.select_related("channel").get(pk=event.pk)
            started = time.perf_counter()
            with transaction.atomic():
                pipeline.apply([event], {event.pk: ParsedEvent(messages=msgs)})
            total += time.perf_counter() - started
    finally:
        triage.Router.__init__, triage.Router.route, triage.Router.flush = originals
    routing = sum(t.seconds for t in timers.values())
    cpu = sum(t.cpu for t in timers.values())
    return {"messages": messages, "batch": batch,
            "routing_us_per_message": round(routing / messages * 1e6, 1),
            "routing_cpu_us_per_message": round(cpu / messages * 1e6, 1),
            "of_which_us": {k: round(t.seconds / messages * 1e6, 1) for k, t in timers.items()},
            "pipeline_us_per_message": round(total / messages * 1e6, 1),  # with after-commit listeners, inline
            "routing_share_of_pipeline": round(routing / total, 3),
            "routing_ms_per_second_at_1000_msg_s": round(routing / messages * 1000 * 1000, 1)}


class PerRowWrites:
    """The sweep's writes as they were before the bulk path, kept here to measure both in the
    same run: one save and one event per raised band, model instances through `update_rows`
    (a parameter per value), alerts read back by key before `bulk_create`."""

    @staticmethod
    def raise_bands(raise_to: dict) -> None:
        from heedful.conversations import actions as conversation_actions
        from heedful.conversations.models import Conversation

        for conversation in Conversation.objects.filter(pk__in=list(raise_to)).order_by("pk"):
            if raise_to[conversation.pk] > conversation.priority:
                conversation_actions.set_priority(None, conversation, raise_to[conversation.pk])

    @staticmethod
    def update_values(model, rows, fields) -> None:
        from heedful.core.bulk_update import update_rows

        update_rows([model(**row) for row in rows], fields)

    @staticmethod
    def insert_new_alerts(alerts):
        from heedful.routing.models import Alert

        known = set(Alert.objects.filter(key__in=[a.key for a in alerts]).values_list("key", flat=True))
        fresh = [a for a in alerts if a.key not in known]
        Alert.objects.bulk_create(fresh, ignore_conflicts=True)
        return fresh


def _use_writes(writes) -> None:
    from heedful.routing import actions, sweep

    sweep.raise_bands, sweep.update_values, actions._insert_new_alerts = (
        writes.raise_bands, writes.update_values, writes.insert_new_alerts)


def sla_sweep(conversations: int, changing: float = 0.3, repeats: int = 3) -> dict:
    """`changing` of the conversations cross into near breach or breach at the first sweep,
    and each of those crosses the high band; the rest stay on track. Each repeat reloads the
    same starting state, then times a burst sweep and a steady one, per-row and bulk in turn."""
    from django.db import connection, transaction

    from heedful.channels.models import Channel
    from heedful.contacts.models import Contact
    from heedful.conversations.models import Conversation
    from heedful.routing import sweep
    from heedful.routing.models import Alert, ConversationRouting, SlaPolicy

    policy = SlaPolicy.objects.create(name="Sweep", first_response_minutes=60, resolution_minutes=600)
    channel = Channel.objects.create(provider="email", name="sweep", credentials={}, settings={})
    at = datetime.now(UTC)
    share = round(changing * 100)  # conversations i with i % 100 < share cross at the first sweep
    with transaction.atomic():
        contacts = Contact.objects.bulk_create([Contact(name=f"c{i}") for i in range(conversations)], batch_size=2000)
        rows = Conversation.objects.bulk_create(
            [Conversation(channel=channel, contact=c, created_at=at, last_activity_at=at) for c in contacts],
            batch_size=2000)
        states = []
        for i, c in enumerate(rows):
            crossing = i % 100 < share  # one in ten of those is near breach, the rest breached
            minutes_left = ((5 if (i // 100) % 10 == 0 else -5) if crossing else 45)
            states.append(ConversationRouting(conversation=c, sla_policy=policy, base_score=2.5 if crossing else 1.0,
                                              score=1.0, first_response_due=at + timedelta(minutes=minutes_left),
                                              resolution_due=at + timedelta(minutes=600)))
        ConversationRouting.objects.bulk_create(states, batch_size=2000)

    def reset():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE routing_conversationrouting SET score = 1.0, sla_level = 0, "
                           "breached = '[]', near_breach = '[]', paused_at = NULL")
            cursor.execute("UPDATE conversations_conversation SET priority = 1")
            Alert.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE routing_conversationrouting, conversations_conversation")

    from heedful.routing import actions

    bulk = type("BulkWrites", (), {"raise_bands": staticmethod(sweep.raise_bands),
                                   "update_values": staticmethod(sweep.update_values),
                                   "insert_new_alerts": staticmethod(actions._insert_new_alerts)})
    variants = {"per_row": PerRowWrites, "bulk": bulk}
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    try:
        for repeat in range(repeats):
            for name in (list(variants) if repeat % 2 == 0 else list(variants)[::-1]):
                _use_writes(variants[name])
                reset()
                timed = {}
                for kind in ("burst", "steady"):
                    started, cpu = time.perf_counter(), time.thread_time()
                    result = sweep.sla_sweep(at=at)
                    timed[kind] = {"seconds": round(time.perf_counter() - started, 3),
                                   "cpu_seconds": round(time.thread_time() - cpu, 3), **result}
                runs[name].append(timed)
    finally:
        _use_writes(bulk)
    def median(rs, kind, key):
        return statistics.median(r[kind][key] for r in rs)

    # wall time includes PostgreSQL's share; the CPU figure is this process's alone
    summary = {name: {"burst_median_seconds": median(rs, "burst", "seconds"),
                      "burst_median_cpu_seconds": median(rs, "burst", "cpu_seconds"),
                      "steady_median_seconds": median(rs, "steady", "seconds"),
                      "runs": rs} for name, rs in runs.items()}
    return {"conversations": conversations, "changing_at_once": round(conversations * changing), **summary}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--changing", type=float, default=0.3,
                        help="share of the conversations whose SLA state and band change in one sweep")
    parser.add_argument("--only", choices=["route", "sweep"], help="one of the two measurements")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    _setup_django(server)
    try:
        results = {}
        if args.only in (None, "route"):
            results["route_step"] = route_step(args.messages)
        if args.only in (None, "sweep"):
            results["sla_sweep"] = sla_sweep(args.conversations, args.changing)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB}"')
    json.dump(results, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
