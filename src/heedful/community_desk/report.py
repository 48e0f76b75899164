"""The `community` report (`GET /api/v1/reports/community`, `heedful report community`, the
dashboard): the forum's figures per category, plus the deflections of the new-topic form.

Registered with analytics at start-up from this edge, so analytics never imports the forum.
Deflections are the analytics `deflection` report's for the community channel (sessions that
opened a suggestion in the new-topic form and then posted nothing); they are recorded per
surface, not per category, so only the "*" row (all categories) carries them.
"""

from __future__ import annotations

from heedful.analytics import reports
from heedful.community.reports import by_category

PROVIDER = "community"


def rows(f: reports.Filters) -> list[dict]:
    out = by_category(f.since, f.until)
    settled = sum(r["deflections"] for r in reports.deflection(f) if r["channel"] == PROVIDER)
    for row in out:
        row["deflections"] = settled if row["category"] == "*" else None
    return out


def install() -> None:
    reports.register("community", rows)
