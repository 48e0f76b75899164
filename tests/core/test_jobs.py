"""`jobs.enqueue_in`: one delayed dispatch for every job mode."""

import threading
import time

import pytest

from heedful.core import jobs

_calls: list[tuple[str, tuple, float]] = []
_ran = threading.Event()


@jobs.job("tests.core.record_call")
def record_call(*args):
    _calls.append((threading.current_thread().name, args, time.monotonic()))
    _ran.set()


@pytest.fixture(autouse=True)
def _fresh():
    _calls.clear()
    _ran.clear()
    yield
    _calls.clear()


def test_inline_mode_waits_then_runs_in_the_caller(settings):
    settings.HEEDFUL_JOBS = "inline"
    start = time.monotonic()
    jobs.enqueue_in(0.05, "tests.core.record_call", 7, "x")
    assert len(_calls) == 1
    thread, args, at = _calls[0]
    assert (thread, args) == (threading.current_thread().name, (7, "x"))
    assert at - start >= 0.05


def test_thread_mode_returns_at_once_and_runs_on_the_job_thread_later(settings):
    settings.HEEDFUL_JOBS = "thread"
    start = time.monotonic()
    jobs.enqueue_in(0.2, "tests.core.record_call", 42)
    assert time.monotonic() - start < 0.1 and not _calls  # the caller never waits
    assert _ran.wait(5), "the delayed job never ran"
    thread, args, at = _calls[0]
    assert (thread, args) == ("heedful-jobs", (42,))  # through the in-process queue
    assert at - start >= 0.2


def test_thread_mode_without_a_wait_queues_at_once(settings):
    settings.HEEDFUL_JOBS = "thread"
    jobs.enqueue_in(0, "tests.core.record_call", 1)
    assert _ran.wait(5)
    assert _calls[0][:2] == ("heedful-jobs", (1,))


def test_celery_mode_sends_the_task_with_a_countdown(settings, monkeypatch):
    from heedful.config.celery import app

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, **kw: sent.append((name, kw)))
    settings.HEEDFUL_JOBS = "celery"
    jobs.enqueue_in(1.5, "tests.core.record_call", 3)
    jobs.enqueue_now("tests.core.record_call", 4)
    assert sent == [("tests.core.record_call", {"args": [3], "countdown": 1.5}),
                    ("tests.core.record_call", {"args": [4], "countdown": None})]
    assert not _calls and jobs.runs_remotely()


def test_a_webhook_is_acknowledged_when_the_broker_is_down(settings, monkeypatch, client, make_channel, caplog):
    """The body is committed before the job is sent; a broker outage must not turn that into a
    500 (the provider would resend what is already stored). The sweeper runs the event later."""
    from kombu.exceptions import OperationalError

    from heedful.config.celery import app
    from heedful.ingestion.models import EventStatus, InboundEvent

    def broker_down(name, **kw):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(app, "send_task", broker_down)
    settings.HEEDFUL_JOBS = "celery"
    channel = make_channel("api", {"inbound_token": "t0ken"})
    response = client.post(f"/api/v1/channels/{channel.pk}/messages",
                           '{"id": "m-1", "from": {"id": "u-1"}, "text": "hello"}',
                           content_type="application/json", HTTP_AUTHORIZATION="Bearer t0ken")
    assert response.status_code == 200
    assert InboundEvent.objects.get().status == EventStatus.PENDING
    assert "not sent (OperationalError)" in caplog.text
