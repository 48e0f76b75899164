"""Away and offline: business hours per channel and agents online decide what the widget says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from heedful.conversations.models import Conversation
from heedful.realtime import topics
from heedful.widget import availability
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db
HOURS = {"timezone": "Europe/Paris", "periods": [{"weekday": d, "start": "09:00", "end": "17:30"} for d in range(5)],
         "holidays": ["2026-12-25"]}


def test_business_hours_in_the_channels_time_zone():
    monday_10_paris = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert availability.within_hours(HOURS, monday_10_paris) == (True, None)
    friday_evening = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 18:00 in Paris
    open_now, opens_at = availability.within_hours(HOURS, friday_evening)
    assert not open_now and opens_at.isoformat() == "2026-12-07T09:00:00+01:00"  # Monday morning
    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=UTC)
    assert availability.within_hours(HOURS, christmas)[0] is False
    assert availability.within_hours(None, christmas) == (True, None)


def test_with_nobody_online_the_widget_is_away_and_asks_for_an_email(client, webchat, fresh_broker):
    ann = Visitor(client, webchat)
    assert ann.session["channel"]["availability"] == {"online": False, "reason": "no_agents", "opens_at": None,
                                                      "expected_wait_seconds": None}
    ann.say("Can you call me back?", email="Ann@Example.com")
    message = Conversation.objects.get().messages.get()
    assert message.metadata["email"] == "ann@example.com"  # kept for the answer, a claim only


def test_an_agent_with_a_workspace_page_open_makes_the_chat_online(client, webchat, fresh_broker):
    subscription = fresh_broker.subscribe([topics.INBOX, topics.user(7)])
    try:
        status = Visitor(client, webchat).session["channel"]["availability"]
        assert status["online"] is True and status["reason"] == "online"
    finally:
        subscription.close()


def test_outside_business_hours_the_widget_says_when_the_brand_is_back(client, make_channel, fresh_broker):
    closed = {"timezone": "UTC", "periods": [], "holidays": []}
    channel = make_channel("webchat", {}, {"allowed_origins": ["*"], "business_hours": closed})
    subscription = fresh_broker.subscribe([topics.user(7)])
    try:
        status = Visitor(client, channel).session["channel"]["availability"]
        assert status["reason"] == "closed" and status["online"] is False
    finally:
        subscription.close()
