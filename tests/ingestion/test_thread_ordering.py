"""Order per thread, not per channel: one busy mailbox's batches run side by side on PostgreSQL.

Two workers' batches of the same email channel: a batch of another thread goes on while the
first holds its thread; a reply to the held thread waits for it; and a reply whose parent is
stored but not processed yet (another worker has it) is held and joins the parent's
conversation, instead of opening one of its own.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from django.db import connection, connections

from heedful.contacts import linking
from heedful.conversations.models import Conversation, Message
from heedful.core import jobs
from heedful.ingestion.models import EventStatus, InboundEvent
from heedful.ingestion.pipeline import process_events
from heedful.ingestion.store import store_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _analytics_flushed(transactional_db):
    """Celery mode buffers analytics for a timer thread; record them while the database is here."""
    yield
    from heedful.analytics import recorder

    recorder.flush()


def mail(message_id: str, sender: str, text: str, *parents: str) -> bytes:
    lines = [f"From: {sender}", "To: support@brand.example", f"Subject: {'Re: ' if parents else ''}Parcel",
             f"Date: {format_datetime(datetime(2026, 3, 2, 9, len(parents), tzinfo=UTC))}",
             f"Message-ID: {message_id}"]
    if parents:
        lines += [f"In-Reply-To: {parents[-1]}", f"References: {' '.join(parents)}"]
    return ("\r\n".join(lines) + "\r\n\r\n" + text + "\r\n").encode()


@pytest.fixture
def channel(make_channel, settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks: PostgreSQL")
    settings.HEEDFUL_JOBS = "celery"  # as in production: jobs run apart, so a reply may be held
    queued = []
    monkeypatch.setattr(jobs, "_dispatch", lambda name, args, delay=0.0: queued.append((name, args, delay)))
    return make_channel("email", {"address": "support@brand.example", "inbound_token": "t"})


def stored(channel, raw: bytes) -> int:
    from heedful.channels.providers.email.inbound import event_key

    return store_event(channel, "email", event_key(raw), raw, "message/rfc822")[0].pk


def in_thread(fn):
    result: dict = {}

    def run():
        try:
            result["value"] = fn()
        finally:
            connections.close_all()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    return worker, result


def test_other_threads_of_a_channel_run_beside_a_busy_one_and_replies_wait(channel, monkeypatch):
    first = stored(channel, mail("<t1@customer.test>", "Ann <ann@customer.test>", "Where is my parcel?"))
    other = stored(channel, mail("<u1@customer.test>", "Bob <bob@customer.test>", "My invoice is wrong"))
    reply = stored(channel, mail("<t2@customer.test>", "Ann <ann@customer.test>", "Any news?",
                                 "<t1@customer.test>"))
    inside, release = threading.Event(), threading.Event()
    original = linking.after_messages

    def slow_linking(channel_, stored_):
        if any(m.provider_message_id == "<t1@customer.test>" for _, m in stored_):
            inside.set()  # the first batch holds its thread's lock, inside its transaction
            assert release.wait(20)
        return original(channel_, stored_)

    monkeypatch.setattr(linking, "after_messages", slow_linking)
    busy, _ = in_thread(lambda: process_events([first]))
    assert inside.wait(20)

    beside, done = in_thread(lambda: process_events([other]))
    beside.join(10)
    assert not beside.is_alive() and done["value"] == {EventStatus.DONE: 1}  # did not wait for Ann's

    waiting, answer = in_thread(lambda: process_events([reply]))
    waiting.join(1.5)
    assert waiting.is_alive()  # the same thread: it waits for the first batch to commit
    release.set()
    busy.join(20)
    waiting.join(20)
    assert answer["value"] == {EventStatus.DONE: 1}
    ann = Message.objects.get(provider_message_id="<t1@customer.test>").conversation_id
    assert Message.objects.get(provider_message_id="<t2@customer.test>").conversation_id == ann
    assert Conversation.objects.count() == 2


def test_a_reply_processed_before_its_stored_parent_is_held_then_joins_it(channel):
    parent = stored(channel, mail("<p1@customer.test>", "Ann <ann@customer.test>", "Where is my parcel?"))
    child = stored(channel, mail("<p2@customer.test>", "Ann <ann@customer.test>", "Hello? Anyone?",
                                 "<p1@customer.test>"))
    # Another worker took the reply's batch first (or the parent's batch is still parsing).
    assert process_events([child]) == {EventStatus.PENDING: 1}
    held = InboundEvent.objects.get(pk=child)
    assert held.result["held"] == ["<p1@customer.test>"] and held.attempts == 0
    assert not Message.objects.exists()

    assert process_events([parent]) == {EventStatus.DONE: 1}
    assert process_events([child]) == {EventStatus.DONE: 1}
    conversation = Conversation.objects.get()
    assert list(conversation.messages.order_by("id").values_list("provider_message_id", flat=True)) == [
        "<p1@customer.test>", "<p2@customer.test>"]


def test_a_reply_to_a_mail_never_stored_here_opens_its_conversation_at_once(channel):
    """Only a parent that is stored and pending is waited for: an unknown one is not."""
    child = stored(channel, mail("<q2@customer.test>", "Ann <ann@customer.test>", "Following up",
                                 "<sent-from-a-personal-mailbox@brand.example>"))
    assert process_events([child]) == {EventStatus.DONE: 1}
    assert Conversation.objects.count() == 1


def test_a_brand_reply_past_its_hold_window_waits_while_older_events_are_pending(make_channel, settings,
                                                                                monkeypatch):
    """Under a backlog a brand echo can be reached long after the short hold window; it keeps
    waiting while an event of its channel stored before it is still unprocessed (its parent
    may be that one), and is ignored as an orphan only once nothing older waits."""
    import json

    from tests.providers.twitter.conftest import BRAND, fixture_bytes

    if connection.vendor != "postgresql":
        pytest.skip("production mode: PostgreSQL")
    settings.HEEDFUL_JOBS = "celery"
    settings.HEEDFUL_INGEST_HOLD_SECONDS = 0  # the short window is already over
    monkeypatch.setattr(jobs, "_dispatch", lambda name, args, delay=0.0: None)
    twitter = make_channel("twitter", dict(BRAND), {"api_base_url": "http://127.0.0.1:9"})
    mention = store_event(twitter, "twitter", "mention", fixture_bytes("mention_tweet.json"))[0].pk
    echo = store_event(twitter, "twitter", "echo", fixture_bytes("brand_reply_tweet.json"))[0].pk

    assert process_events([echo]) == {EventStatus.PENDING: 1}  # the mention is still in the backlog
    assert process_events([mention]) == {EventStatus.DONE: 1}
    assert process_events([echo]) == {EventStatus.DONE: 1}
    mention_msg = Message.objects.get(direction="in")
    assert Message.objects.get(direction="out").conversation_id == mention_msg.conversation_id

    orphan = json.loads(fixture_bytes("brand_reply_tweet.json"))
    orphan["tweet_create_events"][0].update(id_str="1900000000000000099", in_reply_to_status_id_str="1900000000000000098")
    lost = store_event(twitter, "twitter", "orphan", json.dumps(orphan).encode())[0].pk
    assert process_events([lost]) == {EventStatus.IGNORED: 1}  # nothing older waits: a true orphan


def test_a_brand_reply_stored_just_before_its_parent_in_the_same_batch_waits(make_channel, settings, monkeypatch):
    """Two web processes: the echo got the lower id, its parent a moment later; one batch holds
    both and is reached long after the short window. The echo waits and joins its parent."""
    from tests.providers.twitter.conftest import BRAND, fixture_bytes

    if connection.vendor != "postgresql":
        pytest.skip("production mode: PostgreSQL")
    from datetime import timedelta

    from django.db.models import F

    settings.HEEDFUL_JOBS = "celery"
    settings.HEEDFUL_INGEST_HOLD_SECONDS = 5
    monkeypatch.setattr(jobs, "_dispatch", lambda name, args, delay=0.0: None)
    twitter = make_channel("twitter", dict(BRAND), {"api_base_url": "http://127.0.0.1:9"})
    echo = store_event(twitter, "twitter", "echo", fixture_bytes("brand_reply_tweet.json"))[0].pk
    mention = store_event(twitter, "twitter", "mention", fixture_bytes("mention_tweet.json"))[0].pk
    # Both were received 10 s ago: the short window is over when the backlog reaches them.
    InboundEvent.objects.filter(pk__in=[echo, mention]).update(received_at=F("received_at") - timedelta(seconds=10))

    assert process_events([echo, mention]) == {EventStatus.PENDING: 1, EventStatus.DONE: 1}
    assert InboundEvent.objects.get(pk=echo).status == EventStatus.PENDING
    assert process_events([echo]) == {EventStatus.DONE: 1}
    assert Message.objects.get(direction="out").conversation_id == Message.objects.get(direction="in").conversation_id
