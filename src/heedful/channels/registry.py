"""Providers register here by key; the core looks them up and never imports one directly.

The registry is also where the core reads the facts providers declare about their identity
kinds (label, glyph, handle format, linking facts): `identity_kind(key)`, `kinds_where(...)`.
"""

from __future__ import annotations

import importlib
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from heedful.channels.base import BaseProvider, IdentityKind
from heedful.core.errors import NotFound

log = logging.getLogger(__name__)
_providers: dict[str, BaseProvider] = {}
_kinds: dict[str, IdentityKind] | None = None  # built from the providers on first use
_loaded = False


def register(provider_cls):
    """Class decorator: `@register` on a provider class makes it available by its key."""
    global _kinds
    if not issubclass(provider_cls, BaseProvider):
        raise ImproperlyConfigured(f"provider {provider_cls.__name__} must subclass channels.base.BaseProvider")
    _providers[provider_cls.key] = provider_cls()
    _kinds = None
    return provider_cls


def unregister(key: str) -> None:
    """Forget a provider (tests that register a throwaway one)."""
    global _kinds
    _providers.pop(key, None)
    _kinds = None


def load() -> None:
    global _loaded
    if not _loaded:
        for module in settings.HEEDFUL_PROVIDERS:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:  # a real import error inside the provider: surface it
                    raise
                log.warning("provider module %s is not installed; skipped", module)
        _loaded = True


def get(key: str) -> BaseProvider:
    load()
    try:
        return _providers[key]
    except KeyError:
        raise NotFound(f"unknown provider {key!r}") from None


def keys() -> list[str]:
    load()
    return sorted(_providers)


def for_family(family: str) -> list[str]:
    load()
    return [k for k, p in _providers.items() if p.family == family]


# -- identity kinds ----------------------------------------------------------------------------

def _all_kinds() -> dict[str, IdentityKind]:
    """Every declared kind by key. Two providers may share a kind (SMS and voice: "phone"), but
    must then declare the same facts: one handle cannot be linked two ways."""
    global _kinds
    if _kinds is None:
        load()
        found: dict[str, IdentityKind] = {}
        for provider in _providers.values():
            for kind in provider.identity_kinds:
                if kind.key in found and found[kind.key] != kind:
                    raise ImproperlyConfigured(f"identity kind {kind.key!r} is declared twice with different facts")
                found[kind.key] = kind
        _kinds = found
    return _kinds


def identity_kind(key: str) -> IdentityKind:
    """The facts about a kind; a kind no installed provider declares (data left by a removed
    provider) is shown by its key and linked as a plain id."""
    return _all_kinds().get(key) or IdentityKind(key=key, label=key.replace("_", " ").title())


def identity_kinds() -> list[IdentityKind]:
    return sorted(_all_kinds().values(), key=lambda k: k.key)


def kinds_where(**facts) -> frozenset[str]:
    """Keys of the kinds with these facts, e.g. `kinds_where(one_account_per_person=True)`."""
    return frozenset(k.key for k in _all_kinds().values()
                     if all(getattr(k, name) == value for name, value in facts.items()))
