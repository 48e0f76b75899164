"""Poll mailboxes: channels whose provider `polls` are read like incoming webhooks.

The provider does the network work and returns raw mail with event keys plus an opaque cursor;
here each mail is stored through `store_event` (same dedupe as webhooks) and the cursor is kept
in `channel.settings["imap_cursor"]`, both in one transaction: a crash before the commit stores
nothing and leaves the cursor where it was, so the next poll fetches the same mail again.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from django.db import connection, transaction

from heedful.channels import actions as channel_actions
from heedful.channels import registry
from heedful.channels.base import ReauthRequired
from heedful.channels.models import Channel, ChannelStatus
from heedful.core.errors import NotFound
from heedful.ingestion.store import store_event

log = logging.getLogger(__name__)
CURSOR_KEY = "imap_cursor"
_local_busy: set[int] = set()
_local_lock = threading.Lock()


def poll_all() -> int:
    """Poll every active channel that can be polled; returns how many new events were stored."""
    stored = 0
    for channel in Channel.objects.filter(status=ChannelStatus.ACTIVE).order_by("pk"):
        try:
            provider = registry.get(channel.provider)
        except NotFound:
            continue
        if not provider.polls:
            continue
        try:
            stored += poll_channel(channel, provider)
        except ReauthRequired as exc:
            channel_actions.mark_needs_reauth(channel.pk, str(exc))
        except Exception as exc:  # one unreachable mailbox must not stop the others
            log.warning("polling channel %s failed: %s", channel.pk, type(exc).__name__)
    return stored


def poll_channel(channel: Channel, provider=None) -> int:
    """Fetch and store one channel's new mail. Skips a channel another poller is reading."""
    provider = provider or registry.get(channel.provider)
    with _exclusive(channel.pk) as mine:
        if not mine:
            return 0
        cursor = dict((channel.settings or {}).get(CURSOR_KEY) or {})
        channel = channel_actions.renewed(channel)  # a sign-in token about to expire
        items, new_cursor = provider.fetch_new(channel, cursor)  # network: outside any transaction
        created = 0
        with transaction.atomic():
            for key, raw in items:
                created += store_event(channel, provider.key, key, raw, "message/rfc822")[1]
            channel_actions.save_poll_cursor(channel.pk, CURSOR_KEY, new_cursor)
        return created


@contextmanager
def _exclusive(channel_id: int):
    """One poller per channel: a session advisory lock on PostgreSQL, a process lock otherwise."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [7002, channel_id])
            mine = cursor.fetchone()[0]
        try:
            yield mine
        finally:
            if mine:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [7002, channel_id])
        return
    with _local_lock:
        mine = channel_id not in _local_busy
        _local_busy.add(channel_id)
    try:
        yield mine
    finally:
        if mine:
            with _local_lock:
                _local_busy.discard(channel_id)
