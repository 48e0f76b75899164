"""Sentiment polarity with VADER (tuned for short social text; ~50 µs a message)."""

from functools import lru_cache


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def polarity(text: str) -> float | None:
    """Compound score in [-1, 1], or None for empty text."""
    text = (text or "").strip()
    if not text:
        return None
    return round(_analyzer().polarity_scores(text[:5000])["compound"], 4)
