"""`heedful demo`: migrate, seed a working desk through the real pipeline, and serve it."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from heedful.core import jobs
from heedful.demo import seed
from heedful.devtools.smtp_sink import SmtpSink


class Command(BaseCommand):
    help = "Run Heedful with a seeded demo desk (embedded mode: SQLite, jobs in-process)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="seed only, do not start the server")
        parser.add_argument("--smtp-port", type=int, default=8025, help="port of the demo outbox SMTP server")

    def handle(self, *args, **options):
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        sink = SmtpSink(port=options["smtp_port"], outbox=settings.VAR_DIR / "demo-outbox").start()
        mode, settings.HEEDFUL_JOBS = settings.HEEDFUL_JOBS, "inline"  # seed synchronously
        try:
            users = seed.ensure_users()
            channel = seed.ensure_email_channel(options["smtp_port"])
            created = seed.seed_email(channel, users["agent"])
            for extra in seed.EXTRA_SEEDERS:
                extra(users, self.stdout)
        finally:
            settings.HEEDFUL_JOBS = mode
        self.stdout.write(self.style.SUCCESS(f"Demo desk ready ({created} new email conversations)."))
        self.stdout.write(
            f"\n  Open http://{options['addrport']}/  and log in as\n"
            f"    agent / {seed.DEMO_USERS['agent'][0]}   (agent)\n"
            f"    admin / {seed.DEMO_USERS['admin'][0]}   (admin, also /admin/)\n"
            f"  Replies to email customers are delivered over SMTP to the demo outbox "
            f"(127.0.0.1:{options['smtp_port']}, kept in {settings.VAR_DIR / 'demo-outbox'}).\n"
        )
        if options["no_serve"]:
            sink.stop()
            return
        jobs.start_sweeper()
        call_command("runserver", options["addrport"], use_reloader=False)
