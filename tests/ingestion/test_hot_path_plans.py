"""Every read the pipeline makes for a batch is answered from an index, whatever the desk size.

A batch of 150 events (more ids than PostgreSQL's 100-element limit for proving a partial index
fits an IN list) goes through the real pipeline; each SELECT it sent is explained again with
sequential scans turned off. On the big tables a Seq Scan then means no index fits the query:
on a desk of millions it reads them whole, once per batch. (It happened: the dedupe read and the
erased-handle read.) A trigram index answering an equality also counts: it is there for
substring search, and the planner prefers reading the table whole to it on a real desk."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from heedful.ingestion import actions
from heedful.ingestion.models import InboundEvent

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="plans of PostgreSQL indexes")]
BIG_TABLES = ("conversations_message", "conversations_conversation", "contacts_identity", "contacts_contact",
              "ingestion_inboundevent", "routing_conversationrouting")


def _events(channel, start: int, n: int, delivery: int = 0) -> list[int]:
    rows = [InboundEvent(channel=channel, provider="api", event_key=f"api:{channel.pk}-{delivery}-{i}",
                         content_type="application/json",
                         next_attempt_at=timezone.now(),
                         raw=json.dumps({"id": f"m-{i}", "from": {"id": f"u-{i}", "name": f"Customer {i}"},
                                         "text": f"my order {i} is late"}).encode())
            for i in range(start, start + n)]
    return [e.pk for e in InboundEvent.objects.bulk_create(rows)]


def _partial_indexes() -> set[str]:
    """Partial indexes are small by design (pending events): reading one whole is their use."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%% WHERE %%'")
        return {row[0] for row in cursor.fetchall()}


def _full_reads(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN " + sql)
            lines = [row[0] for row in cursor.fetchall()]
        finally:
            cursor.execute("RESET enable_seqscan")
    found = []
    for n, line in enumerate(lines):
        scan = re.search(r"(Seq Scan|Index Scan|Index Only Scan|Bitmap Index Scan) (?:using (\w+) )?on (\w+)", line)
        if not scan:
            continue
        kind, index, table = scan.groups()
        if kind == "Seq Scan" and table in BIG_TABLES:
            found.append(f"{table}: read whole")
        elif kind == "Bitmap Index Scan" and table.endswith("_trgm"):  # "on <index>" for bitmaps
            found.append(f"{table}: a substring index for an equality")
        elif kind != "Seq Scan" and kind != "Bitmap Index Scan" and table in BIG_TABLES:
            # An index walked end to end, filtering, has no Index Cond under its node.
            depth = len(line) - len(line.lstrip(" ->"))
            below = []
            for later in lines[n + 1:]:
                if "->" in later or len(later) - len(later.lstrip()) < depth:
                    break
                below.append(later)
            if not any("Index Cond" in b for b in below) and index not in _partial_indexes():
                found.append(f"{table}: {index} read whole")
    return found


def test_a_batch_reads_the_big_tables_only_through_indexes(make_channel):
    channel = make_channel("api", {"inbound_token": "t"})
    actions.process(_events(channel, 0, 150))  # the senders exist now: the next batch finds and links them
    again = _events(channel, 75, 150, delivery=1)  # half known senders and stored ids, half new
    with CaptureQueriesContext(connection) as queries:
        actions.process(again)
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(selects) > 5
    scans = {sql[:200]: tables for sql in selects if (tables := _full_reads(sql))}
    assert not scans, scans
