"""Named domain events, sent to listeners only after the transaction commits.

Actions call `emit("message.created", message_id=...)`. Listeners register with `@listen(name)`
in their app's `ready()`. A failing listener is logged and does not affect other listeners.
"""

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

log = logging.getLogger(__name__)
_listeners: dict[str, list[Callable]] = defaultdict(list)


def listen(*names: str):
    def decorator(fn):
        for name in names:
            if fn not in _listeners[name]:
                _listeners[name].append(fn)
        return fn

    return decorator


def emit(name: str, **payload) -> None:
    transaction.on_commit(lambda: dispatch(name, payload))


def dispatch(name: str, payload: dict) -> None:
    for fn in list(_listeners.get(name, ())) + list(_listeners.get("*", ())):
        try:
            fn(name, payload)
        except Exception:
            log.exception("listener %s failed for %s", getattr(fn, "__name__", fn), name)
