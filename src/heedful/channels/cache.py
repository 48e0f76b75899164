"""A short-lived in-process cache of channels for the webhook hot path.

Webhooks for one channel arrive in bursts; reading the channel row (and decrypting its
credentials) once every few seconds instead of once per request keeps the accept path at one
write. A credential change is picked up within `TTL` seconds.
"""

from __future__ import annotations

import threading
import time

from heedful.channels.models import Channel

TTL = 5.0
_cache: dict[int, tuple[float, Channel | None]] = {}
_lock = threading.Lock()


def get_channel(channel_id: int) -> Channel | None:
    now = time.monotonic()
    hit = _cache.get(channel_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    channel = Channel.objects.filter(pk=channel_id).first()
    with _lock:
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[channel_id] = (now + TTL, channel)
    return channel


def forget(channel_id: int | None = None) -> None:
    with _lock:
        if channel_id is None:
            _cache.clear()
        else:
            _cache.pop(channel_id, None)
