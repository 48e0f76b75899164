"""The public help centre pages: indexable, safe Markdown, votes with CSRF, views, related."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from heedful.knowledge.models import Article, ArticleViewDay, ArticleVote

pytestmark = pytest.mark.django_db


def test_index_lists_published_articles_by_category(client, publish):
    publish("Card arrival", "Posted in 2 days.", category="Cards")
    publish("Top up limits", "Up to 10,000.", category="Top ups")
    publish("Secret draft", "Not yet.", category="Cards", publish=False)
    html = client.get("/help/").content.decode()
    assert "Card arrival" in html and "Top up limits" in html and "Secret draft" not in html
    assert html.index("Cards") < html.index("Card arrival")
    assert 'data-heedful="help-search"' in html and 'data-heedful="help-article"' in html
    assert '<link rel="canonical" href="/help/">' in html


def test_search_page_ranks_articles(client, publish):
    article = publish("Change my PIN", "Any cash machine can change your PIN.")
    html = client.get("/help/", {"q": "how to change pin"}).content.decode()
    assert f'href="{article.url}"' in html and 'data-heedful="help-result"' in html and "noindex" in html


def test_article_page_renders_markdown_safely_and_counts_views(client, publish):
    article = publish("Card <b>arrival</b>", "**Bold** and [a link](https://example.com)\n\n"
                      "<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3))")
    response = client.get(article.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Bold</strong>" in html and 'href="https://example.com"' in html and 'rel="nofollow' in html
    assert "<script>alert" not in html and "onerror=" not in html.replace("onerror=alert(2)&gt;", "")
    assert 'href="javascript:' not in html and "<b>arrival</b>" not in html
    assert f'<link rel="canonical" href="{article.url}">' in html and '<meta name="description"' in html
    assert re.search(r'<script type="application/ld\+json">\{[^<]*"headline": "Card \\u003cb\\u003earrival', html)
    client.get(article.url)
    article.refresh_from_db()
    assert article.views == 2 and ArticleViewDay.objects.get(article=article).views == 2


def test_drafts_are_404_and_wrong_slugs_redirect(client, publish):
    draft = publish("Draft only", "x", publish=False)
    assert client.get(f"/help/articles/{draft.pk}-{draft.slug}/").status_code == 404
    article = publish("Right slug", "x")
    response = client.get(f"/help/articles/{article.pk}-wrong/")
    assert response.status_code == 301 and response["Location"] == article.url


def test_helpful_vote_needs_csrf_and_counts_once_per_visitor(publish):
    article = publish("Card arrival", "Posted in 2 days.")
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(article.url).content.decode()
    assert 'data-heedful="helpful-yes"' in page and 'data-heedful="helpful-no"' in page
    assert browser.post(f"/help/articles/{article.pk}/vote/", {"helpful": "yes"}).status_code == 403
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    vote = browser.post(f"/help/articles/{article.pk}/vote/", {"helpful": "yes", "csrfmiddlewaretoken": token})
    assert vote.status_code == 302
    browser.post(f"/help/articles/{article.pk}/vote/", {"helpful": "no", "csrfmiddlewaretoken": token})
    assert list(ArticleVote.objects.values_list("helpful", flat=True)) == [False]  # changed, not added
    Client().post(f"/help/articles/{article.pk}/vote/", {"helpful": "yes"})
    assert ArticleVote.objects.count() == 2
    assert 'aria-pressed="true" data-heedful="helpful-no"' in browser.get(article.url).content.decode()


def test_related_articles_are_shown(client, publish):
    first = publish("Card arrival", "Your new card is posted within 2 days of ordering.")
    publish("Card delivery estimate", "A new card takes 2 to 5 days to be delivered after ordering.")
    publish("Top up limits", "You can add up to 10,000.")
    html = client.get(first.url).content.decode()
    related = re.findall(r'data-heedful="related-article">([^<]+)<', html)
    assert related and related[0] == "Card delivery estimate" and "Card arrival" not in related


def test_article_page_is_fast(client, publish, django_assert_max_num_queries):
    article = publish("Card arrival", "Posted in 2 days.")
    client.get(article.url)
    with django_assert_max_num_queries(12):
        assert client.get(article.url).status_code == 200
    assert Article.objects.get(pk=article.pk).views == 2
