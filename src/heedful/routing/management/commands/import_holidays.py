"""heedful import-holidays FILE --calendar NAME: add an iCalendar feed's all-day events
(public holidays, office closures) to a business-hours calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from heedful.routing import actions
from heedful.routing.models import BusinessHours

MAX_SPAN_DAYS = 60  # a closure longer than this is a mistake in the feed, not a holiday


def holidays_in(data: bytes) -> list[str]:
    """ISO dates covered by the feed's events (DTEND is exclusive, as RFC 5545 says)."""
    from icalendar import Calendar

    days = set()
    for event in Calendar.from_ical(data).walk("VEVENT"):
        start = event.decoded("DTSTART")
        end = event.decoded("DTEND") if event.get("DTEND") else None
        start = start.date() if isinstance(start, datetime) else start
        end = end.date() if isinstance(end, datetime) else end
        if not isinstance(start, date):
            continue
        span = max(1, min(MAX_SPAN_DAYS, (end - start).days if end else 1))
        days.update((start + timedelta(days=i)).isoformat() for i in range(span))
    return sorted(days)


class Command(BaseCommand):
    help = "Import holidays from an iCalendar (.ics) file into a business-hours calendar."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--calendar", required=True, help="name of the business hours to update")

    def handle(self, *args, **options):
        row = BusinessHours.objects.filter(name=options["calendar"]).first()
        if row is None:
            raise CommandError(f"no business hours named {options['calendar']!r}")
        try:
            with open(options["file"], "rb") as handle:
                days = holidays_in(handle.read())
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the feed: {exc}") from None
        with transaction.atomic():
            added = actions.add_holidays(row, days)
        self.stdout.write(f"{added} new holidays in {row.name} ({len(days)} in the feed)")
