"""The ranker alone: stemming, BM25, the blend, and scores in 0..1."""

from __future__ import annotations

import numpy as np

from heedful.knowledge import ranking


def _doc(n, title, body, vector=None):
    return ranking.Doc(n, title, body, None if vector is None else np.array([vector], np.float32))


def test_terms_are_stemmed_and_stop_words_dropped():
    assert ranking.terms("Why haven't my Cards arrived?") == ["havent", "card", "arriv"]


def test_bm25_finds_inflected_forms_and_prefers_the_title():
    index = ranking.Index([
        _doc(1, "Card arrival", "When your new card will be delivered."),
        _doc(2, "Change your PIN", "Any cash machine can change it. A card is needed."),
        _doc(3, "Top up limits", "How much you can add."),
    ])
    hits = index.search("my cards have not arrived", min_score=0)
    assert [h.id for h in hits][:2] == [1, 2] and all(0 <= h.score <= 1 for h in hits)
    assert index.search("quantum chromodynamics") == []


def test_semantic_score_reorders_and_articles_without_vectors_keep_their_text_score():
    index = ranking.Index([
        _doc(1, "Lost card", "Freeze it in the app.", [1.0, 0.0]),
        _doc(2, "Card delivery", "Cards take a week.", [0.0, 1.0]),
        _doc(3, "Card fees", "No fee for a card."),
    ])
    query = np.array([0.0, 1.0], np.float32)  # means "delivery" whatever the words
    hits = index.search("card", query, min_score=0)
    assert hits[0].id == 2 and hits[0].semantic == 1.0
    assert next(h for h in hits if h.id == 3).semantic is None
    text_only = {h.id: h.score for h in index.search("card", None, min_score=0)}
    assert next(h for h in hits if h.id == 3).score == round(text_only[3], 4)


def test_an_empty_index_finds_nothing():
    assert ranking.Index([]).search("anything") == []
