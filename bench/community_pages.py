"""Community page timings at the server on a large forum (PostgreSQL only; not part of the suite).

    .venv/bin/python -m bench.community_pages                       # 100,000 topics, 1,000,000 posts
    .venv/bin/python -m bench.community_pages --topics 20000 --posts 200000 --requests 1000

Creates a database (`heedful_bench_community`, or BENCH_COMMUNITY_DB), migrates it, loads the
forum with COPY (ten posts a topic on average, Markdown bodies already rendered, as the actions
store them), ANALYZEs, then renders topic pages, category pages and `suggest_topics` in-process
through Django's full stack (middleware, view, selectors, template) for random topics, timing
each request at the server. Prints one JSON document with p50/p95/p99 in milliseconds, and drops
the database unless --keep-db. BENCH_POSTGRES=postgres://user@host:port names the server.
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

WORDS = ["card", "refund", "roaming", "data", "plan", "bill", "charge", "account", "sim", "number", "phone", "pin", "app", "update", "network", "signal", "contract", "upgrade", "travel", "abroad", "payment", "direct", "debit", "password", "login", "broadband", "router", "wifi", "speed", "outage", "engineer", "delivery", "order", "tracking", "parcel"]


def _admin_dsn(base: str) -> str:
    return base.rstrip("/") + "/postgres"


def create_database(base: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_admin_dsn(base), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(base: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_admin_dsn(base), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def load(topics: int, posts: int, seed: int = 7) -> dict:
    """COPY the forum in; returns load timings."""
    from django.db import connection

    from heedful.community.markdown import render

    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    t0 = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO community_category (slug, name, description, support, escalate_after_minutes,"
                       " position, created_at) VALUES ('general', 'General', '', false, 60, 0, now()),"
                       " ('help', 'Help', '', true, 60, 1, now())")
        cursor.execute("SELECT id FROM community_category ORDER BY id")
        categories = [row[0] for row in cursor.fetchall()]
        per_topic = [1] * topics
        for _ in range(max(0, posts - topics)):
            per_topic[rng.randrange(topics)] += 1
        # A few rendered bodies, reused: rendering a million posts would time Markdown, not pages.
        bodies = []
        for _ in range(200):
            text = f"{sentence(rng, 40)}\n\n* {sentence(rng, 8)}\n* {sentence(rng, 8)}\n\n**{sentence(rng, 4)}**"
            bodies.append((text, render(text, nofollow=True)))
        raw = cursor.cursor
        with raw.copy("COPY community_topic (id, category_id, title, slug, created_at, last_posted_at, visible,"
                      " closed, highest_number, replies_count, views, answered_by_staff, search_text)"
                      " FROM STDIN") as copy:
            for i in range(topics):
                title = sentence(rng, 7).capitalize()
                at = start + timedelta(minutes=i)
                copy.write_row((i + 1, categories[i % 2], title, title.lower().replace(" ", "-")[:80], at,
                                at + timedelta(minutes=per_topic[i]), True, False, per_topic[i],
                                per_topic[i] - 1, 0, False, f"{title}\n{bodies[i % 200][0][:300]}"))
        t1 = time.monotonic()
        with raw.copy("COPY community_post (topic_id, number, author_name, staff, body, body_html, status,"
                      " review_reason, hidden_reason, flag_score, votes_count, created_at) FROM STDIN") as copy:
            for i in range(topics):
                at = start + timedelta(minutes=i)
                for number in range(1, per_topic[i] + 1):
                    body, html = bodies[(i + number) % 200]
                    copy.write_row((i + 1, number, f"member{(i * 7 + number) % 5000}", False, body, html,
                                    "visible", "", "", 0, 0, at + timedelta(minutes=number)))
        cursor.execute("SELECT setval(pg_get_serial_sequence('community_topic', 'id'), %s)", [topics])
        # One topic in ten is solved by its first reply, so suggestions have something to find.
        cursor.execute("UPDATE community_topic t SET accepted_post_id = p.id, solved_at = p.created_at"
                       " FROM community_post p WHERE p.topic_id = t.id AND p.number = 2 AND t.id % 10 = 0")
        # The stored tsvector, as `community.actions.refresh_search_vector` writes it.
        cursor.execute("UPDATE community_topic SET search_vector = setweight(to_tsvector('english', title), 'A')"
                       " || setweight(to_tsvector('english', search_text), 'B')")
        t2 = time.monotonic()
        cursor.execute("ANALYZE community_topic")
        cursor.execute("ANALYZE community_post")
    return {"topics": topics, "posts": posts, "copy_topics_s": round(t1 - t0, 1),
            "copy_posts_and_vectors_s": round(t2 - t1, 1), "analyze_s": round(time.monotonic() - t2, 1)}


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)

    def at(q):
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {"n": len(ordered), "p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 2)}


def measure(topics: int, requests: int, seed: int = 11) -> dict:
    from django.test import Client

    from heedful.community.models import Topic
    from heedful.community.search import suggest_topics

    rng = random.Random(seed)
    client = Client()
    slugs = dict(Topic.objects.filter(pk__in=[rng.randint(1, topics) for _ in range(requests)])
                 .values_list("pk", "slug"))
    ids = list(slugs)
    for pk in ids[:50]:  # warm-up: connections, template cache
        client.get(f"/community/t/{pk}/{slugs[pk]}/")
    results = {}
    samples = []
    for _ in range(requests):
        pk = rng.choice(ids)
        t0 = time.perf_counter()
        response = client.get(f"/community/t/{pk}/{slugs[pk]}/")
        samples.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.status_code
    results["topic_page"] = percentiles(samples)
    samples = []
    for _ in range(max(100, requests // 5)):
        t0 = time.perf_counter()
        response = client.get("/community/c/general/")
        samples.append(time.perf_counter() - t0)
        assert response.status_code == 200
    results["category_page"] = percentiles(samples)
    samples = []
    for _ in range(max(100, requests // 5)):
        query = sentence(rng, 6)
        t0 = time.perf_counter()
        suggest_topics(query, 5)
        samples.append(time.perf_counter() - t0)
    results["suggest_topics"] = percentiles(samples)
    samples = []
    for _ in range(max(100, requests // 5)):
        query = sentence(rng, 3)
        t0 = time.perf_counter()
        response = client.get("/community/search/", {"q": query})
        samples.append(time.perf_counter() - t0)
        assert response.status_code == 200
    results["search_page"] = percentiles(samples)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topics", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    base = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    name = os.environ.get("BENCH_COMMUNITY_DB", "heedful_bench_community")
    create_database(base, name)
    os.environ["DATABASE_URL"] = f"{base.rstrip('/')}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heedful.config.settings")
    os.environ.setdefault("HEEDFUL_JOBS", "inline")
    os.environ.setdefault("HEEDFUL_LOG_LEVEL", "WARNING")
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", interactive=False, verbosity=0)
        loaded = load(args.topics, args.posts)
        print(f"loaded {args.topics} topics, {args.posts} posts", file=sys.stderr)
        timings = measure(args.topics, args.requests)
        from django.db import connections

        connections.close_all()
    finally:
        if not args.keep_db:
            drop_database(base, name)
    print(json.dumps({"bench": "community_pages", "load": loaded, "timings": timings,
                      "target": "topic_page p95 < 50 ms"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
