"""Suggestion quality of `GET /api/v1/knowledge/suggest` on BANKING77, and its latency.

Builds a help centre of one published article per intent from `../shared/data/intents/banking77/`
(relative to the repository): the title is the intent's name in words ("Card arrival"), the
body a short FAQ made of the intent's first PER_ARTICLE train questions. The test questions,
which no article contains, are what customers type. Reports hit@1 and hit@3 for the full-text
ranker alone and blended with the MiniLM embeddings (computed by the real background job), and
the p50/p95 of the suggest endpoint served in-process (Django's handler: the server side, no
network), over every test question, and of the article pages.

    .venv/bin/python -m bench.suggest_quality                 # all 77 intents
    .venv/bin/python -m bench.suggest_quality --intents 20    # the first 20, as the test runs it

Tuning (PER_ARTICLE, the blend weight) used the train split only: the articles' questions and
other train questions of the same intents as queries. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "intents" / "banking77"
PER_ARTICLE = 20


def load(path: Path) -> dict[str, list[str]]:
    by_intent: dict[str, list[str]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_intent[row["category"]].append(row["text"].strip())
    return dict(by_intent)


def title_of(intent: str) -> str:
    return intent.replace("_", " ").replace("?", "").strip().capitalize()


def body_of(intent: str, questions: list[str]) -> str:
    lines = [f"This article answers questions about {title_of(intent).lower()}.", "",
             "Customers often ask:", ""]
    return "\n".join(lines + [f"- {q}" for q in questions])


def build(train: dict[str, list[str]], intents: list[str], per_article: int = PER_ARTICLE) -> dict[int, str]:
    """One published article per intent, through the real actions; returns article id -> intent."""
    from django.db import transaction

    from heedful.knowledge import actions

    ids = {}
    for intent in intents:
        with transaction.atomic():
            article = actions.create_article(None, title=title_of(intent), body=body_of(intent, train[intent][:per_article]),
                                             category="Banking", publish=True)
        ids[article.pk] = intent
    return ids


def hits(queries: list[tuple[str, str]], ids: dict[int, str], semantic: bool) -> dict:
    from heedful.knowledge import search

    at1 = at3 = 0
    for text, intent in queries:
        found = [ids.get(r["id"]) for r in search.suggest_articles(text, 3, semantic=semantic)]
        at1 += found[:1] == [intent]
        at3 += intent in found
    n = max(len(queries), 1)
    return {"hit@1": round(at1 / n, 4), "hit@3": round(at3 / n, 4)}


def latency(queries: list[tuple[str, str]]) -> dict:
    from django.test import Client

    client, times = Client(), []
    for text, _ in queries:
        start = time.perf_counter()
        response = client.get("/api/v1/knowledge/suggest", {"q": text, "limit": 5})
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content
    times.sort()
    return {"requests": len(times), "p50_ms": round(times[len(times) // 2], 2),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 2), "max_ms": round(times[-1], 2)}


def page_latency(ids: dict[int, str], rounds: int = 3) -> dict:
    """The public article pages (Markdown rendered, related articles ranked, the view counted)."""
    from django.test import Client

    from heedful.knowledge.models import Article

    client, times = Client(), []
    urls = [a.url for a in Article.objects.filter(pk__in=list(ids))]
    for _ in range(rounds):
        for url in urls:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, url
    times.sort()
    return {"requests": len(times), "p50_ms": round(times[len(times) // 2], 2),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 2)}


def measure(n_intents: int | None = None, per_article: int = PER_ARTICLE, with_latency: bool = True) -> dict:
    """Run inside a configured Django with an empty, migrated database and inline jobs."""
    from heedful.knowledge import search

    train, test = load(DATA / "train.csv"), load(DATA / "test.csv")
    intents = sorted(train)[:n_intents] if n_intents else sorted(train)
    start = time.perf_counter()
    ids = build(train, intents, per_article)
    build_s = time.perf_counter() - start
    queries = [(q, intent) for intent in intents for q in test[intent]]
    search.current()  # the first request after a publish rebuilds the index: not a query cost
    out = {"intents": len(intents), "questions": len(queries), "per_article": per_article,
           "semantic_available": search.semantic_enabled(), "build_seconds": round(build_s, 1),
           "full_text": hits(queries, ids, semantic=False)}
    if search.semantic_enabled():
        out["blended"] = hits(queries, ids, semantic=True)
    if with_latency:
        search._query_vector.cache_clear()  # the hit runs above encoded these very questions
        out["suggest_latency"] = latency(queries)
        out["article_page_latency"] = page_latency(ids)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--intents", type=int, default=None, help="only the first N intents (sorted)")
    parser.add_argument("--per-article", type=int, default=PER_ARTICLE)
    args = parser.parse_args(argv)
    if not DATA.exists():
        print(f"BANKING77 not found at {DATA}", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heedful.config.settings_test")
    os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        print(json.dumps(measure(args.intents, args.per_article), indent=2))
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
