"""Deflection: a customer opened a suggestion and opened no conversation within the session."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from heedful.knowledge import actions, deflection
from heedful.knowledge.models import SuggestionOpen

pytestmark = pytest.mark.django_db


def _opened(client, article, session, surface="widget"):
    return client.post("/api/v1/knowledge/suggestions/opened",
                       json.dumps({"kind": "article", "id": article.pk, "session": session,
                                   "query": "card?", "surface": surface}), content_type="application/json")


def test_an_open_without_a_conversation_is_a_deflection_once_the_session_is_over(client, publish):
    article = publish("Card arrival", "Posted in 2 days.")
    assert _opened(client, article, "visitor-1").status_code == 201
    assert _opened(client, article, "visitor-2").status_code == 201
    _opened(client, article, "visitor-3", surface="new-topic")
    assert actions.record_conversation_opened("visitor-2") == 1
    since, until = timezone.now() - timedelta(hours=1), timezone.now() + timedelta(minutes=1)
    during = {r["surface"]: r for r in deflection.rows(since, until)}
    assert during["widget"]["pending"] == 1 and during["widget"]["conversations"] == 1
    assert during["widget"]["deflections"] == 0
    later = {r["surface"]: r for r in deflection.rows(since, until, now=timezone.now() + timedelta(hours=2))}
    assert later["widget"] == {"surface": "widget", "sessions": 2, "opens": 2, "conversations": 1,
                                    "deflections": 1, "pending": 0, "deflection_rate": 0.5}
    assert later["new-topic"]["deflections"] == 1


def test_a_conversation_after_the_session_window_does_not_undo_a_deflection(publish):
    article = publish("Card arrival", "Posted in 2 days.")
    actions.record_suggestion_opened("visitor-9", "article", article.pk)
    assert actions.record_conversation_opened("visitor-9", at=timezone.now() + timedelta(hours=3)) == 0
    assert SuggestionOpen.objects.get().conversation_opened_at is None


def test_opens_are_validated(client, publish):
    for body in ({"kind": "video", "id": 1, "session": "s"}, {"kind": "topic", "id": 0, "session": "s"},
                 {"kind": "topic", "id": 1, "session": "has space"}, {"kind": "topic", "id": 1}):
        bad = client.post("/api/v1/knowledge/suggestions/opened", json.dumps(body), content_type="application/json")
        assert bad.status_code == 422, body
    topic = client.post("/api/v1/knowledge/suggestions/opened",
                        json.dumps({"kind": "topic", "id": 41, "session": "s" * 64}), content_type="application/json")
    assert topic.status_code == 201
    assert SuggestionOpen.objects.count() == 1


def test_settled_sessions_feed_the_deflection_report_once(api, publish):
    article = publish("Card arrival", "Posted in 2 days.")
    for session in ("visitor-1", "visitor-2"):
        actions.record_suggestion_opened(session, "article", article.pk, surface="widget")
    actions.record_suggestion_opened("visitor-1", "topic", 5, surface="widget")
    actions.record_suggestion_opened("visitor-3", "article", article.pk, surface="new-topic")
    actions.record_conversation_opened("visitor-2")
    assert actions.settle_deflections() == 0  # every window is still open
    later = timezone.now() + timedelta(hours=2)
    assert actions.settle_deflections(now=later) == 2  # visitor-1 (two opens, one deflection), visitor-3
    assert actions.settle_deflections(now=later) == 0
    assert SuggestionOpen.objects.filter(settled_at__isnull=True).count() == 0
    since, until = (timezone.now() - timedelta(days=1)).isoformat(), (timezone.now() + timedelta(days=1)).isoformat()
    rows = api.get("/api/v1/reports/deflection", {"since": since, "until": until}).json()["rows"]
    assert sorted((r["channel"], r["deflections"]) for r in rows) == [("community", 1), ("webchat", 1)], rows
