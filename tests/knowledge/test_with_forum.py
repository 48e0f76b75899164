"""Suggestions with the real forum: a solved topic is suggested beside the articles, an unsolved
one is not (the forum's own `suggest_topics`, merged at the API edge)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db
community = pytest.importorskip("heedful.community.search")


def _post(client, path, body, token):
    response = client.post(path, json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code in (200, 201), (path, response.status_code, response.content)
    return response.json()


def test_a_solved_topic_is_suggested_and_an_open_one_is_not(client, api_token, publish):
    from heedful.community import actions as forum

    article = publish("Card arrival", "Your new card is posted within 2 days.")
    asker, helper = (forum.issue_token(forum.signup(name, f"{name}@example.com", "a-long-password-1"))
                     for name in ("asker", "helper"))
    _post(client, "/api/v1/community/categories", {"slug": "cards", "name": "Cards", "support": False,
                                                   "escalate_after_minutes": 0}, api_token)
    solved = _post(client, "/api/v1/community/topics",
                   {"category": "cards", "title": "Contactless stopped working on my card",
                    "body": "Tapping fails in every shop since Monday."}, asker)
    _post(client, "/api/v1/community/topics", {"category": "cards", "title": "Contactless limit in shops",
                                               "body": "What is the most I can tap?"}, asker)
    answer = _post(client, f"/api/v1/community/topics/{solved['id']}/posts",
                   {"body": "Pay once with your PIN: contactless comes back after that."}, helper)
    _post(client, f"/api/v1/community/posts/{answer['id']}/accept", {}, asker)

    results = client.get("/api/v1/knowledge/suggest", {"q": "contactless payments stopped working"}).json()["results"]
    topics = [r for r in results if r["kind"] == "topic"]
    assert [t["id"] for t in topics] == [solved["id"]], results
    assert f"/community/t/{solved['id']}/" in topics[0]["url"]
    assert 0 < topics[0]["score"] <= 1
    card = client.get("/api/v1/knowledge/suggest", {"q": "when will my new card arrive"}).json()["results"]
    assert (card[0]["kind"], card[0]["id"]) == ("article", article.pk)
