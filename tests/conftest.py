"""Shared fixtures. The suite runs on PostgreSQL when DATABASE_URL points at it (CI), else SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

# The shared headless Chromium fixture (`browser`) for every browser test.
pytest_plugins = ["tests.browser"]

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test with a clear message when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not present: {path} (tests that use real data need ../shared)")
    return path


# Tables that migrations fill once and no test writes: keep them between tests.
_KEEP = {"django_content_type", "auth_permission", "django_migrations"}


def _empty_test_tables(self):
    """Empty every other table after a transactional test.

    Django's flush re-creates all content types and permissions after each test, and TRUNCATE
    rewrites every table and index file: about 1 s a test on PostgreSQL. A test leaves a few
    rows, so DELETE in one transaction (foreign keys are deferred) takes milliseconds.
    """
    from django.core.management.color import no_style
    from django.db import connections, transaction

    for db_name in self._databases_names(include_mirrors=False):
        conn = connections[db_name]
        tables = [t for t in conn.introspection.django_table_names(only_existing=True, include_views=False)
                  if t not in _KEEP]
        if conn.vendor != "postgresql":
            conn.ops.execute_sql_flush(conn.ops.sql_flush(no_style(), tables, reset_sequences=False))
            continue
        with transaction.atomic(using=db_name), conn.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DELETE FROM {conn.ops.quote_name(table)}")


def pytest_configure(config):
    from django.test import TransactionTestCase

    TransactionTestCase._fixture_teardown = _empty_test_tables


def pytest_collection_modifyitems(items):
    """Every database test is transactional: webhooks commit for real and jobs run after commit,
    exactly as in production (no test-only savepoint that would hide on_commit work)."""
    for item in items:
        if "db" in item.fixturenames or item.get_closest_marker("django_db"):
            item.add_marker(pytest.mark.django_db(transaction=True), append=False)


@pytest.fixture(autouse=True)
def _fresh_django_cache():
    """Login and token failures are counted in the cache, per username and per client IP, and
    every test client is 127.0.0.1: one test's failures must not lock out the next test."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Ids are reused after each test's reset: never serve a previous test's channel, backlog
    banner, SLA policies or label rules."""
    from heedful.channels import cache
    from heedful.ingestion import backlog
    from heedful.routing import sla, topics

    forgets = (cache.forget, backlog.forget, sla.forget, topics.forget)
    for forget in forgets:
        forget()
    yield
    for forget in forgets:
        forget()


@pytest.fixture
def agent(db, django_user_model):
    from heedful.accounts.models import Profile, Role

    user = django_user_model.objects.create_user("agent", "agent@example.com", "agent-pass-123")
    Profile.objects.create(user=user, role=Role.ADMIN)
    return user


@pytest.fixture
def api_token(agent):
    from heedful.accounts.models import ApiToken

    return ApiToken.issue(agent)


@pytest.fixture
def api(client, api_token):
    """Django test client that sends the API token on every request."""
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {api_token}"
    return client


@pytest.fixture
def make_channel(db):
    from heedful.channels.models import Channel

    def make(provider: str, credentials: dict | None = None, settings: dict | None = None,
             name: str | None = None, team=None) -> Channel:
        return Channel.objects.create(provider=provider, name=name or f"{provider} channel",
                                      credentials=credentials or {}, settings=settings or {}, team=team)

    return make


@pytest.fixture
def heard(monkeypatch):
    """Every event dispatched during the test (after its transaction committed), in order."""
    from heedful.events import dispatcher

    events = []
    monkeypatch.setitem(dispatcher._listeners, "*", [lambda name, payload: events.append((name, payload))])
    return events
