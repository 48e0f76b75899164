"""One place to ask the time, so tests and backoff maths agree."""

from datetime import timedelta

from django.utils import timezone


def now():
    return timezone.now()


def backoff(attempt: int, base: float = 2.0, cap: float = 900.0) -> timedelta:
    """Exponential backoff: 2s, 4s, 8s ... capped at 15 minutes."""
    return timedelta(seconds=min(cap, base ** max(1, attempt)))
