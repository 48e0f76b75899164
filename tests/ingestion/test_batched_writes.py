"""Batched writes the ingestion hot path relies on: many rows updated in one statement, and a
processing job that takes the other fresh events of its channel along."""

import json
from datetime import timedelta

from django.utils import timezone

from heedful.contacts.models import Contact
from heedful.conversations.models import Conversation, Message
from heedful.core.bulk_update import update_rows
from heedful.ingestion import actions
from heedful.ingestion.models import InboundEvent


def test_update_rows_writes_every_field_of_every_row(make_channel):
    channel = make_channel("api", {"inbound_token": "t"})
    contact = Contact.objects.create(name="Ann")
    at = timezone.now()
    rows = [Conversation.objects.create(channel=channel, contact=contact, created_at=at, last_activity_at=at)
            for _ in range(3)]
    for n, conversation in enumerate(rows):
        conversation.messages_count = n + 5
        conversation.preview = f"it's \\ {n} 'quoted' ü"
        conversation.sentiment = None if n == 0 else -0.5 * n
        conversation.last_activity_at = at + timedelta(minutes=n)
        conversation.status = "resolved" if n == 2 else "pending"

    update_rows(rows, ["messages_count", "preview", "sentiment", "last_activity_at", "status"])

    for n, stored in enumerate(Conversation.objects.order_by("pk")):
        assert stored.messages_count == n + 5
        assert stored.preview == f"it's \\ {n} 'quoted' ü"
        assert stored.sentiment == (None if n == 0 else -0.5 * n)
        assert stored.last_activity_at == at + timedelta(minutes=n)
        assert stored.status == ("resolved" if n == 2 else "pending")


def _pending(channel, n: int) -> InboundEvent:
    body = json.dumps({"id": f"m-{channel.pk}-{n}", "from": {"id": f"u-{n}"}, "text": f"hello {n}"}).encode()
    return InboundEvent.objects.create(channel=channel, provider="api", event_key=f"api:{channel.pk}-{n}",
                                       raw=body, content_type="application/json", next_attempt_at=timezone.now())


def test_a_job_takes_the_other_fresh_events_of_its_channel(make_channel):
    busy, other = make_channel("api", {"inbound_token": "a"}), make_channel("api", {"inbound_token": "b"})
    first = [_pending(busy, n) for n in range(5)]
    elsewhere = _pending(other, 0)

    counts = actions.process([first[0].pk])

    assert counts == {"done": 5}
    assert set(InboundEvent.objects.filter(channel=busy).values_list("status", flat=True)) == {"done"}
    assert Message.objects.filter(channel=busy).count() == 5
    stored = dict(Message.objects.filter(channel=busy).values_list("provider_message_id", "inbound_event_id"))
    assert stored == {f"m-{busy.pk}-{n}": event.pk for n, event in enumerate(first)}  # each from its event
    elsewhere.refresh_from_db()
    assert elsewhere.status == "pending"  # another channel's events wait for their own job
    assert actions.process([first[3].pk]) == {}  # already done by the first job


def test_update_rows_keeps_json_and_encrypted_fields_as_django_would(make_channel):
    channel = make_channel("api", {"inbound_token": "t"})
    event = InboundEvent.objects.create(channel=channel, provider="api", event_key="api:x", raw=b"{}",
                                        content_type="application/json", next_attempt_at=timezone.now())
    event.result = {"created": [1, 2], "ignored": ["it's \"quoted\""], "nested": {"ü": None}}
    event.processed_at, event.status = timezone.now(), "done"
    channel.credentials = {"inbound_token": "rotated ü"}

    update_rows([event], ["result", "processed_at", "status"])
    update_rows([channel], ["credentials"])

    event.refresh_from_db()
    assert event.result == {"created": [1, 2], "ignored": ["it's \"quoted\""], "nested": {"ü": None}}
    assert event.status == "done" and event.processed_at is not None
    channel.refresh_from_db()
    assert channel.credentials == {"inbound_token": "rotated ü"}


def test_insert_rows_sets_ids_and_writes_every_field(make_channel):
    from heedful.core.bulk_insert import insert_rows

    channel = make_channel("api", {"inbound_token": "t"})
    contact = Contact.objects.create(name="Ann")
    at = timezone.now()
    opened = [Conversation(channel=channel, contact=contact, subject=f"s{n}", created_at=at, last_activity_at=at)
              for n in range(3)]
    insert_rows(opened)
    messages = [Message(conversation=c, channel_id=channel.pk, direction="in", text=f"tab\there \\ 'q' ü {n}",
                        provider_message_id=f"p{n}", sent_at=at + timedelta(seconds=n), public=n == 1,
                        sentiment=None if n else -0.25, metadata={"engagement": {"likes": n}, "t": "a\nb"})
                for n, c in enumerate(opened)]
    insert_rows(messages)

    assert all(c.pk for c in opened) and all(m.pk for m in messages)
    for n, m in enumerate(messages):
        stored = Message.objects.get(pk=m.pk)
        assert stored.conversation_id == opened[n].pk
        assert stored.text == f"tab\there \\ 'q' ü {n}"
        assert stored.metadata == {"engagement": {"likes": n}, "t": "a\nb"}
        assert stored.sent_at == at + timedelta(seconds=n)
        assert stored.public is (n == 1) and stored.sentiment == (None if n else -0.25)
        assert stored.created_at is not None  # auto_now_add, as save() would
        assert stored.delivery_status == "received"  # the field's default
