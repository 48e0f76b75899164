"""A replay of the first 1,000 rows of Customer Support on Twitter: every conversation leaves the
pipeline with a priority score and its explanation, and the list sorts by it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from heedful.conversations.models import Conversation
from heedful.routing.models import ConversationRouting
from tests.conftest import shared_data
from tests.providers.twitter.conftest import BRAND


def _all(api, url):
    found = []
    while url:
        page = api.get(url).json()
        found += page["results"]
        url = page["next"]
    return found


@pytest.mark.slow
def test_every_replayed_conversation_has_a_priority_with_its_reasons(live_server, api, make_channel):
    path = shared_data("twcs", "twcs_head_1000rows.csv")
    brand = make_channel("twitter", dict(BRAND), name="@heedfulhelp")
    out = StringIO()
    call_command("replay_twcs", str(path), "--channel", str(brand.pk), "--url", live_server.url,
                 "--concurrency", "4" if connection.vendor == "postgresql" else "1", stdout=out)
    assert "sent 1000, accepted 1000 (duplicates 0), failed 0" in out.getvalue()

    conversations = _all(api, "/api/v1/conversations?ordering=priority&page_size=200")
    assert len(conversations) == Conversation.objects.count() > 100
    assert ConversationRouting.objects.count() == len(conversations)
    for c in conversations:
        factors = {r["factor"] for r in c["priority_reasons"]}
        assert {"visibility", "sentiment", "repeat_contact"} <= factors, c["id"]
        assert all(set(r) == {"factor", "weight", "detail"} and r["detail"] for r in c["priority_reasons"])
        assert c["priority_score"] == pytest.approx(sum(r["weight"] for r in c["priority_reasons"]))
    scores = [c["priority_score"] for c in conversations]
    assert scores == sorted(scores, reverse=True)
    # tweets mentioning the brand are public; angry ones outrank the calm ones
    angry = [c for c in conversations if any(r["detail"] == "angry" for r in c["priority_reasons"])]
    calm = [c for c in conversations if any(r["detail"] in ("calm", "positive") for r in c["priority_reasons"])]
    assert angry and calm
    assert min(c["priority_score"] for c in angry) > min(c["priority_score"] for c in calm)
    assert all(any(r["detail"] == "public" for r in c["priority_reasons"]) for c in angry if c["public"])
    # customers who wrote more than once within a week are flagged as repeat contacts
    assert any(r["factor"] == "repeat_contact" and r["weight"] > 0 for c in conversations for r in c["priority_reasons"])
