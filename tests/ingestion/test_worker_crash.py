"""Production mode: a Celery worker killed mid-processing loses nothing once a worker is back."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from heedful.conversations.models import Message
from heedful.ingestion.models import EventStatus, InboundEvent

TOTAL = 400


def _redis_url():
    url = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        pytest.skip(f"Redis is not reachable at {url}")
    return url


def _start_worker(redis_url):
    settings_dict = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "heedful.config.settings",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**{
            k: settings_dict[k] or d for k, d in
            (("USER", "postgres"), ("HOST", "127.0.0.1"), ("PORT", "5432"), ("NAME", ""))}),
        "REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url, "HEEDFUL_JOBS": "celery",
        "HEEDFUL_INGEST_STALE_SECONDS": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "heedful.config.celery", "worker", "-B", "-Q",
         "ingest,outbound,celery", "-c", "2", "--loglevel", "WARNING", "-s", "/tmp/heedful-test-beat"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def _wait(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_killed_worker_loses_nothing(client, make_channel, settings):
    if connection.vendor != "postgresql":
        pytest.skip("production-mode crash test runs on PostgreSQL")
    redis_url = _redis_url()
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    from heedful.config.celery import app

    app.conf.broker_url = redis_url
    settings.HEEDFUL_JOBS = "celery"
    channel = make_channel("api", {"inbound_token": "t"})
    for i in range(TOTAL):
        body = json.dumps({"id": f"m-{i}", "from": {"id": f"u-{i % 50}", "name": f"Customer {i % 50}"},
                           "text": f"message number {i}", "thread": f"t-{i % 50}"})
        response = client.post(f"/hooks/api/{channel.pk}", body, content_type="application/json",
                               HTTP_AUTHORIZATION="Bearer t")
        assert response.status_code == 200
    assert InboundEvent.objects.count() == TOTAL

    worker = _start_worker(redis_url)
    try:
        assert _wait(lambda: Message.objects.count() > 20, 60), "the worker never started processing"
        os.killpg(worker.pid, signal.SIGKILL)  # mid-processing, no warm shutdown
        worker.wait()
        processed_at_kill = Message.objects.count()
        assert processed_at_kill < TOTAL, "too fast to kill mid-way; raise TOTAL"
        worker = _start_worker(redis_url)
        assert _wait(lambda: not InboundEvent.objects.filter(status=EventStatus.PENDING).exists(), 90)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    assert Message.objects.count() == TOTAL
    assert InboundEvent.objects.filter(status=EventStatus.DONE).count() == TOTAL
    assert sorted(Message.objects.values_list("provider_message_id", flat=True)) == sorted(f"m-{i}" for i in range(TOTAL))
