"""The peer's side of the mail phase: django-helpdesk's own mail ingestion over the same mails.

`helpdesk.email.extract_email_metadata(message, queue, logger)` is what its mail poller
(`process_queue`) calls for each fetched mail: parse, thread by In-Reply-To, create the ticket
or follow-up, save the non-text parts as attachments and send its notification mails (to
Django's in-memory backend here). The same mails, in the same delivery order, one process, as
its poller runs; one queue per support mailbox.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from bench import peer
from bench.config import Settings
from bench.procs import log

MAIL_WORKLOAD = '''
"""python mail_workload.py setup ADDRESSES_JSON | ingest MAILS_JSONL WARMUP_JSONL"""
import json
import logging
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerdesk.settings")
import django

django.setup()
from django.core import mail as django_mail

from helpdesk.email import extract_email_metadata
from helpdesk.models import FollowUp, Queue, Ticket


def setup(addresses):
    for index, address in enumerate(addresses):
        Queue.objects.get_or_create(slug=f"mailbox{index}", defaults={
            "title": f"Mailbox {index}", "email_address": address, "allow_email_submission": True})


def read(path):
    with open(path) as fh:
        return [json.loads(line) for line in fh]


def deliver(mails, queues, logger, errors):
    for number, row in enumerate(mails):
        try:
            if extract_email_metadata(message=row["raw"], queue=queues[row["mailbox"]], logger=logger) is None:
                errors["no ticket"] = errors.get("no ticket", 0) + 1
        except Exception as exc:  # counted, not fatal: the figure says how many failed
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
        if number % 200 == 0 and hasattr(django_mail, "outbox"):
            django_mail.outbox.clear()  # its notification mails, kept in memory by the test backend


def ingest(path, warmup_path):
    queues = list(Queue.objects.filter(slug__startswith="mailbox").order_by("slug"))
    logger = logging.getLogger("helpdesk.bench")
    logger.setLevel(logging.WARNING)
    deliver(read(warmup_path), queues, logger, {})
    tickets0, followups0 = Ticket.objects.count(), FollowUp.objects.count()
    mails = read(path)
    errors = {}
    started = time.perf_counter()
    deliver(mails, queues, logger, errors)
    seconds = time.perf_counter() - started
    tickets, followups = Ticket.objects.count() - tickets0, FollowUp.objects.count() - followups0
    print(json.dumps({"mails": len(mails), "seconds": round(seconds, 3),
                      "mails_per_s": round(len(mails) / seconds, 1), "processes": 1,
                      "threads": len({row["thread"] for row in mails}), "tickets": tickets,
                      "followups": followups, "errors": errors}))


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(json.loads(sys.argv[2]))
    else:
        ingest(sys.argv[2], sys.argv[3])
'''


def run(settings: Settings, mails: Path, warmup: Path, addresses: list[str], *, deadline: float) -> dict:
    package = peer.ensure_venv(timeout=max(60, min(300, deadline - time.monotonic() - 60)))
    peer.write_project()
    shutil.rmtree(peer.PROJECT / "media", ignore_errors=True)  # the last run's saved mail parts
    (peer.PROJECT / "mail_workload.py").write_text(MAIL_WORKLOAD.lstrip())
    db_name = settings.db_name + "_peer_mail"
    started = time.monotonic()
    peer.migrated_database(settings, db_name)
    env = peer.peer_env(settings, db_name)
    python = str(peer.VENV / "bin" / "python")
    log(f"peer mail: database ready in {time.monotonic() - started:.1f} s; delivering the mails")
    peer._run([python, "mail_workload.py", "setup", json.dumps(addresses)], env, 60)
    out = peer._run([python, "mail_workload.py", "ingest", str(mails), str(warmup)], env,
                    max(60, deadline - time.monotonic() - 30))
    return {"peer": package, **json.loads(out.strip().splitlines()[-1])}
