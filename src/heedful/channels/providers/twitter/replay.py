"""POST TWCS tweets to a Heedful Twitter webhook over real HTTP, signed like Twitter signs them.

Reply chains are independent, so they are spread over worker threads while the tweets of one
chain are always sent in order (a reply never overtakes the tweet it answers).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from heedful.channels.providers.twitter.signing import SIGNATURE_HEADER, webhook_signature
from heedful.channels.providers.twitter.twcs import Account, TwcsTweet, chains, payload


@dataclass
class Summary:
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # the first few, for the operator

    def as_line(self) -> str:
        return (f"sent {self.sent}, accepted {self.accepted} (duplicates {self.duplicates}), "
                f"failed {self.failed}")


@dataclass
class Target:
    webhook_url: str  # {base}/hooks/twitter/{channel}
    consumer_secret: str
    account: Account


class Replayer:
    def __init__(self, target: Target, *, concurrency: int = 1, timeout: float = 30.0,
                 progress: Callable[[Summary, int], None] | None = None, progress_every: int = 100):
        self.target = target
        self.concurrency = max(1, concurrency)
        self.summary = Summary()
        self._progress, self._every = progress, max(1, progress_every)
        self._lock = threading.Lock()
        # No keep-alive: Django's development server answers a kept-alive connection ~40 ms late
        # per request (measured ~45 ms against ~1 ms), and gunicorn's sync workers close every
        # connection anyway; a fresh loopback connection per tweet is the fast path.
        limits = httpx.Limits(max_connections=self.concurrency + 2, max_keepalive_connections=0)
        self._http = httpx.Client(timeout=timeout, limits=limits)

    def run(self, tweets: list[TwcsTweet]) -> Summary:
        by_id = {t.tweet_id: t for t in tweets}
        total = len(tweets)
        try:
            with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                for _ in pool.map(lambda chain: self._send_chain(chain, by_id, total), chains(tweets)):
                    pass
        finally:
            self._http.close()
        return self.summary

    def _send_chain(self, chain: list[TwcsTweet], by_id: dict, total: int) -> None:
        for tweet in chain:
            self._post(tweet, by_id, total)

    def _post(self, tweet: TwcsTweet, by_id: dict, total: int) -> None:
        body = json.dumps(payload(tweet, by_id, self.target.account), separators=(",", ":"),
                          ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json",
                   SIGNATURE_HEADER: webhook_signature(self.target.consumer_secret, body)}
        error, duplicate = "", False
        try:
            response = self._http.post(self.target.webhook_url, content=body, headers=headers)
            if response.is_success:
                duplicate = bool(response.json().get("duplicate"))
            else:
                error = f"tweet {tweet.tweet_id}: HTTP {response.status_code}"
        except (httpx.HTTPError, ValueError) as exc:
            error = f"tweet {tweet.tweet_id}: {type(exc).__name__}"
        self._count(error, duplicate, total)

    def _count(self, error: str, duplicate: bool, total: int) -> None:
        with self._lock:
            summary = self.summary
            summary.sent += 1
            if error:
                summary.failed += 1
                if len(summary.errors) < 10:
                    summary.errors.append(error)
            else:
                summary.accepted += 1
                summary.duplicates += duplicate
            if self._progress and (summary.sent % self._every == 0 or summary.sent == total):
                self._progress(summary, total)
