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
