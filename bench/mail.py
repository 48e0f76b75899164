"""Mail: the same RFC 822 mails through Heedful's email webhook and the peer's mail ingestion.

Heedful: the mails are POSTed as `message/rfc822` to `/hooks/email/<channel>` (Bearer inbound
token) of the running stack by a few parallel senders in a separate process, in delivery order;
the figure is mails fully processed per second, first receipt -> last message visible, as in
the ingest phase. The peer: bench.peer_mail. Both are checked for threading: one conversation
(ticket) per thread of mails.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import time

from bench import ingest, mail_gen, peer_mail, procs, traffic
from bench.config import OUT, ROOT, Settings, Sizes
from bench.procs import log

SEED = 11
WARMUP_THREADS = 5


def mailbox_addresses(shape: traffic.Shape) -> list[str]:
    brands = ingest.brands_for_channels(shape)[: mail_gen.MAILBOXES] or ["acme"]
    return [f"support@{re.sub(r'[^a-z0-9]', '', b.lower()) or 'acme'}.example.com" for b in brands]


def make_email_channels(addresses: list[str], team_id: int) -> list[tuple[int, str]]:
    """One email channel per support mailbox: (channel id, inbound token)."""
    from heedful.channels.models import Channel

    made = []
    for address in addresses:
        token = secrets.token_urlsafe(32)
        channel = Channel.objects.create(provider="email", name=address, team_id=team_id,
                                         credentials={"address": address, "inbound_token": token})
        made.append((channel.pk, token))
    return made


def send(settings: Settings, path, channels, senders: int, max_seconds: float) -> dict:
    out = OUT / f"{path.stem}-result.json"
    argv = [sys.executable, "-m", "bench.mail_sender", str(path), settings.base_url, "--senders", str(senders),
            "--max-seconds", str(max_seconds), "--out", str(out)]
    env = {**settings.app_env(), "BENCH_MAIL_CHANNELS": json.dumps(channels)}
    subprocess.run(argv, cwd=ROOT, env=env, check=True, timeout=max_seconds + 90)
    return json.loads(out.read_text())


def conversations(channel_ids: list[int]) -> int:
    from heedful.conversations.models import Conversation

    return Conversation.objects.filter(channel_id__in=channel_ids).count()


def heedful_side(settings: Settings, sizes: Sizes, stack, channels, mails, warmup) -> dict:
    ids = [c for c, _ in channels]
    before = ingest.last_event_id()
    send(settings, warmup, channels, 4, 60)
    ingest.wait_drained(before, sizes.drain_timeout)
    conversations_before = conversations(ids)
    before = ingest.last_event_id()
    groups = stack.memory_groups()
    cpu = procs.CpuAccount(groups)
    with procs.MemorySampler(groups) as memory:
        http = send(settings, mails, channels, sizes.mail_senders, max(60, sizes.mail_threads / 5))
        drained = ingest.wait_drained(before, sizes.drain_timeout)
    stats = ingest.phase_stats(before, ingest.last_event_id())
    stats.update(http=http, drained=drained, conversations=conversations(ids) - conversations_before,
                 memory_peak_mb=memory.peaks.total_mb, cpu=cpu.finish())
    return stats


def run(settings: Settings, sizes: Sizes, stack, people, shape, *, deadline: float) -> dict:
    addresses = mailbox_addresses(shape)
    started = time.monotonic()
    order = mail_gen.delivery_order(mail_gen.threads(shape, sizes.mail_threads, seed=SEED, mailboxes=addresses),
                                    seed=SEED)
    warm = [m for chain in mail_gen.threads(shape, WARMUP_THREADS, seed=SEED + 1, mailboxes=addresses)
            for m in chain]
    mails, warmup = OUT / "mails.jsonl", OUT / "mails-warmup.jsonl"
    mail_gen.write(mails, order)
    mail_gen.write(warmup, warm)
    threads = sizes.mail_threads
    log(f"mail: {len(order)} mails in {threads} threads ({time.monotonic() - started:.1f} s to write)")
    channels = make_email_channels(addresses, people.team_id)
    ours = heedful_side(settings, sizes, stack, channels, mails, warmup)
    log(f"mail: Heedful {ours['messages']} messages, {ours['processed_messages_per_s']} mails/s, "
        f"{ours['conversations']} conversations for {threads} threads, drained={ours['drained']}")
    theirs = peer_mail.run(settings, mails, warmup, addresses, deadline=deadline)
    log(f"mail: peer {theirs['mails_per_s']} mails/s, {theirs['tickets']} tickets for {threads} threads")
    heedful_rate, peer_rate = ours["processed_messages_per_s"], theirs["mails_per_s"]
    return {
        "mails": len(order), "threads": threads, "mailboxes": len(addresses),
        "mail_bytes_mean": round(sum(len(m.raw) for m in order) / len(order)),
        "multipart_share": round(sum(b"multipart/alternative" in m.raw for m in order) / len(order), 3),
        "heedful": ours, "peer": theirs,
        # what ran: the peer as its poller runs (one process); Heedful as the harness deploys it
        "processes": {"peer": theirs.get("processes", 1), "heedful_web": settings.web_workers,
                      "heedful_worker": settings.worker_concurrency},
        "heedful_mails_per_s": heedful_rate, "peer_mails_per_s": peer_rate,
        "ratio_heedful_to_peer": round(heedful_rate / peer_rate, 2) if heedful_rate and peer_rate else None,
        "heedful_conversations": ours["conversations"], "peer_tickets": theirs["tickets"],
        "heedful_threaded": ours["conversations"] == threads, "peer_threaded": theirs["tickets"] == threads,
    }
