"""Priority and sort score: public complaints with reach and negative sentiment go first."""

import math

from heedful.conversations.models import Priority


def score(*, public: bool, sentiment: float | None, followers: int, verified: bool,
          engagement: dict | None = None) -> float:
    engagement = engagement or {}
    reach = math.log10(1 + max(0, followers)) + (1.0 if verified else 0.0)
    buzz = math.log10(1 + sum(max(0, int(v)) for v in engagement.values()))
    negativity = max(0.0, -(sentiment or 0.0))
    value = negativity * 2.0 + buzz
    if public:
        value += reach + 1.0
    return round(value, 4)


def priority_for(value: float, *, public: bool) -> int:
    if value >= 6:
        return Priority.URGENT
    if value >= 3.5 or (public and value >= 2.5):
        return Priority.HIGH
    return Priority.NORMAL
