"""Business hours: adding and measuring time that counts only while the team is working.

A `Calendar` is a time zone, periods per weekday (several a day allowed) and holidays. Times
are compared in UTC and each period is placed on the calendar's local date, so a daylight
saving change shifts the periods with the wall clock, as people expect. `None` as a calendar
means around the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from heedful.core.errors import ValidationError

MAX_DAYS = 800  # a target past two years of calendar is an error in the calendar, not a wait


def parse_time(value: str) -> tuple[int, int]:
    """"09:30" -> (9, 30); "24:00" is the end of the day."""
    try:
        hours, minutes = (int(part) for part in str(value).split(":"))
    except ValueError:
        raise ValidationError(f"a time is HH:MM, not {value!r}") from None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ValidationError(f"a time is HH:MM, not {value!r}")
    return hours, minutes


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"unknown time zone {name!r}") from None


@dataclass(frozen=True)
class Calendar:
    tz: ZoneInfo
    periods: dict[int, tuple[tuple[tuple[int, int], tuple[int, int]], ...]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def build(cls, timezone: str, periods: list[dict], holidays: list[str] = ()) -> Calendar:
        by_day: dict[int, list] = {}
        for period in periods:
            weekday = int(period["weekday"])
            if not 0 <= weekday <= 6:
                raise ValidationError("weekday is 0 (Monday) to 6 (Sunday)")
            start, end = parse_time(period["start"]), parse_time(period["end"])
            if start == end or start == (24, 0):
                continue  # no working time
            if end < start:  # a night shift: until midnight, then on into the next day
                by_day.setdefault(weekday, []).append((start, (24, 0)))
                if end != (0, 0):
                    by_day.setdefault((weekday + 1) % 7, []).append(((0, 0), end))
                continue
            by_day.setdefault(weekday, []).append((start, end))
        try:
            days = frozenset(date.fromisoformat(str(d)) for d in holidays)
        except ValueError:
            raise ValidationError("holidays are ISO dates (YYYY-MM-DD)") from None
        return cls(zone(timezone), {d: tuple(sorted(p)) for d, p in by_day.items()}, days)

    @classmethod
    def of(cls, hours) -> Calendar | None:
        """The calendar of a BusinessHours row (None: around the clock)."""
        if hours is None:
            return None
        return cls.build(hours.timezone, hours.periods, hours.holidays)

    def _day_periods(self, day: date):
        """(start, end) in UTC of each working period on a local date."""
        if day in self.holidays:
            return
        for (sh, sm), (eh, em) in self.periods.get(day.weekday(), ()):
            start = datetime.combine(day, time(sh, sm), tzinfo=self.tz)
            end = (datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.tz) if eh == 24
                   else datetime.combine(day, time(eh, em), tzinfo=self.tz))
            yield start.astimezone(UTC), end.astimezone(UTC)

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.tz).date()
        return any(start <= at < end for start, end in self._day_periods(local))


def add(calendar: Calendar | None, start: datetime, minutes: float) -> datetime | None:
    """The moment `minutes` of working time after `start` (None: the calendar has no working
    time in the next two years, so the target can never fall due)."""
    remaining = timedelta(minutes=minutes)
    if calendar is None:
        return start + remaining
    if not calendar.periods:
        return None
    at = start.astimezone(UTC)
    day = at.astimezone(calendar.tz).date() - timedelta(days=1)  # a period may straddle midnight UTC
    for _ in range(MAX_DAYS):
        for begin, end in calendar._day_periods(day):
            if end <= at:
                continue
            begin = max(begin, at)
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
        day += timedelta(days=1)
    return None


def between(calendar: Calendar | None, start: datetime, end: datetime) -> float:
    """Working seconds from `start` to `end` (0 when end is not after start)."""
    if end <= start:
        return 0.0
    if calendar is None:
        return (end - start).total_seconds()
    total = 0.0
    day = start.astimezone(calendar.tz).date() - timedelta(days=1)
    last = end.astimezone(calendar.tz).date()
    while day <= last:
        for begin, finish in calendar._day_periods(day):
            overlap = (min(finish, end) - max(begin, start)).total_seconds()
            if overlap > 0:
                total += overlap
        day += timedelta(days=1)
    return total
