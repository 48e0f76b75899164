"""Providers register here by key; the core looks them up and never imports one directly."""

from __future__ import annotations

import importlib
import logging

from django.conf import settings

from heedful.core.errors import NotFound

log = logging.getLogger(__name__)
_providers: dict[str, object] = {}
_loaded = False


def register(provider_cls):
    """Class decorator: `@register` on a provider class makes it available by its key."""
    _providers[provider_cls.key] = provider_cls()
    return provider_cls


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


def get(key: str):
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
