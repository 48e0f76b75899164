"""Rollups: filled incrementally by the listeners, recomputed by `heedful rebuild-rollups` to the
same numbers; recording costs a fixed number of queries per batch, whatever its size."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from heedful.analytics import query, recorder
from heedful.analytics.models import Bypass, Kind, ReportingEvent, ResponseTimeRollup, Rollup
from heedful.analytics.reports import REPORTS
from heedful.analytics.rollups import bucket
from heedful.contacts.models import Contact
from heedful.conversations import actions
from heedful.conversations.labels import set_labels
from heedful.conversations.models import Direction
from heedful.core.clock import now
from heedful.outbound import replies


def snapshot() -> dict:
    f = query.filters(since=(now() - timedelta(days=60)).isoformat(), until=(now() + timedelta(days=1)).isoformat())
    fields = [f.name for f in Rollup._meta.fields if f.name != "id"]
    rows = sorted(json.dumps(r, sort_keys=True, default=str) for r in Rollup.objects.values(*fields))
    hist = sorted((r.day, r.provider, r.label, r.bucket, r.count) for r in ResponseTimeRollup.objects.all())
    return {"rollups": rows, "hist": hist, "reports": {name: fn(f) for name, fn in REPORTS.items()}}


@pytest.fixture
def history(make_channel, agent):
    """Customers over three weeks on two channels: answers, resolutions, a reopen, labels."""
    email, chat = make_channel("email", name="mail"), make_channel("api", name="chat")
    start = now() - timedelta(days=20)
    for i in range(6):
        contact = Contact.objects.create(name=f"customer {i}")
        for n, channel in enumerate((email, chat)[: 1 + i % 2]):
            at = start + timedelta(days=i * 3 + n, hours=i)
            with transaction.atomic():
                conv = actions.open_conversation(channel, contact, at=at)
                actions.append_message(conv, direction=Direction.IN, text="help", sent_at=at)
                if i % 3:
                    actions.append_message(conv, direction=Direction.OUT, text="on it", author_user=agent,
                                           sent_at=at + timedelta(minutes=7 * (i + 1)))
            if i % 3:
                set_labels(agent, conv, ["refund"] if i % 2 else ["login", "refund"])
                with transaction.atomic():
                    actions.resolve(agent, conv)
            if i == 4:
                with transaction.atomic():
                    actions.reopen(agent, conv)
    return email, chat


def test_rebuild_gives_the_same_numbers(history):
    live = snapshot()
    assert live["rollups"] and any('"label": "refund"' in r for r in live["rollups"])
    resolution = {r["channel"]: r for r in live["reports"]["resolution"]}
    assert resolution["email"]["conversations"] == 6 and resolution["api"]["conversations"] == 3
    out = StringIO()
    call_command("rebuild_rollups", "--quiet", stdout=out)
    assert "Rebuilt rollups from" in out.getvalue()
    assert snapshot() == live
    Rollup.objects.all().delete()
    assert snapshot() != live  # the reports do read the rollups
    call_command("rebuild_rollups", "--quiet", stdout=StringIO())
    assert snapshot() == live


def test_backfill_records_a_desk_older_than_its_analytics(history):
    live = snapshot()["reports"]
    for model in (ReportingEvent, Rollup, ResponseTimeRollup, Bypass):
        model.objects.all().delete()
    assert all(not rows for rows in snapshot()["reports"].values())
    call_command("rebuild_rollups", "--backfill", "--quiet", stdout=StringIO())
    again = snapshot()["reports"]
    for name in ("repeat-contacts", "channel-bypass", "demand"):
        assert again[name] == live[name], name
    assert [{**r, "resolved": 0} for r in again["volume"]] == [{**r, "resolved": 0} for r in live["volume"]]
    # a conversation reopened since cannot tell of its earlier resolution: only resolved ones count
    assert sum(r["resolved"] for r in again["resolution"]) == sum(r["resolved"] for r in live["resolution"]) - 1


def test_label_rows_and_first_response_histogram(history):
    f = query.filters(since=(now() - timedelta(days=60)).isoformat(), label="login")
    rows = REPORTS["resolution"](f)
    assert sum(r["resolved"] for r in rows) == sum(
        1 for e in ReportingEvent.objects.filter(kind=Kind.RESOLVED) if "login" in e.labels.split(","))
    assert (bucket(59), bucket(61), bucket(3661), bucket(7000), bucket(90061)) == (59, 60, 3600, 6600, 86400 + 3600)
    all_rows = REPORTS["resolution"](query.filters(since=(now() - timedelta(days=60)).isoformat()))
    seconds = sorted(e.value for e in ReportingEvent.objects.filter(kind=Kind.FIRST_RESPONSE, provider="email"))
    email = next(r for r in all_rows if r["channel"] == "email")
    assert email["first_response_median_seconds"] == bucket(seconds[(len(seconds) - 1) // 2])


def test_recording_a_batch_costs_the_same_queries_whatever_its_size(make_channel):
    channel = make_channel("api")

    def batch(n: int) -> list[int]:
        ids = []
        with transaction.atomic():
            for i in range(n):
                conv = actions.open_conversation(channel, Contact.objects.create(name=f"c{n}-{i}"))
                ids.append(actions.append_message(conv, direction=Direction.IN, text="hi", sent_at=now()).pk)
        return ids

    small, big = batch(3), batch(40)
    ReportingEvent.objects.all().delete()
    with CaptureQueriesContext(connection) as few:
        recorder.record(messages=small, opened={m.conversation_id for m in _messages(small)})
    with CaptureQueriesContext(connection) as many:
        recorder.record(messages=big, opened={m.conversation_id for m in _messages(big)})
    assert len(many) == len(few)
    assert ReportingEvent.objects.filter(kind=Kind.MESSAGE_IN).count() == 43


def _messages(ids):
    from heedful.conversations.models import Message

    return list(Message.objects.filter(pk__in=ids))


def test_report_command_prints_csv_and_json(history):
    out = StringIO()
    call_command("report", "resolution", "--since", (now() - timedelta(days=60)).date().isoformat(),
                 "--format", "csv", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("channel,conversations,resolved,fcr_rate,one_touch_rate,reopen_rate")
    assert {line.split(",")[0] for line in lines[1:]} == {"api", "email"}
    out = StringIO()
    call_command("report", "channel-bypass", "--format", "json", "--since", "2000-01-01", stdout=out)
    body = json.loads(out.getvalue())
    assert body["report"] == "channel-bypass" and {r["from_channel"] for r in body["rows"]} == {"email"}


def test_agent_reply_after_survey_is_not_a_response(make_channel, agent):
    """A survey is an automated message: it is neither a reply nor the first response."""
    channel = make_channel("api")
    with transaction.atomic():
        conv = actions.open_conversation(channel, Contact.objects.create(name="x"))
        actions.append_message(conv, direction=Direction.IN, text="hi", sent_at=now())
    replies.reply(None, conv, "A quick survey", automated=True)
    conv.refresh_from_db()
    assert conv.replies_count == 0 and conv.first_response_at is None
    assert not ReportingEvent.objects.filter(kind=Kind.FIRST_RESPONSE).exists()
