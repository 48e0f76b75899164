"""`heedful report NAME --since ISO --until ISO --format csv|json`: the rows of a report."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from heedful.analytics import query
from heedful.analytics.reports import REPORTS
from heedful.core.errors import HeedfulError


class Command(BaseCommand):
    help = "Print a report (the same rows as GET /api/v1/reports/NAME)."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=sorted(REPORTS))
        parser.add_argument("--since", help="ISO date or date-time (default: 30 days before --until)")
        parser.add_argument("--until", help="ISO date or date-time (default: now)")
        parser.add_argument("--channel", help="provider name (email, twitter ...) or channel id")
        parser.add_argument("--team", help="team id")
        parser.add_argument("--label", help="only conversations with this label")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, **options):
        try:
            f = query.filters(since=options["since"], until=options["until"], channel=options["channel"],
                              team=options["team"], label=options["label"])
            result = query.run(options["name"], f)
        except HeedfulError as exc:
            raise CommandError(str(exc)) from exc
        if options["format"] == "csv":
            self.stdout.write(query.to_csv(result["rows"]), ending="")
        else:
            self.stdout.write(json.dumps(result, indent=2))
