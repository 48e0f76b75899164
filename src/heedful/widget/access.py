"""Who is calling the visitor API: the channel and visitor behind a request, checked once.

Each check raises one typed error that `views.answer` maps to an HTTP status: a missing or forged
token 401, another site 403, too many requests 429 (with Retry-After).
"""

from __future__ import annotations

from dataclasses import dataclass

from heedful.accounts.throttle import client_ip
from heedful.channels.cache import get_channel
from heedful.channels.models import ChannelStatus
from heedful.channels.providers.webchat.provider import KIND, channel_id_from_key
from heedful.core.errors import NotFound, PermissionDenied, RateLimited, Unauthorized
from heedful.widget import limits, origins, tokens


@dataclass
class Caller:
    channel: object
    visitor: tokens.Visitor | None
    origin: str | None
    ip: str


def _webchat_channel(channel_id: int | None):
    channel = get_channel(channel_id) if channel_id else None
    if channel is None or channel.provider != KIND or channel.status == ChannelStatus.DISABLED:
        return None
    return channel


def _limit(scope: str, who: str) -> None:
    try:
        limits.hit(scope, who)
    except limits.Limited as exc:
        raise RateLimited(f"too many requests; try again in {exc.retry_after} seconds", exc.retry_after) from None


def _checked_origin(channel, request) -> str | None:
    origin = request.headers.get("Origin")
    if not origins.allowed(channel, origin):
        raise PermissionDenied("this site may not use the channel's chat")
    return origin


def by_key(request, key: str) -> Caller:
    """A new session: the channel named by its public key."""
    ip = client_ip(request)
    _limit("session_ip", ip)
    channel = _webchat_channel(channel_id_from_key(key))
    if channel is None:
        raise NotFound("no such chat")
    return Caller(channel, None, _checked_origin(channel, request), ip)


def by_token(request, *, scope: str) -> Caller:
    """A visitor's call: a valid token for an existing web chat channel, from an allowed site."""
    try:
        visitor = tokens.from_header(request.headers.get("Authorization", ""))
    except tokens.BadToken as exc:
        raise Unauthorized(str(exc)) from None
    channel = _webchat_channel(visitor.channel_id)
    if channel is None:
        raise Unauthorized("the token's chat no longer exists")
    origin = _checked_origin(channel, request)
    ip = client_ip(request)
    _limit(f"{scope}_ip", ip)
    _limit(f"{scope}_visitor", f"{visitor.channel_id}:{visitor.handle}")
    return Caller(channel, visitor, origin, ip)


def limit_uploads(caller: Caller) -> None:
    """Files cost far more than text: their own, lower limit per visitor."""
    _limit("upload_visitor", f"{caller.channel.pk}:{caller.visitor.handle}")


def optional_token(request) -> tokens.Visitor | None:
    """The visitor a session request already had, if its token is valid (kept on identify)."""
    try:
        return tokens.from_header(request.headers.get("Authorization", ""))
    except tokens.BadToken:
        return None
