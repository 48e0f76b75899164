"""Brute-force protection for passwords and API tokens.

Failed attempts are counted in the Django cache (Redis in production, so every web process
shares the counts; in-process memory in embedded mode), per account and per client IP, within
a window that starts at the first failure (`HEEDFUL_AUTH_FAILURE_WINDOW_SECONDS`). Reaching a
limit locks that key for `HEEDFUL_AUTH_LOCKOUT_SECONDS` and writes an audit entry; while a key
is locked, attempts get `TooManyAttempts` (HTTP 429 with `Retry-After`) before any password is
checked, so a correct guess during the lockout is worth nothing.

Keys:
- password logins: the username tried (an unknown one is counted too, so lockouts do not reveal
  which accounts exist) and the client IP;
- API tokens: the client IP, and the account whose token prefix a wrong key claims. A correct
  160-bit key is never refused for its account's count, only for its IP's lockout.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

from heedful.audit.actions import record as audit
from heedful.core.errors import RateLimited


class TooManyAttempts(RateLimited):
    """A lockout after repeated failed logins or wrong tokens."""

    code = "throttled"

    def __init__(self, retry_after: float):
        super().__init__(f"too many failed attempts; try again in {max(1, math.ceil(retry_after))} seconds",
                         retry_after)


def client_ip(request) -> str:
    """REMOTE_ADDR, or the address the trusted proxies in front of Heedful saw.

    `HEEDFUL_TRUSTED_PROXIES` is how many proxies append to X-Forwarded-For; entries further
    left were written by the client and cannot be trusted.
    """
    hops = settings.HEEDFUL_TRUSTED_PROXIES
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(kind: str, scope: str, value: str) -> str:
    # Hashed: usernames and addresses can hold characters some cache backends refuse in keys.
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"heedful:auth:{kind}:{scope}:{digest}"


def _scopes(kind: str, account: str, ip: str) -> list[tuple[str, str, int]]:
    scopes = [("ip", ip, settings.HEEDFUL_AUTH_MAX_FAILURES_PER_IP)]
    if account:
        scopes.insert(0, ("account", account, settings.HEEDFUL_AUTH_MAX_FAILURES))
    return scopes


def check(kind: str, *, account: str = "", ip: str) -> None:
    """Raise TooManyAttempts while the account or the IP is locked out."""
    now = time.time()
    waits = [until - now for scope, value, _ in _scopes(kind, account, ip)
             if (until := cache.get(_key(kind, "lock-" + scope, value))) and until > now]
    if waits:
        raise TooManyAttempts(max(waits))


def failed(kind: str, *, account: str = "", ip: str) -> None:
    """Count a failed attempt; lock the account or IP that reached its limit."""
    window, lockout = settings.HEEDFUL_AUTH_FAILURE_WINDOW_SECONDS, settings.HEEDFUL_AUTH_LOCKOUT_SECONDS
    for scope, value, limit in _scopes(kind, account, ip):
        counter = _key(kind, scope, value)
        cache.add(counter, 0, timeout=window)
        try:
            count = cache.incr(counter)
        except ValueError:  # expired between add and incr
            cache.set(counter, 1, timeout=window)
            count = 1
        if count >= limit and cache.add(_key(kind, "lock-" + scope, value), time.time() + lockout,
                                        timeout=lockout):
            cache.delete(counter)
            audit(None, "auth.lockout", "account" if scope == "account" else "client_ip",
                  value[:64], kind=kind, failures=count, seconds=lockout)


def succeeded(kind: str, *, account: str = "") -> None:
    """A correct password resets its account's count (not the IP's: one good login from an
    office must not hide a guessing run from the same address)."""
    if account:
        cache.delete(_key(kind, "account", account))


def unlock(kind: str, *, account: str = "", ip: str = "") -> None:
    """Lift a lockout and forget its count before it expires (an operator's call, from the shell)."""
    for scope, value in (("account", account), ("ip", ip)):
        if value:
            cache.delete_many([_key(kind, scope, value), _key(kind, "lock-" + scope, value)])
