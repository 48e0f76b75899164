"""The ranker: BM25 over title + body with a Snowball stemmer, blended with embedding similarity.

Pure Python and numpy, no database: `search.py` builds one `Index` per process from the
published revisions and rebuilds it when the knowledge base changes, so the ranking is the same
on PostgreSQL and SQLite. Knowledge bases are small (hundreds to a few thousand articles), so
the whole index fits in memory and a query scores every article that shares a term with it.

Scores are in 0..1. The text score is BM25 squashed by s / (s + K_TEXT), so that it means the
same for every query (a per-query max-normalisation would call the best of poor matches a 1).
The semantic score is the cosine between the query and the article's closest chunk (its title
or one paragraph), so an article that answers several phrasings is found by any of them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import snowballstemmer

K1, B = 1.2, 0.75
TITLE_WEIGHT = 2  # a title term counts as this many body terms (BM25F with one boost)
K_TEXT = 6.0  # BM25 score that maps to 0.5
SEMANTIC_WEIGHT = 0.7  # share of the semantic score in the blend (tuned on banking77 train only)
MIN_SCORE = 0.25  # below this a suggestion is noise, not an answer (cosine 0.36 alone)

STOPWORDS = frozenset(["a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "could", "did", "do", "does", "doing", "for", "from", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "my", "myself", "of", "on", "or", "our", "ours", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "then", "there", "these", "they", "this", "those", "to", "too", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "please", "hi", "hello", "thanks", "thank"])
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def terms(text: str) -> list[str]:
    """Lowercased, stop words dropped, stemmed ("Cards arrived?" -> ["card", "arriv"])."""
    out = []
    for word in _WORD.findall(text.lower()):
        word = word.replace("'", "")
        if word not in STOPWORDS:
            out.append(_stem(word))
    return out


@dataclass
class Doc:
    id: int
    title: str
    body: str
    vectors: np.ndarray | None = None  # (chunks, dim), rows L2-normalised
    extra: dict = field(default_factory=dict)


@dataclass
class Hit:
    id: int
    score: float
    text: float
    semantic: float | None


class Index:
    def __init__(self, docs: list[Doc]):
        self.docs = docs
        self.postings: dict[str, list[tuple[int, int]]] = {}
        self.lengths = np.zeros(len(docs), np.float32)
        for n, doc in enumerate(docs):
            counts = Counter(terms(doc.body))
            for term in terms(doc.title):
                counts[term] += TITLE_WEIGHT
            self.lengths[n] = sum(counts.values())
            for term, tf in counts.items():
                self.postings.setdefault(term, []).append((n, tf))
        self.avg_length = float(self.lengths.mean()) if docs else 0.0
        self.idf = {t: math.log(1 + (len(docs) - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}
        # All chunk vectors in one matrix, with the article each row belongs to: one matmul a query.
        rows = [(n, doc.vectors) for n, doc in enumerate(docs) if doc.vectors is not None and len(doc.vectors)]
        self.semantic = bool(rows)
        self.matrix = np.concatenate([v for _, v in rows]).astype(np.float32) if rows else None
        self.owner = np.concatenate([np.full(len(v), n) for n, v in rows]) if rows else None
        self.has_vectors = np.zeros(len(docs), bool)
        for n, _ in rows:
            self.has_vectors[n] = True

    def text_scores(self, query: str) -> np.ndarray:
        scores = np.zeros(len(self.docs), np.float32)
        norm = K1 * (1 - B + B * self.lengths / max(self.avg_length, 1e-9))
        for term in set(terms(query)):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for n, tf in self.postings[term]:
                scores[n] += idf * tf * (K1 + 1) / (tf + norm[n])
        return scores / (scores + K_TEXT)

    def semantic_scores(self, query_vector: np.ndarray) -> np.ndarray:
        best = np.full(len(self.docs), -1.0, np.float32)
        np.maximum.at(best, self.owner, self.matrix @ query_vector)
        return np.clip(best, 0.0, 1.0)

    def search(self, query: str, query_vector: np.ndarray | None = None, limit: int = 5,
               exclude: set[int] = frozenset(), min_score: float = MIN_SCORE) -> list[Hit]:
        if not self.docs:
            return []
        text = self.text_scores(query)
        blended, semantic = text.copy(), None
        if query_vector is not None and self.semantic:
            semantic = self.semantic_scores(query_vector)
            # An article whose embedding is not computed yet keeps its text score alone.
            mix = SEMANTIC_WEIGHT * semantic + (1 - SEMANTIC_WEIGHT) * text
            blended = np.where(self.has_vectors, mix, text)
        order = np.argsort(-blended, kind="stable")
        hits = []
        for n in order:
            if blended[n] < min_score or len(hits) >= limit:
                break
            if self.docs[n].id in exclude:
                continue
            hits.append(Hit(self.docs[n].id, round(float(blended[n]), 4), float(text[n]),
                            None if semantic is None or not self.has_vectors[n] else float(semantic[n])))
        return hits
