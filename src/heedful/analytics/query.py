"""Report requests from outside (API, CLI, pages): parse the parameters, run, format as CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from heedful.analytics.reports import REPORTS, Filters
from heedful.core.clock import now
from heedful.core.errors import NotFound, ValidationError

DEFAULT_DAYS = 30


def parse_when(value, name: str) -> datetime | None:
    """An ISO date or date-time, as text or parsed (UTC unless it says otherwise); None when absent."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
    value = str(value).strip()
    try:
        parsed = parse_datetime(value)
    except ValueError:  # well-formed but impossible (month 13)
        parsed = None
    if parsed is None:
        try:
            day = parse_date(value)
        except ValueError:
            day = None
        parsed = datetime.combine(day, time.min) if day else None
    if parsed is None:
        raise ValidationError(f"{name} must be an ISO date or date-time")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def filters(*, since=None, until=None, channel=None, team=None, label=None, days=0, teams=None) -> Filters:
    until_at = parse_when(until, "until") or now()
    days = max(1, min(int(days or DEFAULT_DAYS), 3660))  # bounded: any integer is a valid request
    since_at = parse_when(since, "since") or until_at - timedelta(days=days)
    since_at = min(since_at, until_at)  # an empty period has empty reports
    if team not in (None, ""):
        try:
            team = int(team)
        except (TypeError, ValueError):
            raise ValidationError("team must be a team id") from None
    else:
        team = None
    return Filters(since=since_at, until=until_at, channel=(channel or "").strip()[:40], team=team,
                   label=(label or "").strip()[:60], teams=teams)


def run(name: str, f: Filters) -> dict:
    if name not in REPORTS:
        raise NotFound(f"no report named {name!r}")
    return {"report": name, "since": f.since.isoformat(), "until": f.until.isoformat(), "rows": REPORTS[name](f)}


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value):
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # a spreadsheet must not run a cell as a formula
    return value
