"""Answers kept in this process for a few seconds: reads that every request or batch makes and
that may be a little late (the backlog banner, SLA policies, which rules an event has).

The process that changes the rows forgets at once; the others see the change within the
keep time. Each value is computed by its caller's function, outside any lock (two threads
may both compute it once; both answers are right)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Kept(Generic[T]):
    def __init__(self, seconds: float):
        self.seconds = seconds
        self._values: dict[Hashable, tuple[float, T]] = {}

    def get(self, key: Hashable, compute: Callable[[], T], *, seconds: float | None = None) -> T:
        hit = self._values.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        value = compute()
        self._values[key] = (time.monotonic() + (self.seconds if seconds is None else seconds), value)
        return value

    def forget(self, **_) -> None:
        """Drop every kept answer (also usable as a signal receiver)."""
        self._values.clear()
