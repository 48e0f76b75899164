"""Named domain events, sent to listeners only after the transaction commits.

Actions call `emit("message.created", message_id=...)`. Listeners register with `@listen(name)`
in their app's `ready()`. A failing listener is logged and does not affect other listeners.

A caller that commits many events at once (an ingestion batch) wraps its work in
`delivered_together()`: the listeners then run once the block ends, inside the wrappers apps
registered with `around_deliveries` (the realtime broker sends a batch's notices in one round
trip instead of one per notice).
"""

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, contextmanager

from django.db import transaction

log = logging.getLogger(__name__)
_listeners: dict[str, list[Callable]] = defaultdict(list)
_wrappers: list[Callable[[], AbstractContextManager]] = []
_held = threading.local()


def listen(*names: str):
    def decorator(fn):
        for name in names:
            if fn not in _listeners[name]:
                _listeners[name].append(fn)
        return fn

    return decorator


def around_deliveries(factory: Callable[[], AbstractContextManager]) -> None:
    """Run every delivery of held events inside `factory()`."""
    if factory not in _wrappers:
        _wrappers.append(factory)


def emit(name: str, **payload) -> None:
    # One callback per event, so an event emitted in a rolled-back savepoint is dropped with it.
    transaction.on_commit(lambda: _deliver(name, payload))


def _deliver(name: str, payload: dict) -> None:
    held = getattr(_held, "events", None)
    if held is None:
        dispatch(name, payload)
    else:
        held.append((name, payload))


@contextmanager
def delivered_together():
    """Hold the listeners of events committed inside the block; run them all when it ends."""
    if getattr(_held, "events", None) is not None:  # nested: the outer block delivers
        yield
        return
    _held.events = []
    try:
        yield
    finally:
        held, _held.events = _held.events, None
        if held:
            with ExitStack() as stack:
                for factory in _wrappers:
                    try:
                        stack.enter_context(factory())
                    except Exception:
                        log.exception("delivery wrapper %s failed", getattr(factory, "__name__", factory))
                for name, payload in held:
                    dispatch(name, payload)


def dispatch(name: str, payload: dict) -> None:
    for fn in list(_listeners.get(name, ())) + list(_listeners.get("*", ())):
        try:
            fn(name, payload)
        except Exception:
            log.exception("listener %s failed for %s", getattr(fn, "__name__", fn), name)
