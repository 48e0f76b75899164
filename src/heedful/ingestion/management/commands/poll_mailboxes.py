"""`heedful poll-mailboxes`: fetch new mail from every polled mailbox once, or every N seconds."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from heedful.ingestion import polling


class Command(BaseCommand):
    help = "Poll the IMAP mailboxes of all active email channels and store new mail."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, metavar="N",
                            help="keep polling every N seconds until interrupted")

    def handle(self, *args, **options):
        interval = options.get("loop")
        while True:
            stored = polling.poll_all()
            self.stdout.write(f"stored {stored} new mail(s)")
            if not interval:
                return
            close_old_connections()
            try:
                time.sleep(max(1.0, interval))
            except KeyboardInterrupt:
                return
