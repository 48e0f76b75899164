"""The pipeline's steps as their owning apps provide them: the conversations batch writes then
announces, engagement figures are an action, routing sets priority, dedupe drops repeats."""

import itertools
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import transaction

from heedful.channels.base import EngagementUpdate, Handle, InboundMessage, ParsedEvent
from heedful.contacts.models import Contact
from heedful.conversations import bulk
from heedful.conversations.engagement import record_engagement
from heedful.conversations.models import Conversation, Message, Priority
from heedful.events import names
from heedful.ingestion import pipeline
from heedful.ingestion.models import InboundEvent
from heedful.routing.triage import prioritise

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_keys = itertools.count(1)


@pytest.fixture
def channel(make_channel):
    return make_channel("api", {"inbound_token": "t"})


def _apply(channel, *parsed: ParsedEvent) -> list[pipeline.Outcome]:
    """Run the steps after normalize for already-parsed events, as one batch."""
    with transaction.atomic():
        events = [InboundEvent.objects.create(channel=channel, provider="api", event_key=f"k-{next(_keys)}",
                                              raw=b"{}") for _ in parsed]
        events = list(InboundEvent.objects.select_related("channel").filter(pk__in=[e.pk for e in events])
                      .order_by("pk"))
        outcomes = pipeline.apply(events, {e.pk: p for e, p in zip(events, parsed, strict=True)})
    return [outcomes[e.pk] for e in events]


def _msg(pid: str, text: str = "Where is my parcel?", **extra) -> InboundMessage:
    return InboundMessage(provider_message_id=pid, sender=Handle(kind="api", handle="u-1", display_name="Ann"),
                          text=text, sent_at=AT, **extra)


def test_flush_writes_and_announce_tells(channel, heard):
    contact = Contact.objects.create(name="Ann")
    old = Conversation.objects.create(channel=channel, contact=contact, status="resolved",
                                      created_at=AT, last_activity_at=AT)
    with transaction.atomic():
        batch = bulk.ConversationBatch()
        new = batch.open(channel, contact, public=False, subject="Hi", thread_key="", at=AT)
        first = batch.append(new, [], direction="in", text="hello", sent_at=AT)
        again = batch.append(bulk.lock_conversations([old.pk])[old.pk], [], direction="in", text="again",
                             sent_at=AT + timedelta(minutes=1))
        batch.flush(lambda message, attachments: None)
    assert Message.objects.count() == 2 and heard == []  # written, not yet announced

    with transaction.atomic():
        batch.announce()
    assert heard == [
        (names.CONVERSATION_CREATED, {"conversation_id": new.pk, "channel_id": channel.pk}),
        (names.MESSAGE_CREATED, {"message_id": first.pk, "conversation_id": new.pk, "direction": "in",
                                 "snoozed": False}),
        (names.MESSAGE_CREATED, {"message_id": again.pk, "conversation_id": old.pk, "direction": "in",
                                 "snoozed": False}),
        (names.CONVERSATION_REOPENED, {"conversation_id": old.pk}),
    ]


def test_pipeline_announces_what_it_stored_and_links_each_message_to_its_event(channel, heard):
    first, second = _apply(channel, ParsedEvent(messages=[_msg("m-1")]),
                           ParsedEvent(messages=[_msg("m-2", "Any news?", reply_to_ids=["m-1"])]))
    conversation = Conversation.objects.get()
    messages = {m.provider_message_id: m for m in Message.objects.all()}
    assert [m.pk for m in first.created] == [messages["m-1"].pk]
    assert [m.pk for m in second.created] == [messages["m-2"].pk]
    events = list(InboundEvent.objects.order_by("pk").values_list("pk", flat=True))
    assert [messages["m-1"].inbound_event_id, messages["m-2"].inbound_event_id] == events
    assert [name for name, _ in heard] == [names.CONVERSATION_CREATED, names.MESSAGE_CREATED, names.MESSAGE_CREATED]
    assert {p["conversation_id"] for _, p in heard} == {conversation.pk}


def test_a_message_repeated_in_one_batch_is_stored_once(channel):
    first, second = _apply(channel, ParsedEvent(messages=[_msg("m-1")]), ParsedEvent(messages=[_msg("m-1")]))
    assert len(first.created) == 1 and first.duplicates == 0
    assert second.created == [] and second.duplicates == 1 and second.status == "done"
    (replayed,) = _apply(channel, ParsedEvent(messages=[_msg("m-1")]))
    assert replayed.duplicates == 1 and Message.objects.count() == 1


def test_engagement_figures_merge_into_the_stored_post(channel, heard):
    _apply(channel, ParsedEvent(messages=[_msg("m-1")]))
    heard.clear()
    (outcome,) = _apply(channel, ParsedEvent(engagements=[EngagementUpdate("m-1", {"likes": 3, "retweets": 1})]))
    assert outcome.engagements == 1
    assert record_engagement(channel, "m-1", {"likes": 5}) == 1
    assert Message.objects.get().metadata["engagement"] == {"likes": 5, "retweets": 1}
    conversation_id = Conversation.objects.get().pk
    assert heard == [(names.CONVERSATION_UPDATED, {"conversation_id": conversation_id})] * 2

    (unknown,) = _apply(channel, ParsedEvent(engagements=[EngagementUpdate("never-seen", {"likes": 1})]))
    assert unknown.engagements == 0 and unknown.status == "ignored"


def test_routing_raises_priority_for_reach_and_anger_only_for_customers():
    def conversation():
        return Conversation(public=True, score=0.0, priority=Priority.NORMAL)

    famous = SimpleNamespace(followers_count=2_000_000, verified=True)
    angry = _msg("m-1", "This is terrible, worst service ever", public=True)

    routed = conversation()
    prioritise(routed, famous, angry, sentiment=-0.9)
    assert routed.priority == Priority.URGENT and routed.sentiment == -0.9 and routed.score > 6

    for msg in (_msg("m-2", direction="out"), _msg("m-3", automated=True)):
        untouched = conversation()
        prioritise(untouched, famous, msg, sentiment=-0.9)
        assert (untouched.priority, untouched.score, untouched.sentiment) == (Priority.NORMAL, 0.0, None)
