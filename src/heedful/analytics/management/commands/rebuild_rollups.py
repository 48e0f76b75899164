"""`heedful rebuild-rollups`: recompute every rollup from the reporting events."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand

from heedful.analytics import recorder, rollups


class Command(BaseCommand):
    help = "Recompute the report rollups from the reporting events (same numbers as the live ones)."

    def add_arguments(self, parser):
        parser.add_argument("--catch-up", action="store_true",
                            help="first record reporting events for recent messages that have none")
        parser.add_argument("--backfill", action="store_true",
                            help="first record reporting events for every stored conversation that has none "
                                 "(a desk older than its analytics)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        if options["catch_up"]:
            recorder.catch_up()
        if options["backfill"]:
            started = time.monotonic()
            seen = recorder.backfill(progress=None if options["quiet"] else self._bar(started, "conversations"))
            if not options["quiet"]:
                sys.stderr.write("\n")
            self.stdout.write(f"Recorded the events of {seen} conversations in {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        progress = None if options["quiet"] else self._bar(started)
        seen = rollups.rebuild(progress=progress)
        if progress:
            sys.stderr.write("\n")
        self.stdout.write(f"Rebuilt rollups from {seen} events in {time.monotonic() - started:.1f} s")

    @staticmethod
    def _bar(started: float, what: str = "events"):
        def show(done: int, total: int) -> None:
            share = done / total if total else 1.0
            filled = int(share * 30)
            rate = done / max(time.monotonic() - started, 1e-6)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {what}, {rate:,.0f}/s")
            sys.stderr.flush()

        return show
