"""A brand reply stored before the customer message it answers waits for it; it is never dropped.

With several web processes and workers, the brand's echo of its reply can be stored (and even
processed) before the customer tweet or DM it answers: another web process committed that one
later. Production mode, a real Celery worker: the echo is held, tried again, and joins the
customer's conversation once the parent is in. A true orphan (its parent never comes) is ignored
once the hold window is over, with its reason.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess

import pytest
from django.db import connection

from heedful.conversations.models import Message
from heedful.ingestion.models import EventStatus, InboundEvent
from tests.providers.twitter.conftest import dumps, fixture_bytes, signed_post
from tests.security.test_broker_restart import (  # noqa: F401 (fixtures)
    _tail,
    _wait,
    celery_app,
    redis_broker,
    unit_command,
)

pytestmark = [pytest.mark.slow]

HOLD_SECONDS = 8


@pytest.fixture
def worker(tmp_path, redis_broker, celery_app):  # noqa: F811 (the imported fixtures)
    if connection.vendor != "postgresql":
        pytest.skip("production-mode ordering test runs on PostgreSQL")
    db = connection.settings_dict
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "heedful.config.settings",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_broker.url, "CELERY_BROKER_URL": redis_broker.url, "HEEDFUL_JOBS": "celery",
        "HEEDFUL_INGEST_HOLD_SECONDS": str(HOLD_SECONDS), "HEEDFUL_INGEST_HOLD_RETRY_SECONDS": "0.3",
    }
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(unit_command("heedful-worker.service", tmp_path), env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path)
    # The hold window counts from receipt: start the clock only once the worker takes jobs.
    assert _wait(lambda: b" ready." in log.read_bytes(), 60), "the worker did not start:\n" + _tail(log)
    yield log
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _post(client, channel, body: bytes) -> int:
    response = signed_post(client, channel, body)
    assert response.status_code == 200, response.content
    return response.json()["event_id"]


def _settled(event_ids) -> bool:
    return not InboundEvent.objects.filter(pk__in=event_ids, status=EventStatus.PENDING).exists()


def test_echoes_stored_before_their_parents_join_their_conversations(api, make_channel, worker, settings):
    from tests.providers.twitter.conftest import BRAND

    settings.HEEDFUL_INGEST_HOLD_SECONDS = HOLD_SECONDS
    channel = make_channel("twitter", dict(BRAND), {"api_base_url": "http://127.0.0.1:9"}, name="@heedfulhelp")
    orphan = json.loads(fixture_bytes("brand_reply_tweet.json"))
    orphan["tweet_create_events"][0].update(id_str="1900000000000000099",
                                            in_reply_to_status_id_str="1900000000000000098")
    events = [
        _post(api, channel, fixture_bytes("brand_reply_tweet.json")),  # the answer first ...
        _post(api, channel, fixture_bytes("dm_echo.json")),
        _post(api, channel, dumps(orphan)),  # ... and one whose parent never comes
    ]
    assert _wait(lambda: InboundEvent.objects.filter(pk__in=events[:2], result__has_key="held").count() == 2, 30), \
        "the echoes were not held:\n" + _tail(worker)
    events += [_post(api, channel, fixture_bytes("mention_tweet.json")),
               _post(api, channel, fixture_bytes("dm_inbound.json"))]
    assert _wait(lambda: _settled(events), HOLD_SECONDS + 30), "events stayed pending:\n" + _tail(worker)

    messages = {m.provider_message_id: m for m in Message.objects.all()}
    mention, echo = messages["1900000000000000001"], messages["1900000000000000002"]
    assert echo.direction == "out" and echo.conversation_id == mention.conversation_id
    dm, dm_echo = messages["1900000000000000100"], messages["1900000000000000102"]
    assert (dm.direction, dm_echo.direction) == ("in", "out") and dm.conversation_id == dm_echo.conversation_id
    assert "1900000000000000099" not in messages
    results = {e.pk: e for e in InboundEvent.objects.filter(pk__in=events)}
    assert results[events[2]].status == EventStatus.IGNORED
    assert results[events[2]].result["ignored"] == ["brand message outside any conversation"]
    dropped = [e.pk for e in results.values() if "brand message outside any conversation" in
               e.result.get("ignored", []) and e.pk != events[2]]
    assert dropped == []
    print(f"\nreply before parent: {len(events)} events, echoes joined their conversations, "
          f"0 dropped, the orphan ignored after the {HOLD_SECONDS} s hold")
