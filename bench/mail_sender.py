"""POST raw mails to Heedful's email webhook from a separate process, a few senders in parallel.

    python -m bench.mail_sender MAILS_JSONL BASE_URL --senders 8 --out result.json

MAILS_JSONL is bench.mail_gen's file (one mail a line, in delivery order). Each mailbox's
channel id and inbound token come from the environment (BENCH_MAIL_CHANNELS, a JSON list of
[channel_id, token] by mailbox index), so no secret is written to disk. Senders take the mails
in file order, as fast as the answers come back.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path

import httpx

from bench.loadgen import percentiles


class MailSender:
    def __init__(self, base_url: str, mails: list[tuple[int, bytes]], channels: list[tuple[int, str]],
                 senders: int, max_seconds: float):
        self.base_url, self.mails, self.channels = base_url.rstrip("/"), mails, channels
        self.senders, self.max_seconds = senders, max_seconds
        self.next, self.lock = 0, threading.Lock()
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.started = 0.0

    def _take(self) -> int | None:
        with self.lock:
            if self.next >= len(self.mails) or time.monotonic() - self.started > self.max_seconds:
                return None
            index, self.next = self.next, self.next + 1
            return index

    def _loop(self) -> None:
        with httpx.Client(timeout=30.0, limits=httpx.Limits(max_connections=1)) as client:
            while (index := self._take()) is not None:
                mailbox, raw = self.mails[index]
                channel_id, token = self.channels[mailbox]
                t0 = time.monotonic()
                try:
                    status = str(client.post(f"{self.base_url}/hooks/email/{channel_id}", content=raw, headers={
                        "Content-Type": "message/rfc822", "Authorization": f"Bearer {token}"}).status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                elapsed = (time.monotonic() - t0) * 1000
                with self.lock:
                    self.latencies.append(elapsed)
                    self.statuses[status] = self.statuses.get(status, 0) + 1

    def run(self) -> dict:
        self.started = time.monotonic()
        threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(self.senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(self.max_seconds + 60)
        duration = time.monotonic() - self.started
        ok = sum(n for s, n in self.statuses.items() if s.startswith("2"))
        return {"sent": len(self.latencies), "ok": ok, "statuses": self.statuses, "senders": self.senders,
                "duration_s": round(duration, 3), "ok_per_s": round(ok / duration, 1) if duration else 0,
                "latency_ms": percentiles(self.latencies)}


def read_mails(path: Path) -> list[tuple[int, bytes]]:
    with open(path) as fh:
        return [(row["mailbox"], row["raw"].encode("ascii")) for row in map(json.loads, fh)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mails_file", type=Path)
    parser.add_argument("base_url")
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    channels = [tuple(c) for c in json.loads(os.environ["BENCH_MAIL_CHANNELS"])]
    sender = MailSender(args.base_url, read_mails(args.mails_file), channels, args.senders, args.max_seconds)
    args.out.write_text(json.dumps(sender.run()))


if __name__ == "__main__":
    main()
