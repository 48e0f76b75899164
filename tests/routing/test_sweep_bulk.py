"""The SLA sweep when many conversations change at once, and what the route step costs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from heedful.channels.base import ParsedEvent
from heedful.conversations import actions as conversation_actions
from heedful.conversations.models import Conversation, Priority
from heedful.events import dispatcher, names
from heedful.events.dispatcher import listen
from heedful.ingestion import pipeline
from heedful.ingestion.models import InboundEvent
from heedful.routing import sweep
from heedful.routing.models import Alert, ConversationRouting
from tests.contacts.support import channel, message

pytestmark = pytest.mark.django_db


def open_many(api, count: int, opened: datetime, prefix: str):
    email = channel("email")
    msgs = [message("email", f"{prefix}{i}@example.com", "Hello, where is my order?", sent_at=opened)
            for i in range(count)]
    event = InboundEvent.objects.create(channel=email, provider="email", event_key=prefix, raw=b"{}")
    event = InboundEvent.objects.select_related("channel").get(pk=event.pk)
    with transaction.atomic():
        pipeline.apply([event], {event.pk: ParsedEvent(messages=msgs)})
    return list(Conversation.objects.filter(channel=email).order_by("pk"))


def test_a_sweep_raises_hundreds_of_bands_with_the_same_few_statements(api):
    api.post("/api/v1/sla-policies", {"name": "Fast", "first_response_minutes": 60}, content_type="application/json")
    opened = datetime.now(UTC).replace(microsecond=0)
    small = open_many(api, 5, opened, "s")
    big = open_many(api, 200, opened + timedelta(minutes=30), "b")
    conversation_actions.set_priority(None, big[0], Priority.URGENT)  # an agent's choice stays
    updated = []

    def heard(name, payload):
        updated.append(payload["conversation_id"])

    listen(names.CONVERSATION_UPDATED)(heard)

    def sweep_at(minutes):
        with CaptureQueriesContext(connection) as captured:
            result = sweep.sla_sweep(at=opened + timedelta(minutes=minutes))
        return result, len(captured.captured_queries)

    try:
        first, small_queries = sweep_at(61)  # the 5 breach; the 200 have 29 of 60 minutes left
        assert first["changed"] == 5 and first["raised"] == 5
        second, big_queries = sweep_at(91)  # now the 200 breach at once
        assert second["changed"] == 200 and second["raised"] == 199
    finally:
        dispatcher._listeners[names.CONVERSATION_UPDATED].remove(heard)
    assert big_queries <= small_queries, (small_queries, big_queries)  # per row it would be 400 more
    priorities = dict(Conversation.objects.filter(pk__in=[c.pk for c in big]).values_list("pk", "priority"))
    assert priorities.pop(big[0].pk) == Priority.URGENT  # the band only goes up
    assert set(priorities.values()) == {Priority.HIGH}
    assert set(updated) >= set(priorities)  # each change announced (after commit)
    assert {c.priority for c in Conversation.objects.filter(pk__in=[c.pk for c in small])} == {Priority.HIGH}
    assert Alert.objects.filter(kind="sla_breached").count() == 205
    states = ConversationRouting.objects.filter(pk__in=[c.pk for c in big])
    assert {s.sla_level for s in states} == {2} and {tuple(s.breached) for s in states} == {("first_response",)}
    assert api.get(f"/api/v1/conversations/{big[7].pk}").json()["sla"]["breached"] == ["first_response"]
    third, _ = sweep_at(95)
    assert third == {"checked": 205, "changed": 0, "alerts": 0, "raised": 0}  # told once


def test_each_event_records_its_share_of_the_route_step(api):
    twitter = channel("twitter")
    events = []
    for key, count in (("one", 1), ("three", 3)):
        event = InboundEvent.objects.create(channel=twitter, provider="twitter", event_key=key, raw=b"{}")
        events.append((InboundEvent.objects.select_related("channel").get(pk=event.pk), count))
    parsed = {e.pk: ParsedEvent(messages=[message("twitter", f"{e.event_key}-{i}", "my order is late", public=True)
                                          for i in range(n)]) for e, n in events}
    with transaction.atomic():
        outcomes = pipeline.apply([e for e, _ in events], parsed)
    one, three = (outcomes[e.pk].as_dict() for e, _ in events)
    assert one["route_us"] > 0 and one["route_cpu_us"] > 0
    assert three["route_us"] == pytest.approx(3 * one["route_us"], rel=0.05, abs=0.2)  # shared by messages
