"""Background jobs, one interface for every mode.

`enqueue("heedful.ingestion.process", ids)` runs a registered job after the current transaction
commits: on a Celery worker (HEEDFUL_JOBS=celery), on an in-process worker thread (thread, the
embedded default) or synchronously (inline, for tests). Jobs must be idempotent: the durable rows
they work on are the truth, and a sweeper re-runs whatever a crash left behind.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, transaction

log = logging.getLogger(__name__)

_registry: dict[str, Callable] = {}
_queue: "queue.Queue[tuple[str, tuple]]" = queue.Queue()
_thread: threading.Thread | None = None
_lock = threading.Lock()


def job(name: str):
    """Register a function as a job under a stable name (also its Celery task name)."""

    def decorator(fn):
        _registry[name] = fn
        fn.job_name = name
        return fn

    return decorator


def enqueue(name: str, *args) -> None:
    transaction.on_commit(lambda: _dispatch(name, args))


def enqueue_now(name: str, *args) -> None:
    """Dispatch immediately (caller is outside any transaction, e.g. a timer)."""
    _dispatch(name, args)


def _dispatch(name: str, args: tuple) -> None:
    mode = settings.HEEDFUL_JOBS
    if mode == "celery":
        from heedful.config.celery import app

        app.send_task(name, args=list(args))
    elif mode == "inline":
        run(name, args)
    else:
        _ensure_thread()
        _queue.put((name, args))


def run(name: str, args: tuple):
    return _registry[name](*args)


def _ensure_thread() -> None:
    global _thread
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_worker_loop, name="heedful-jobs", daemon=True)
            _thread.start()


def _worker_loop() -> None:
    while True:
        name, args = _queue.get()
        try:
            close_old_connections()
            run(name, args)
        except Exception:  # the durable row keeps the failure; the sweeper retries it
            log.exception("job %s failed", name)
        finally:
            close_old_connections()
            _queue.task_done()


def start_sweeper(tick: float = 1.0) -> None:
    """Embedded mode: run the periodic jobs of CELERY_BEAT_SCHEDULE in-process, as beat would."""
    schedule = [(entry["task"], float(entry["schedule"])) for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    due = {name: time.monotonic() + min(every, 5.0) for name, every in schedule}

    def loop():
        stop = threading.Event()
        while not stop.wait(tick):
            for name, every in schedule:
                if name in _registry and time.monotonic() >= due[name]:
                    due[name] = time.monotonic() + every
                    _ensure_thread()
                    _queue.put((name, ()))

    threading.Thread(target=loop, name="heedful-sweeper", daemon=True).start()
