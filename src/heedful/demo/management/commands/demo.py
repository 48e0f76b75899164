"""`heedful demo`: migrate, seed a working desk through the real pipeline, and serve it."""

from __future__ import annotations

import socket
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from heedful.channels.providers.twitter.fake import FakeTwitterAPI
from heedful.core import jobs
from heedful.demo import community, insight, knowledge, seed, tweets
from heedful.devtools.smtp_sink import SmtpSink


class Command(BaseCommand):
    help = "Run Heedful with a seeded demo desk (embedded mode: SQLite, jobs in-process)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="seed only, do not start the server")
        parser.add_argument("--smtp-port", type=int, default=8025, help="port of the demo outbox SMTP server")
        parser.add_argument("--x-api-port", type=int, default=8026, help="port of the local fake X API")

    def handle(self, *args, **options):
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        sink = SmtpSink(port=options["smtp_port"], outbox=settings.VAR_DIR / "demo-outbox").start()
        x_api = FakeTwitterAPI(port=options["x_api_port"]).start()
        mode, settings.HEEDFUL_JOBS = settings.HEEDFUL_JOBS, "inline"  # seed synchronously
        try:
            users = seed.ensure_users()
            created = seed.seed_email(seed.ensure_email_channel(options["smtp_port"]), users["agent"])
            twitter = seed.ensure_twitter_channel(x_api.base_url)
            # The fake checks each request's OAuth signature against the channel's own keys.
            x_api.consumer_key, x_api.consumer_secret = twitter.credential("consumer_key"), twitter.credential("consumer_secret")
            x_api.access_token = twitter.credential("access_token")
            x_api.access_token_secret = twitter.credential("access_token_secret")
            knowledge.seed_articles(users["agent"])
            community.seed_community(users["agent"])
            insight.seed_insight(seed.ensure_email_channel(options["smtp_port"]), twitter, users["agent"])
        finally:
            settings.HEEDFUL_JOBS = mode
        self._welcome(options, created)
        if options["no_serve"]:
            sink.stop()
            x_api.stop()
            return
        jobs.start_sweeper()
        threading.Thread(target=self._replay_tweets, args=(options["addrport"], twitter.pk), daemon=True).start()
        call_command("runserver", options["addrport"], use_reloader=False)

    def _welcome(self, options, created: int) -> None:
        self.stdout.write(self.style.SUCCESS(f"Demo desk ready ({created} new email conversations)."))
        self.stdout.write(
            f"\n  Open http://{options['addrport']}/  and log in as\n"
            f"    agent / {seed.DEMO_USERS['agent'][0]}   (agent)\n"
            f"    admin / {seed.DEMO_USERS['admin'][0]}   (admin, also /admin/)\n"
            f"  Email replies go over SMTP to the demo outbox (127.0.0.1:{options['smtp_port']}, kept in "
            f"{settings.VAR_DIR / 'demo-outbox'});\n"
            f"  X replies go to a local fake of the X API (127.0.0.1:{options['x_api_port']}).\n"
            f"  Demo tweets arrive through the real, signed X webhook once the server is up.\n"
        )

    def _replay_tweets(self, addrport: str, channel_id: int) -> None:
        """Once the server answers, replay the demo tweets through its X webhook over HTTP."""
        host, _, port = addrport.rpartition(":")
        for _ in range(100):
            try:
                socket.create_connection((host or "127.0.0.1", int(port)), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        path = tweets.write_csv(settings.VAR_DIR / "demo-tweets.csv")
        try:
            call_command("replay_twcs", str(path), channel=channel_id, url=f"http://{addrport}",
                         stdout=self.stdout, stderr=self.stderr)
        except Exception as exc:  # the desk still works; say what went wrong
            self.stderr.write(f"demo tweets were not replayed: {exc}")
