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
from pathlib import Path

from bench.loadgen import Sender


class MailSender(Sender):
    """The load generator's senders, each POSTing raw mails to its mailbox's webhook."""

    def __init__(self, base_url: str, mails: list[tuple[int, bytes]], channels: list[tuple[int, str]],
                 senders: int, max_seconds: float):
        super().__init__(base_url, mails, rate=0, connections=senders, max_seconds=max_seconds)
        self.channels = channels

    def request(self, index: int) -> tuple[str, bytes, dict]:
        mailbox, raw = self.rows[index]
        channel_id, token = self.channels[mailbox]
        return (f"{self.base_url}/hooks/email/{channel_id}", raw,
                {"Content-Type": "message/rfc822", "Authorization": f"Bearer {token}"})

    def run(self) -> dict:
        return {**super().run(), "senders": self.connections}


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
