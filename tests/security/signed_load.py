"""A load of Twitter webhooks, each signed as Twitter signs it, posted over real HTTP from a few
threads. A webhook that gets no 2xx is posted again, as Twitter redelivers; what matters is
what was acknowledged."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx

from heedful.channels.providers.twitter.signing import SIGNATURE_HEADER, webhook_signature
from heedful.channels.providers.twitter.twcs import Account, TwcsTweet, payload

BRAND = {"user_id": "4000", "screen_name": "heedfulhelp", "consumer_secret": "load-test-consumer-secret"}
WORDS = ("parcel", "refund", "invoice", "login", "delivery", "voucher", "router", "booking")


class SignedTweets:
    def __init__(self, webhook_url: str, count: int, *, customers: int = 40):
        self.url, self.count = webhook_url, count
        start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        account = Account(BRAND["user_id"], BRAND["screen_name"])
        self.texts: dict[str, str] = {}
        self.bodies: dict[str, bytes] = {}
        for i in range(count):
            tweet_id = str(1_900_000_000_000_000_000 + i)
            text = f"@heedfulhelp my {WORDS[i % len(WORDS)]} question number {i} is still open"
            tweet = TwcsTweet(tweet_id=tweet_id, author_id=str(7_000 + i % customers), inbound=True,
                              created_at=start + timedelta(seconds=i), text=text, response_ids=(), in_response_to="")
            self.texts[tweet_id] = text
            self.bodies[tweet_id] = json.dumps(payload(tweet, {}, account), separators=(",", ":")).encode()
        self.acknowledged: dict[str, bool] = {}  # tweet id -> answered as a duplicate
        self.redelivered: set[str] = set()  # ids whose first post got no 2xx
        self.unanswered: set[str] = set()  # ids never acknowledged before the deadline
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, *, concurrency: int = 8, deadline: float = 150.0) -> None:
        self._thread = threading.Thread(target=self._run, args=(concurrency, time.monotonic() + deadline), daemon=True)
        self._thread.start()

    def join(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def acked(self) -> int:
        return len(self.acknowledged)

    def _run(self, concurrency: int, deadline: float) -> None:
        limits = httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=0)
        with httpx.Client(timeout=10.0, limits=limits) as http, ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda tweet_id: self._deliver(http, tweet_id, deadline), self.bodies))

    def _deliver(self, http: httpx.Client, tweet_id: str, deadline: float) -> None:
        body = self.bodies[tweet_id]
        headers = {"Content-Type": "application/json",
                   SIGNATURE_HEADER: webhook_signature(BRAND["consumer_secret"], body)}
        first = True
        while time.monotonic() < deadline:
            try:
                response = http.post(self.url, content=body, headers=headers)
            except httpx.HTTPError:
                response = None
            if response is not None and response.is_success:
                with self._lock:
                    self.acknowledged[tweet_id] = bool(response.json().get("duplicate"))
                return
            if first:
                with self._lock:
                    self.redelivered.add(tweet_id)
                first = False
            time.sleep(0.3)
        with self._lock:
            self.unanswered.add(tweet_id)

    def summary(self) -> str:
        duplicates = sum(self.acknowledged.values())
        return (f"{self.count} signed webhooks: {self.acked} acknowledged, {len(self.redelivered)} redelivered "
                f"after a failed post ({duplicates} of them answered 'duplicate': stored before the failure), "
                f"{len(self.unanswered)} never acknowledged")
