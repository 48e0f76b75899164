"""The numpy MiniLM encoder: tokenizer, shape, no PyTorch, and nearest neighbours that make sense."""

from __future__ import annotations

import csv
import sys
from collections import defaultdict

import numpy as np
import pytest

from heedful.knowledge import encoder
from tests.conftest import shared_data

needs_model = pytest.mark.skipif(not encoder.available(), reason="the model package is not installed")


def test_basic_tokenizer_lowercases_strips_accents_and_splits_punctuation():
    assert encoder.basic_tokens("Héllo, WORLD! it's\tdone") == ["hello", ",", "world", "!", "it", "'", "s", "done"]


@needs_model
def test_wordpiece_matches_bert_uncased():
    tokenizer = encoder._get().tokenizer
    names = {i: t for t, i in tokenizer.vocab.items()}
    # the tokenizer documentation's own example for bert-base-uncased
    assert [names[i] for i in tokenizer.ids("I have a new GPU!")] == [
        "[CLS]", "i", "have", "a", "new", "gp", "##u", "!", "[SEP]"]
    assert tokenizer.ids("Hello, world!") == [101, 7592, 1010, 2088, 999, 102]
    assert len(tokenizer.ids("word " * 1000)) == encoder.MAX_TOKENS


@needs_model
def test_embeddings_are_unit_vectors_and_need_no_torch():
    vectors = encoder.encode(["my card has not arrived", "", "x" * 5000])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert "torch" not in sys.modules and "sentence_transformers" not in sys.modules


@needs_model
def test_matches_the_reference_implementation():
    """The opening values of sentence-transformers' own output for this sentence (PyTorch,
    all-MiniLM-L6-v2, as widely published): the numpy encoder agrees to float32 rounding."""
    reference = [6.76569119e-02, 6.34959862e-02, 4.87131625e-02, 7.93049634e-02, 3.74480709e-02]
    vector = encoder.encode(["This is an example sentence"])[0]
    assert np.allclose(vector[:5], reference, atol=2e-5), vector[:5]


@needs_model
def test_paraphrases_are_closer_than_unrelated_questions():
    a, b, c = encoder.encode(["Where is my new card? It has not come yet.",
                              "My card still hasn't arrived after two weeks",
                              "How do I change my PIN number?"])
    assert a @ b > 0.5 and a @ b > a @ c + 0.2


@needs_model
def test_nearest_neighbours_on_banking77_share_the_intent():
    """Sane nearest neighbours: a test question's closest train question is of the same intent
    for most questions (a broken encoder lands near chance, 1/77)."""
    path = shared_data("intents", "banking77")
    rows = defaultdict(list)
    with (path / "train.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            rows[row["category"]].append(row["text"])
    intents = sorted(rows)[:10]
    train = [(t, i) for i in intents for t in rows[i][:8]]
    with (path / "test.csv").open(newline="") as f:
        test = [(r["text"], r["category"]) for r in csv.DictReader(f) if r["category"] in intents][::4]
    t_vec = encoder.encode([t for t, _ in train])
    q_vec = encoder.encode([t for t, _ in test])
    nearest = (q_vec @ t_vec.T).argmax(1)
    accuracy = np.mean([train[n][1] == intent for n, (_, intent) in zip(nearest, test, strict=True)])
    assert accuracy >= 0.7, accuracy
