"""`heedful replay-twcs FILE`: replay a Customer Support on Twitter CSV through the real
Twitter webhook path (signed Account Activity payloads over HTTP) of a running Heedful."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand, CommandError

from heedful.channels.models import Channel
from heedful.channels.providers.twitter import twcs
from heedful.channels.providers.twitter.replay import Replayer, Summary, Target


def twitter_channel(channel_id: int | None) -> Channel:
    channels = Channel.objects.filter(provider="twitter").order_by("pk")
    if channel_id is not None:
        channel = channels.filter(pk=channel_id).first()
        if channel is None:
            raise CommandError(f"no twitter channel with id {channel_id}")
        return channel
    found = list(channels[:2])
    if len(found) != 1:
        raise CommandError("pass --channel ID: there is " + ("no twitter channel" if not found else
                                                            "more than one twitter channel"))
    return found[0]


class Command(BaseCommand):
    help = "Replay a Customer Support on Twitter (TWCS) CSV as signed Twitter webhooks."

    def add_arguments(self, parser):
        parser.add_argument("file", help="TWCS CSV (original LF form or the pandas CRLF form)")
        parser.add_argument("--channel", type=int, help="twitter channel id (default: the only one)")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="base URL of Heedful")
        parser.add_argument("--limit", type=int, help="replay only the first N tweets in time order")
        parser.add_argument("--brand", help="replay only the chains this brand (author_id) took part in")
        parser.add_argument("--concurrency", type=int, default=1, help="parallel senders (threads)")
        parser.add_argument("--strict", action="store_true",
                            help="stop at the first malformed record (default: skip it and report its line)")

    def handle(self, *args, **options):
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per POST drowns the progress
        channel = twitter_channel(options["channel"])
        secret = channel.credential("consumer_secret")
        user_id = channel.credential("user_id")
        if not secret or not user_id:
            raise CommandError(f"channel {channel.pk} needs consumer_secret and user_id credentials")
        skipped: list[twcs.Skipped] | None = None if options["strict"] else []
        try:
            tweets = twcs.read(options["file"], skipped=skipped)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        for record in skipped or []:
            self.stderr.write(f"  skipped line {record.line}: {record.reason}")
        if options["brand"]:
            tweets = twcs.for_brand(tweets, options["brand"])
        tweets.sort(key=lambda t: t.created_at)
        if options["limit"] is not None:
            tweets = tweets[: max(0, options["limit"])]
        target = Target(webhook_url=f"{options['url'].rstrip('/')}/hooks/twitter/{channel.pk}",
                        consumer_secret=secret,
                        account=twcs.Account(user_id=user_id,
                                             screen_name=channel.credential("screen_name") or options["brand"] or ""))
        self.stdout.write(f"Replaying {len(tweets)} tweets to {target.webhook_url} "
                          f"with {options['concurrency']} sender(s)")
        started = time.monotonic()
        summary = Replayer(target, concurrency=options["concurrency"], progress=self._progress).run(tweets)
        self._report(summary, time.monotonic() - started, skipped or [])

    def _progress(self, summary: Summary, total: int) -> None:
        self.stdout.write(f"  {summary.sent}/{total} sent, {summary.failed} failed")

    def _report(self, summary: Summary, seconds: float, skipped: list) -> None:
        for error in summary.errors:
            self.stderr.write(f"  {error}")
        rate = summary.sent / seconds if seconds > 0 else 0.0
        line = f"Done in {seconds:.1f} s ({rate:.0f} tweets/s): {summary.as_line()}"
        if skipped:
            line += f"; {len(skipped)} malformed record(s) skipped (lines {', '.join(str(s.line) for s in skipped[:10])}" \
                    + (" ..." if len(skipped) > 10 else "") + ")"
        if summary.failed:
            raise CommandError(line)
        self.stdout.write(self.style.SUCCESS(line))
