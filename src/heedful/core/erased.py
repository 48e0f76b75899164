"""What erasure leaves behind: a text marker and keyed one-way hashes of keys.

Every app that erases its own rows uses these, so an erased handle, provider id or thread key
hashes the same way wherever it is kept, and a replay of it is recognised.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

ERASED = "[erased]"
ERASED_PREFIX = "erased:"


def keyed_hash(family: str, value: str) -> str:
    """The same value always gives the same hash; without the key a phone number cannot be
    recovered by trying every number."""
    secret = (getattr(settings, "HEEDFUL_ERASURE_KEY", "") or settings.SECRET_KEY).encode()
    return ERASED_PREFIX + hmac.new(secret, f"{family}:{value}".encode(), hashlib.sha256).hexdigest()


def erased_text_key(value: str) -> str:
    """The hash for other keys an erased customer leaves behind (thread keys, provider ids)."""
    if not value or value.startswith(ERASED_PREFIX):
        return value
    return keyed_hash("thread", value)


def chunks(ids: list, size: int = 1000):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]
