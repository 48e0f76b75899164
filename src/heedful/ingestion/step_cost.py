"""What one pipeline step cost a batch, written down with the batch's events.

The route step's wall and CPU time (`Router()` reads, `route()` per message, `flush()` writes)
is shared out over the batch's events by the messages each created, as `route_us` and
`route_cpu_us` in the event's `result`: the benchmark sums them to give routing's cost per
message under real load, and an operator can see it for any event. Two clock reads a call:
well under a microsecond.
"""

from __future__ import annotations

import time


class StepClock:
    __slots__ = ("wall", "cpu", "_wall", "_cpu")

    def __init__(self):
        self.wall = self.cpu = 0.0

    def __enter__(self):
        self._wall, self._cpu = time.perf_counter(), time.thread_time()
        return self

    def __exit__(self, *exc):
        self.wall += time.perf_counter() - self._wall
        self.cpu += time.thread_time() - self._cpu

    def share(self, outcomes: list) -> None:
        """Add this step's cost to each outcome's `route_us` / `route_cpu_us`, in proportion to
        the messages it created (evenly when none did)."""
        if not outcomes:
            return
        weights = [len(o.created) for o in outcomes]
        total = sum(weights) or len(outcomes)
        for outcome, weight in zip(outcomes, weights, strict=True):
            part = (weight if sum(weights) else 1) / total
            outcome.route_us += self.wall * part * 1e6
            outcome.route_cpu_us += self.cpu * part * 1e6
