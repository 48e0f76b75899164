"""Search and suggestions over the published articles, from an in-memory index per process.

The index (knowledge.ranking) is rebuilt when the knowledge base changed: every read compares a
stamp (how many published articles, the latest `indexed_at`) with the one the index was built
from, one indexed aggregate query, so a publish in another process or worker is seen on the next
request; in the publishing process the action also drops the index after commit. Embeddings
are read with the revisions; an article whose embedding is not computed yet ranks by text.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.db.models import Count, Max

from heedful.knowledge import embeddings, encoder, ranking
from heedful.knowledge.models import Article

_lock = threading.Lock()
_state: _Built | None = None


@dataclass
class _Built:
    stamp: tuple
    index: ranking.Index
    articles: dict[int, dict]  # id -> {"title", "url", "category_id"}


def invalidate() -> None:
    global _state
    with _lock:
        _state = None


def semantic_enabled() -> bool:
    return getattr(settings, "HEEDFUL_SEMANTIC_SEARCH", True) and encoder.available()


def _published():
    return Article.objects.filter(status=Article.Status.PUBLISHED, published_revision__isnull=False)


def _stamp() -> tuple:
    row = _published().aggregate(n=Count("pk"), last=Max("indexed_at"))
    return row["n"], row["last"]


def current() -> _Built:
    global _state
    stamp = _stamp()
    state = _state
    if state is not None and state.stamp == stamp:
        return state
    with _lock:
        if _state is not None and _state.stamp == stamp:
            return _state
        rows = (_published().order_by("pk").values_list(
            "pk", "slug", "category_id", "published_revision__title", "published_revision__body",
            "published_revision__embedding", "published_revision__embedding_model"))
        docs, articles = [], {}
        for pk, slug, category_id, title, body, data, model in rows:
            vectors = embeddings.from_bytes(data) if model == embeddings.MODEL else None
            docs.append(ranking.Doc(pk, title, body, vectors))
            articles[pk] = {"title": title, "url": f"/help/articles/{pk}-{slug}/", "category_id": category_id}
        _state = _Built(stamp, ranking.Index(docs), articles)
        return _state


@lru_cache(maxsize=512)
def _query_vector(text: str) -> np.ndarray:
    # Customers type a question a keystroke at a time: the same prefix is asked again and again.
    return encoder.encode([text])[0]


def rank(query: str, limit: int = 5, *, semantic: bool | None = None, exclude: set[int] = frozenset(),
         min_score: float = ranking.MIN_SCORE) -> list[tuple[ranking.Hit, dict]]:
    query = (query or "").strip()[:500]
    if not query:
        return []
    built = current()
    use_semantic = semantic_enabled() if semantic is None else (semantic and semantic_enabled())
    vector = _query_vector(query) if use_semantic and built.index.semantic else None
    hits = built.index.search(query, vector, limit=limit, exclude=exclude, min_score=min_score)
    return [(hit, built.articles[hit.id]) for hit in hits]


def suggest_articles(query: str, limit: int = 5, *, semantic: bool | None = None) -> list[dict]:
    """Published articles for a customer's question, best first, as suggestion results."""
    return [{"kind": "article", "id": hit.id, "title": info["title"], "url": info["url"], "score": hit.score}
            for hit, info in rank(query, limit, semantic=semantic)]


def related(article: Article, limit: int = 4) -> list[dict]:
    """Articles like this one: ranked by its title and opening, same category first on ties."""
    revision = article.published_revision
    if revision is None:
        return []
    query = f"{revision.title}. {' '.join(embeddings.chunks('', revision.body)[:2])}"
    hits = rank(query, limit * 2, exclude={article.pk}, min_score=0.2)
    hits.sort(key=lambda h: (-(h[0].score + (0.05 if h[1]["category_id"] == article.category_id else 0))))
    return [{"id": hit.id, "title": info["title"], "url": info["url"]} for hit, info in hits[:limit]]


def rescore(query: str, items: list[dict], *, semantic: bool | None = None) -> list[dict]:
    """Put results that another full-text ranker scored (solved forum topics) on the articles'
    scale: the same blend, the item's own score standing in for the text part and the cosine
    between the question and the item's title for the semantic part."""
    use_semantic = semantic_enabled() if semantic is None else (semantic and semantic_enabled())
    query = (query or "").strip()[:500]
    if not items or not query or not use_semantic:
        return items
    cosines = encoder.encode([str(i["title"]) for i in items]) @ _query_vector(query)
    return [{**item, "score": round(float(ranking.SEMANTIC_WEIGHT * max(0.0, float(c))
                                          + (1 - ranking.SEMANTIC_WEIGHT) * float(item["score"])), 4)}
            for item, c in zip(items, cosines, strict=True)]
