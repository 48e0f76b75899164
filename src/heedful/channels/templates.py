"""A channel's approved message templates, read from its provider and cached for a while.

Templates change rarely (the business submits one, the provider approves it within hours), while
the reply box and the API check against them on every template message, so the list is kept in
the shared cache for `template_cache_seconds` (channel setting, default 15 minutes); a refresh
(the reply box's button, `?refresh=1` in the API) reads it again at once. Network work: call
outside any transaction.
"""

from __future__ import annotations

from django.core.cache import cache

from heedful.channels import registry
from heedful.channels.base import SendError
from heedful.core.errors import ValidationError

DEFAULT_TTL = 900
FAILURE_TTL = 60


def _key(channel) -> str:
    return f"heedful:templates:{channel.pk}"


def approved(channel, *, refresh: bool = False) -> list[dict]:
    """The channel's approved templates. Raises ValidationError when the provider cannot be read."""
    if not refresh:
        hit = cache.get(_key(channel))
        if hit is not None:
            return hit
        failed = cache.get(_key(channel) + ":failed")
        if failed:  # a provider that is down is not asked again on every page view
            raise ValidationError(failed)
    try:
        found = registry.get(channel.provider).message_templates(channel)
    except SendError as exc:
        reason = f"the message templates could not be read: {exc}"
        cache.set(_key(channel) + ":failed", reason, FAILURE_TTL)
        raise ValidationError(reason) from None
    ttl = int((channel.settings or {}).get("template_cache_seconds") or DEFAULT_TTL)
    cache.set(_key(channel), found, ttl)
    return found


def forget(channel) -> None:
    cache.delete_many([_key(channel), _key(channel) + ":failed"])
