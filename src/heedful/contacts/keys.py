"""Which handles name the same person, and the one-way key an erased handle is kept under.

Phone-number identities of different kinds (an SMS/voice number and a WhatsApp wa_id) are the
same person when their E.164 forms match: every kind its provider declares phone-like is checked
against the others.
"""

from __future__ import annotations

from heedful.channels import registry
from heedful.core.erased import ERASED_PREFIX, erased_text_key, keyed_hash

__all__ = ["ERASED_PREFIX", "erased_handle", "erased_text_key", "phone_like", "siblings"]


def phone_like(kind: str) -> bool:
    return registry.identity_kind(kind).phone_like


def siblings(kind: str) -> tuple[str, ...]:
    """Other identity kinds whose handle, when equal, is the same person."""
    phones = registry.kinds_where(handle_format="phone")
    return tuple(sorted(k for k in phones if k != kind)) if kind in phones else ()


def erased_handle(kind: str, key: str) -> str:
    """A keyed one-way hash of a normalised handle; phone kinds share one family, so an erased
    number stays recognised under WhatsApp and SMS alike."""
    return keyed_hash("phone" if phone_like(kind) else kind, key)
