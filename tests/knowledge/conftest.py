"""Help-centre fixtures: agents who write articles, and a fresh in-memory index per test."""

from __future__ import annotations

import pytest
from django.db import transaction

from heedful.knowledge import actions, search


@pytest.fixture(autouse=True)
def _fresh_index():
    """Ids are reused after each test's reset: never rank with a previous test's index."""
    search.invalidate()
    yield
    search.invalidate()


@pytest.fixture
def publish(agent):
    def make(title: str, body: str, category: str = "Cards", publish: bool = True):
        with transaction.atomic():
            return actions.create_article(agent, title=title, body=body, category=category, publish=publish)

    return make
