"""A slice of the suggestion benchmark (bench/suggest_quality.py): 20 BANKING77 intents."""

from __future__ import annotations

import pytest

from heedful.knowledge import encoder
from tests.conftest import shared_data

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.mark.skipif(not encoder.available(), reason="the model package is not installed")
def test_blended_ranking_beats_full_text_on_held_apart_questions():
    shared_data("intents", "banking77")
    from bench import suggest_quality

    result = suggest_quality.measure(n_intents=20, with_latency=False)
    assert result["questions"] > 700 and result["semantic_available"]
    text, blended = result["full_text"], result["blended"]
    assert blended["hit@3"] > text["hit@3"] and blended["hit@1"] > text["hit@1"], result
    assert text["hit@3"] >= 0.8 and blended["hit@3"] >= 0.93, result


def test_full_text_alone_ranks_the_held_apart_questions(settings):
    """As installed without the model package: BM25 alone still finds most answers."""
    shared_data("intents", "banking77")
    settings.HEEDFUL_SEMANTIC_SEARCH = False
    from bench import suggest_quality

    result = suggest_quality.measure(n_intents=10, with_latency=False)
    assert not result["semantic_available"] and "blended" not in result
    assert result["full_text"]["hit@3"] >= 0.8, result
