"""Articles through the API: drafts, revisions, publishing, diffs, embeddings, suggestions."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from heedful.accounts.models import ApiToken, Profile, Role
from heedful.knowledge import encoder, search
from heedful.knowledge.models import Article, ArticleRevision, Category

pytestmark = pytest.mark.django_db


def _post(api, path, body):
    return api.post(path, json.dumps(body), content_type="application/json")


def test_agent_creates_a_draft_then_publishes_a_revision(api):
    response = _post(api, "/api/v1/knowledge/articles",
                     {"title": "Card delivery", "body": "Cards take **5 days**.", "status": "draft", "category": "Cards"})
    assert response.status_code == 201, response.content
    article = response.json()
    assert article["status"] == "draft" and article["category"] == "Cards" and article["published_revision"] is None
    assert Category.objects.filter(name="Cards").count() == 1
    assert search.suggest_articles("card delivery") == []  # drafts are never suggested

    revised = _post(api, f"/api/v1/knowledge/articles/{article['id']}/revisions",
                    {"title": "Card delivery times", "body": "Cards take **3 to 5 days**.", "status": "published"})
    assert revised.status_code == 201, revised.content
    body = revised.json()
    assert body["status"] == "published" and body["published_revision"] == 2
    assert [r["number"] for r in body["revisions"]] == [1, 2] and body["revisions"][1]["current"]
    diff = api.get(f"/api/v1/knowledge/articles/{article['id']}/diff", {"a": 1, "b": 2}).json()["diff"]
    assert "-Cards take **5 days**." in diff and "+Cards take **3 to 5 days**." in diff
    assert "+# Card delivery times" in diff
    assert [r["id"] for r in search.suggest_articles("when will my card be delivered")] == [article["id"]]


def test_a_new_draft_keeps_the_published_revision_live(api, publish, agent):
    article = publish("Freeze a lost card", "Open the app and tap Freeze.")
    response = _post(api, f"/api/v1/knowledge/articles/{article.pk}/revisions",
                     {"title": "Freeze a lost card", "body": "WORK IN PROGRESS", "status": "draft"})
    assert response.json()["published_revision"] == 1 and response.json()["latest_revision"] == 2
    page = api.get(article.url).content.decode()
    assert "tap Freeze" in page and "WORK IN PROGRESS" not in page
    published = _post(api, f"/api/v1/knowledge/articles/{article.pk}/publish", {})
    assert published.json()["published_revision"] == 2
    assert "WORK IN PROGRESS" in api.get(article.url).content.decode()


def test_existing_category_is_reused_case_insensitively(api):
    for title in ("One", "Two"):
        _post(api, "/api/v1/knowledge/articles", {"title": title, "body": "x", "status": "draft", "category": "billing"})
    _post(api, "/api/v1/knowledge/articles", {"title": "Three", "body": "x", "status": "draft", "category": "Billing"})
    assert Category.objects.count() == 1 and Article.objects.count() == 3


@pytest.mark.parametrize("body,status", [
    ({"title": "", "body": "x", "status": "draft", "category": "C"}, 422),
    ({"title": "   ", "body": "x", "status": "draft", "category": "C"}, 422),
    ({"title": "T", "body": "x", "status": "live", "category": "C"}, 422),
    ({"title": "T", "body": "x", "status": "draft", "category": "C", "colour": "red"}, 422),
    ({"title": "T", "body": "x", "status": "draft"}, 422),
])
def test_bad_bodies_are_refused(api, body, status):
    assert _post(api, "/api/v1/knowledge/articles", body).status_code == status
    assert Article.objects.count() == 0


def test_only_agents_write_articles(client, django_user_model):
    analyst = django_user_model.objects.create_user("ana", "ana@example.com", "pw-123456789")
    Profile.objects.create(user=analyst, role=Role.ANALYST)
    member = django_user_model.objects.create_user("member", "m@example.com", "pw-123456789")  # no agent profile
    for user in (analyst, member):
        response = client.post("/api/v1/knowledge/articles",
                               json.dumps({"title": "T", "body": "x", "status": "published", "category": "C"}),
                               content_type="application/json", HTTP_AUTHORIZATION=f"Token {ApiToken.issue(user)}")
        assert response.status_code == 403
    anonymous = client.post("/api/v1/knowledge/articles", json.dumps({"title": "T", "category": "C"}),
                            content_type="application/json")
    assert anonymous.status_code == 401
    assert Article.objects.count() == 0


def test_suggest_is_public_and_returns_published_articles_only(client, publish):
    live = publish("Activate my card", "Open the app, choose Cards, then Activate.")
    publish("Activate a card (old)", "Outdated steps", publish=False)
    response = client.get("/api/v1/knowledge/suggest", {"q": "how do I activate my new card", "limit": 5})
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    results = response.json()["results"]
    assert [(r["kind"], r["id"]) for r in results] == [("article", live.pk)]
    assert results[0]["url"] == f"{settings.HEEDFUL_BASE_URL}/help/articles/{live.pk}-activate-my-card/"
    assert results[0]["title"] == "Activate my card"
    assert 0 < results[0]["score"] <= 1
    assert client.get("/api/v1/knowledge/suggest", {"q": ""}).json() == {"results": []}
    assert client.get("/api/v1/knowledge/suggest", {"q": "zzqx vvkw"}).json() == {"results": []}


def test_archived_articles_leave_the_index(publish):
    from django.db import transaction

    from heedful.knowledge import actions

    article = publish("Close my account", "Go to Settings, then Close account.")
    assert search.suggest_articles("close account")
    with transaction.atomic():
        actions.archive(None, article)
    assert search.suggest_articles("close account") == []


def test_a_publish_elsewhere_is_seen_without_local_invalidation(publish, agent, monkeypatch):
    """Another process published a revision: the stamp changed, so this process rebuilds."""
    from django.db import transaction

    from heedful.knowledge import actions

    article = publish("Exchange rates", "We use the interbank rate.")
    for title in ("Card arrival", "Top up limits", "Change your PIN"):
        publish(title, "Other matters entirely.")
    assert search.suggest_articles("weekend fee", semantic=False) == []
    monkeypatch.setattr(search, "invalidate", lambda: None)  # as if it happened in another process
    with transaction.atomic():
        actions.save_revision(agent, article, title="Exchange rates", body="A weekend fee applies.", publish=True)
    assert [r["id"] for r in search.suggest_articles("weekend fee", semantic=False)] == [article.pk]


@pytest.mark.skipif(not encoder.available(), reason="the model package is not installed")
def test_publishing_computes_the_embedding_after_commit_and_suggest_uses_it(publish):
    article = publish("Card arrival", "Your card is posted within 2 days.\n\n- Track it in the app\n- Call us after 10 days")
    revision = ArticleRevision.objects.get(article=article)
    assert revision.embedding_model == "all-MiniLM-L6-v2"
    assert len(bytes(revision.embedding)) == 4 * 384 * 4  # title + 3 paragraphs
    # No word in common: only the semantic ranker can find it.
    hits = search.rank("It has been a week and nothing came in the mail", semantic=True)
    assert [h.id for h, _ in hits] == [article.pk] and hits[0][0].semantic > 0.3
    assert search.rank("It has been a week and nothing came in the mail", semantic=False) == []


def test_community_topics_are_merged_on_one_scale(client, publish, monkeypatch):
    from heedful.api.v1 import knowledge as api_knowledge

    article = publish("Top up by bank transfer", "Send money to your account details from your bank.")

    class Forum:
        @staticmethod
        def suggest_topics(query, limit):
            return [{"kind": "topic", "id": 7, "title": "Bank transfer top up took 3 days",
                     "url": "http://forum.example/community/t/7/x/", "score": 0.9},
                    {"kind": "topic", "id": 8, "title": "Best hiking boots for winter", "url": "/community/t/8/y/",
                     "score": 0.3}]

    monkeypatch.setattr(api_knowledge, "_community_search", lambda: Forum)
    results = client.get("/api/v1/knowledge/suggest", {"q": "top up by bank transfer"}).json()["results"]
    kinds = [(r["kind"], r["id"]) for r in results]
    assert ("topic", 7) in kinds and ("article", article.pk) in kinds
    assert all(0 <= r["score"] <= 1 for r in results)
    assert next(r for r in results if r["id"] == 7)["url"] == "http://forum.example/community/t/7/x/"
    if search.semantic_enabled():  # the unrelated topic's title is far from the question: dropped
        assert ("topic", 8) not in kinds


def test_out_of_range_and_odd_input_is_a_4xx_not_a_500(api, client):
    huge = 2**70
    assert api.get(f"/api/v1/knowledge/articles/{huge}").status_code in (400, 404, 422)
    assert api.get("/api/v1/knowledge/articles/1/diff", {"a": huge, "b": 1}).status_code in (400, 404, 422)
    assert client.get("/api/v1/knowledge/suggest", {"q": "card\x00", "limit": huge}).status_code in (200, 422)
    assert client.get("/api/v1/knowledge/suggest", {"q": "x" * 5000, "limit": -3}).status_code == 200
    for body in ({"kind": "topic", "id": huge, "session": "s"}, {"kind": "topic", "id": 1, "session": "a\x00b"}):
        response = client.post("/api/v1/knowledge/suggestions/opened", json.dumps(body), content_type="application/json")
        assert 400 <= response.status_code < 500, (body, response.status_code)
