"""The demo's insight story seeds real report data: bypasses, a lost FCR, survey answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from heedful.analytics import query
from heedful.analytics.reports import REPORTS
from heedful.channels.providers.twitter.fake import FakeTwitterAPI
from heedful.conversations.models import Message
from heedful.core.clock import now
from heedful.demo import insight, seed


@pytest.fixture
def x_api():
    with FakeTwitterAPI() as fake:
        yield fake


def test_demo_story_fills_the_reports(db, x_api):
    users = seed.ensure_users()
    email = seed.ensure_email_channel(9)  # nothing listens there: mail deliveries wait for retries
    twitter = seed.ensure_twitter_channel(x_api.base_url)
    assert insight.seed_insight(email, twitter, users["agent"]) >= 12
    f = query.filters(since=(now() - timedelta(days=20)).isoformat())
    assert REPORTS["channel-bypass"](f) == [
        {"from_channel": "email", "to_channel": "twitter", "customers": 4, "conversations": 4}]
    why = {(r["channel"], r["why"]): r["answers"] for r in REPORTS["why-channel"](f)}
    assert why[("twitter", "other_channel_no_answer")] == 3 and why[("twitter", "public_visibility")] == 1
    resolution = {r["channel"]: r for r in REPORTS["resolution"](f)}
    assert 0 < resolution["email"]["fcr_rate"] < 1 and resolution["twitter"]["resolved"] == 7
    assert sum(r["answers"] for r in REPORTS["csat"](f)) >= 10
    assert any(r["failure_demand"] for r in REPORTS["demand"](f))
    surveys = Message.objects.filter(channel=twitter, automated=True, direction="out")
    assert surveys.count() == 7 and not surveys.filter(public=True).exists()  # by DM only
    assert insight.seed_insight(email, twitter, users["agent"]) == 0
