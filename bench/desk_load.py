"""Load the desk: plan, drop secondary indexes, COPY everything, rebuild, VACUUM ANALYZE."""

from __future__ import annotations

import random
import threading
import time

import psycopg

from bench import traffic
from bench.config import Settings, Sizes
from bench.desk_gen import (
    HEAVY_CONTACTS,
    LOADED_TABLES,
    Meta,
    Pools,
    ensure_channels,
    lengths,
    make_plan,
    search_words,
    secondary_indexes,
)
from bench.desk_rows import Context, Identities, Ids, write_labels, write_people, write_threads
from bench.procs import log

LOAD_SESSION = ("SET session_replication_role = replica",  # no FK triggers while loading
                "SET statement_timeout = 0",
                "SET synchronous_commit = off", "SET maintenance_work_mem = '1GB'",
                "SET max_parallel_maintenance_workers = 2")


def _connect(settings: Settings) -> psycopg.Connection:
    conn = psycopg.connect(settings.database_url)
    for statement in LOAD_SESSION:
        conn.execute(statement)
    return conn


def _next_ids(conn) -> Ids:
    def nxt(table):
        return conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]

    return Ids(nxt("contacts_contact"), nxt("contacts_identity"), nxt("conversations_conversation"),
               nxt("conversations_message"))


def _labels() -> list[int]:
    from heedful.conversations.models import Label

    return [Label.objects.get_or_create(name=n)[0].pk for n in
            ("refund", "outage", "delivery", "billing", "login", "vip", "complaint", "bug", "feedback", "churn-risk")]


def _rebuild(settings: Settings, indexes: list[tuple[str, str]]) -> float:
    """Rebuild dropped indexes on two connections (GIN builds are single-threaded)."""
    started = time.monotonic()
    slow = [d for _, d in indexes if " gin " in d.lower() or "gin (" in d.lower()]
    rest = [d for _, d in indexes if d not in slow]
    errors: list[str] = []

    def build(definitions):
        with _connect(settings) as conn:
            for definition in definitions:
                try:
                    conn.execute(definition)
                    conn.commit()
                except psycopg.Error as exc:
                    errors.append(f"{definition[:80]}: {exc}")
                    conn.rollback()

    workers = [threading.Thread(target=build, args=(group,)) for group in (slow, rest) if group]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise RuntimeError("index rebuild failed: " + "; ".join(errors))
    return time.monotonic() - started


def load(settings: Settings, sizes: Sizes, people) -> tuple[dict, Meta]:
    rng = random.Random(42)
    shape = traffic.load_shape()
    pools = Pools.from_shape(shape)
    meta = Meta()
    meta.common_word, meta.rare_word = search_words(pools)
    channels = ensure_channels(people)
    meta.channels = {p: ids[0][0] for p, ids in channels.items()}
    label_ids = _labels()
    meta.label_ids = label_ids
    from django.db import connections

    connections.close_all()
    plan = make_plan(sizes, shape, rng)
    sizes_per_thread = lengths(shape, sizes, rng)
    timings: dict[str, float] = {}
    conn, conn2 = _connect(settings), _connect(settings)
    try:  # closed, not rolled back, on failure: a connection left inside COPY cannot roll back
        ids = _next_ids(conn)
        identities = Identities(plan, ids)
        dropped = [ix for table in LOADED_TABLES for ix in secondary_indexes(conn, table)]
        for name, _ in dropped:
            conn.execute(f'DROP INDEX IF EXISTS "{name}"')
        conn.commit()
        started = time.monotonic()
        people_rows = write_people(conn, conn2, plan, ids, identities, rng)
        ctx = Context(plan, ids, identities, pools, channels, people.agent_ids, sizes_per_thread,
                      sizes.desk_big_threads, meta)
        conversation_rows, message_rows = write_threads(conn, conn2, ctx, rng)
        label_rows = write_labels(conn, ctx, label_ids, rng)
        conn.commit()
        conn2.commit()
    finally:
        conn.close()
        conn2.close()
    timings["copy_s"] = round(time.monotonic() - started, 1)
    log(f"desk: copied {message_rows} messages, {conversation_rows} conversations, "
        f"{people_rows} contacts+identities in {timings['copy_s']} s")
    timings["index_rebuild_s"] = round(_rebuild(settings, dropped), 1)
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("SET statement_timeout = 0")
        for table in LOADED_TABLES:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT coalesce(max(id), 1) FROM {table}))")
        started = time.monotonic()
        conn.execute(f"VACUUM (ANALYZE) {', '.join(LOADED_TABLES)}")
        timings["vacuum_analyze_s"] = round(time.monotonic() - started, 1)
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    meta.heavy_contacts = [ids.contact + c for c in plan.heavy]
    meta.sample_contacts = [ids.contact + plan.conv_contact[i] for i in range(0, len(plan.conv_contact), 9973)][:50]
    log(f"desk: indexes rebuilt in {timings['index_rebuild_s']} s, vacuum analyze {timings['vacuum_analyze_s']} s")
    summary = {"conversations": conversation_rows, "messages": message_rows, "contacts": len(plan.contact_primary),
               "identities": identities.count, "labelled": label_rows, "big_threads": sizes.desk_big_threads,
               "big_thread_messages": sizes.desk_big_thread_size, "database_size": size,
               "rebuilt_indexes": [n for n, _ in dropped], "text_source": shape.source, **timings}
    return summary, meta


def loaded_meta(settings: Settings, sizes: Sizes) -> Meta | None:
    """The Meta of a desk a previous run left (`--reuse-db`), or None when there is none."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM conversations_message WHERE provider_message_id LIKE %s", ["bench-%"])
        if cursor.fetchone()[0] < sizes.desk_messages * 0.99:
            return None
        meta = Meta()
        meta.common_word, meta.rare_word = search_words(Pools.from_shape(traffic.load_shape()))
        cursor.execute("SELECT id FROM conversations_conversation WHERE messages_count = %s ORDER BY id",
                       [sizes.desk_big_thread_size])
        meta.big_conversations = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT id FROM conversations_conversation WHERE id %% 997 = 3 ORDER BY id LIMIT %s", [200])
        meta.sample_conversations = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT contact_id FROM conversations_conversation GROUP BY contact_id "
                       "ORDER BY count(*) DESC LIMIT %s", [HEAVY_CONTACTS])
        meta.heavy_contacts = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT contact_id FROM conversations_conversation WHERE id %% 9973 = 1 LIMIT %s", [50])
        meta.sample_contacts = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT provider, min(id) FROM channels_channel GROUP BY provider")
        meta.channels = dict(cursor.fetchall())
        cursor.execute("SELECT id FROM conversations_label ORDER BY id")
        meta.label_ids = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT substring(text from 'ORD[0-9]{9}') FROM conversations_message "
                       "WHERE text LIKE %s LIMIT 1", ["% order ORD%"])
        meta.needle = cursor.fetchone()[0]
    return meta
