"""Background jobs, one interface for every mode.

`enqueue("heedful.ingestion.process", ids)` runs a registered job after the current transaction
commits: on a Celery worker (HEEDFUL_JOBS=celery), on an in-process worker thread (thread, the
embedded default) or synchronously (inline, for tests). `enqueue_now` and `enqueue_in` dispatch
at once or after a wait, so callers never switch on the mode themselves. Jobs must be
idempotent: the durable rows they work on are the truth, and a sweeper re-runs whatever a crash
left behind.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable

from celery import current_app
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


def enqueue_in(seconds: float, name: str, *args) -> None:
    """Dispatch a job `seconds` from now; call outside a transaction (e.g. from on_commit).

    For short waits only (a provider's Retry-After): a wait held in this process is lost if it
    dies, so the job's durable row must also be due for the sweeper.
    """
    _dispatch(name, args, delay=max(0.0, seconds))


def runs_remotely() -> bool:
    """Jobs run on other processes (Celery workers), where each job costs a broker round trip
    and a claim: worth holding work back a few milliseconds to send fewer, larger jobs."""
    return settings.HEEDFUL_JOBS == "celery"


def _dispatch(name: str, args: tuple, delay: float = 0.0) -> None:
    mode = settings.HEEDFUL_JOBS
    if mode == "celery":
        # The project's Celery app is the current one: heedful.config imports it (config/__init__).
        try:
            current_app.send_task(name, args=list(args), countdown=delay or None)
        except Exception as exc:  # broker down: the durable rows wait for the sweeper, and the
            # request that stored them (a webhook already committed) must still be acknowledged
            log.warning("job %s not sent (%s); the sweeper will run it", name, type(exc).__name__)
    elif mode == "inline":
        if delay:
            time.sleep(delay)
        run(name, args)
    elif delay:
        timer = threading.Timer(delay, _put, (name, args))
        timer.daemon = True  # a pending wait must not keep the process alive; the sweeper has it
        timer.start()
    else:
        _put(name, args)


def _put(name: str, args: tuple) -> None:
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
                    _put(name, ())

    threading.Thread(target=loop, name="heedful-sweeper", daemon=True).start()
