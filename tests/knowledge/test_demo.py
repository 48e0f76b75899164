"""The demo's help centre: published articles that the suggest endpoint finds."""

from __future__ import annotations

import pytest

from heedful.demo import knowledge
from heedful.knowledge import search
from heedful.knowledge.models import Article

pytestmark = pytest.mark.django_db


def test_demo_articles_are_published_once_and_suggested(agent):
    assert knowledge.seed_articles(agent) == len(knowledge.ARTICLES)
    assert knowledge.seed_articles(agent) == 0
    assert Article.objects.filter(status="published").count() == len(knowledge.ARTICLES)
    assert search.suggest_articles("my parcel has not arrived")[0]["title"] == "Where is my order?"
