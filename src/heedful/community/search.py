"""Full-text search over topics: PostgreSQL `tsvector` with a GIN expression index, and a plain
term-matching fallback on SQLite (the embedded mode).

What is searched is `Topic.title` (weight A) and `Topic.search_text` (the question and the
accepted answer as plain text, weight B), stored as `Topic.search_vector` by the actions. Only
visible topics are ever returned.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import connection
from django.db.models import Q

from heedful.community.models import Topic

CANDIDATES = 500
STOPWORDS = frozenset(["a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "does", "did", "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "please", "so", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your"])
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def terms(query: str, limit: int = 12) -> list[str]:
    """The query's words worth matching: lower-cased, no stopwords, no duplicates."""
    seen: list[str] = []
    for word in _WORD.findall((query or "").lower()):
        if len(word) > 1 and word not in STOPWORDS and word not in seen:
            seen.append(word[:40])
    return seen[:limit]


def search(query: str, *, limit: int = 20, solved_only: bool = False) -> list[tuple[Topic, float]]:
    """(topic, score 0..1), best first. Any of the query's words may match; more and rarer
    matching words rank higher."""
    words = terms(query)
    if not words or limit <= 0:
        return []
    qs = Topic.objects.filter(visible=True, merged_into__isnull=True).select_related("category")
    if solved_only:
        qs = qs.filter(accepted_post__isnull=False)
    if connection.vendor == "postgresql":
        return _postgres(qs, words, limit)
    return _fallback(qs, words, limit)


def _postgres(qs, words: list[str], limit: int) -> list[tuple[Topic, float]]:
    """Topics matching every word rank first, then those matching any. Each pass ranks at most
    CANDIDATES rows found through the GIN index, so a query of common words stays bounded."""
    found: dict[int, float] = {}
    for joiner in (" & ", " | "):
        if len(found) >= limit or (joiner == " | " and len(words) == 1):
            break
        tsquery = joiner.join(f"{w}:*" if len(w) > 3 else w for w in words)
        candidates = qs.extra(where=["community_topic.search_vector @@ to_tsquery('english'::regconfig, %s)"],
                              params=[tsquery]).exclude(pk__in=list(found)).values("id", "search_vector")
        sql, params = candidates.query.sql_with_params()
        with connection.cursor() as cursor:
            # ts_rank_cd with normalisation 32 is rank / (rank + 1): within 0..1.
            cursor.execute(
                f"SELECT c.id, ts_rank_cd(c.search_vector, to_tsquery('english'::regconfig, %s), 32) AS rank "
                f"FROM ({sql} LIMIT {CANDIDATES}) c ORDER BY rank DESC, c.id DESC LIMIT %s",
                [tsquery, *params, limit - len(found)])
            for pk, rank in cursor.fetchall():
                # An all-words match outranks any-word matches.
                found[pk] = round(min(1.0, float(rank) ** 0.5 + (0.25 if joiner == " & " else 0.0)), 4)
    topics = Topic.objects.select_related("category").in_bulk(list(found))
    return [(topics[pk], score) for pk, score in sorted(found.items(), key=lambda kv: (-kv[1], -kv[0]))
            if pk in topics]


def _fallback(qs, words: list[str], limit: int) -> list[tuple[Topic, float]]:
    match = Q()
    for word in words:
        match |= Q(title__icontains=word) | Q(search_text__icontains=word)
    candidates = list(qs.filter(match).order_by("-last_posted_at", "-id")[:500])
    scored = []
    for topic in candidates:
        title, text = topic.title.lower(), topic.search_text.lower()
        hits = sum(1.0 if word in title else 0.6 for word in words if word in title or word in text)
        scored.append((topic, round(hits / len(words), 4)))
    scored.sort(key=lambda pair: (-pair[1], -pair[0].pk))
    return scored[:limit]


def suggest_topics(query: str, limit: int = 5, *, base_url: str | None = None) -> list[dict]:
    """Solved, visible topics for a customer's question, for the help centre's suggestions:
    `{"kind": "topic", "id", "title", "url", "score"}` with score 0..1, best first."""
    base = (base_url if base_url is not None else settings.HEEDFUL_BASE_URL).rstrip("/")
    return [
        {"kind": "topic", "id": topic.pk, "title": topic.title, "url": base + topic.get_absolute_url(),
         "score": score}
        for topic, score in search(query, limit=max(0, min(int(limit), 50)), solved_only=True)
    ]
