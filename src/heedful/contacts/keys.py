"""Which handles name the same person, and the one-way key an erased handle is kept under.

Phone-number identities of different kinds (an SMS/voice number and a WhatsApp wa_id) are the
same person when their E.164 forms match; the kinds below are checked against each other.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

PHONE_KINDS = ("phone", "whatsapp")
ERASED_PREFIX = "erased:"


def siblings(kind: str) -> tuple[str, ...]:
    """Other identity kinds whose handle, when equal, is the same person."""
    return tuple(k for k in PHONE_KINDS if k != kind) if kind in PHONE_KINDS else ()


def erased_handle(kind: str, key: str) -> str:
    """A keyed one-way hash of a normalised handle: the same handle always gives the same value,
    and without the key a phone number cannot be recovered by trying every number."""
    secret = (getattr(settings, "HEEDFUL_ERASURE_KEY", "") or settings.SECRET_KEY).encode()
    family = "phone" if kind in PHONE_KINDS else kind
    digest = hmac.new(secret, f"{family}:{key}".encode(), hashlib.sha256).hexdigest()
    return ERASED_PREFIX + digest


def erased_text_key(value: str) -> str:
    """The same hash for other keys an erased customer leaves behind (conversation thread keys)."""
    return erased_handle("thread", value) if value else ""
