"""Rate limits for the visitor API, per visitor and per client IP, in the shared Django cache
(Redis in production, so every web process counts together). Fixed windows: cheap, and a burst
at a window edge is at most twice the limit."""

from __future__ import annotations

import hashlib
import math
import os
import time

from django.conf import settings
from django.core.cache import cache

WINDOW = 60  # seconds

# Requests per window by scope. Override some with the setting HEEDFUL_WIDGET_LIMITS (a dict) or
# the environment variable of the same name ("message_ip=600,session_ip=100"), e.g. for a site
# whose visitors share one address behind a corporate proxy.
DEFAULTS = {"session_ip": 30, "message_visitor": 30, "message_ip": 120, "read_visitor": 120, "read_ip": 600,
            "upload_visitor": 10, "signal_visitor": 120, "signal_ip": 1200}


def _from_env() -> dict[str, int]:
    pairs = (item.partition("=") for item in os.environ.get("HEEDFUL_WIDGET_LIMITS", "").split(","))
    return {k.strip(): int(v) for k, _, v in pairs if k.strip() in DEFAULTS and v.strip().isdigit()}


class Limited(Exception):
    def __init__(self, retry_after: int):
        super().__init__("too many requests")
        self.retry_after = retry_after


def limit(scope: str) -> int:
    return int({**DEFAULTS, **_from_env(), **getattr(settings, "HEEDFUL_WIDGET_LIMITS", {})}[scope])


def hit(scope: str, who: str) -> None:
    """Count one request for `who` in `scope`; raise Limited once over the limit."""
    window = int(time.time() // WINDOW)
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    key = f"heedful:widget:rl:{scope}:{digest}:{window}"
    if cache.add(key, 1, timeout=WINDOW + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=WINDOW + 5)
            count = 1
    if count > limit(scope):
        raise Limited(max(1, math.ceil((window + 1) * WINDOW - time.time())))
