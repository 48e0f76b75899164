"""Back-pressure: with the worker stopped, webhooks are still accepted and stored, the inbox says it
is catching up and with how many, and the backlog drains once a worker is back.

The web (gunicorn) and the worker (Celery) run as real processes against real PostgreSQL and a
Redis of their own; the inbox is read by a logged-in agent.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection

from heedful.accounts.models import Profile, Role
from heedful.conversations.models import Message
from heedful.ingestion.models import EventStatus, InboundEvent
from tests.security import processes
from tests.security.signed_load import BRAND, SignedTweets

pytestmark = [pytest.mark.slow]

BACKLOG = 200


@pytest.fixture
def redis(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("production-mode back-pressure test runs on PostgreSQL")
    server = processes.PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def _banner(client) -> str | None:
    page = client.get("/inbox/")
    assert page.status_code == 200
    found = re.search(r'data-heedful="catching-up".*?data-heedful="backlog">([^<]+)<', page.content.decode(), re.S)
    return found.group(1) if found else None


def test_webhooks_are_stored_while_the_worker_is_down_and_the_inbox_says_so(tmp_path, redis, make_channel, client,
                                                                            django_user_model, settings):
    settings.HEEDFUL_CATCHING_UP_SECONDS = 1
    agent = django_user_model.objects.create_user("ann", "ann@staff.example", "a-long-password")
    Profile.objects.create(user=agent, role=Role.ADMIN)
    client.force_login(agent)
    channel = make_channel("twitter", dict(BRAND), name="@heedfulhelp")
    port = processes.free_port()
    env = processes.production_env(processes.database_url(connection.settings_dict), redis.url)
    web, worker = processes.web(env, tmp_path, port), processes.worker(env, tmp_path)
    url = f"http://127.0.0.1:{port}/hooks/twitter/{channel.pk}"
    web.start()
    try:
        assert processes.wait_for(lambda: processes.warmed(f"{url}?crc_token=ping"), 90), web.tail()
        load = SignedTweets(url, BACKLOG)  # the worker was never started: it is down
        load.start()
        assert load.join(120), "the webhooks were not all answered"
        assert load.acked == BACKLOG, load.summary()
        assert InboundEvent.objects.filter(channel=channel, status=EventStatus.PENDING).count() == BACKLOG
        assert not Message.objects.exists()
        assert processes.wait_for(lambda: _banner(client) is not None, 10), "no catching-up banner"
        shown = _banner(client)

        worker.start()
        drained = processes.wait_for(
            lambda: not InboundEvent.objects.filter(channel=channel).exclude(status=EventStatus.DONE).exists(), 120, 0.5)
        after = _banner(client)
        print(f"\nback-pressure: {load.summary()} with no worker; the inbox showed 'catching up: {shown}'; "
              f"drained once the worker started: {drained}; banner afterwards: {after}")
        assert drained, worker.tail()
    finally:
        web.stop()
        worker.stop()
    assert shown == str(BACKLOG)
    assert after is None
    stored = dict(Message.objects.filter(channel=channel).values_list("provider_message_id", "text"))
    assert stored == load.texts and Message.objects.count() == BACKLOG
