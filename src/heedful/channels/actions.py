"""Connect and change channels."""

from __future__ import annotations

from django.db import transaction

from heedful.channels import cache, registry
from heedful.channels.credentials import validated
from heedful.channels.models import Channel, ChannelStatus
from heedful.events import names
from heedful.events.dispatcher import emit


def connect(user, *, provider: str, name: str, credentials: dict, settings: dict, team_id=None) -> Channel:
    credentials = validated(provider, credentials)
    return Channel.objects.create(provider=provider, name=name, credentials=credentials,
                                  settings=settings, team_id=team_id)


def update(user, channel: Channel, *, name=None, credentials=None, settings=None, team=None) -> Channel:
    if name is not None:
        channel.name = name
    if credentials is not None:
        channel.credentials = {**channel.credentials, **validated(channel.provider, credentials)}
        # New credentials are the re-authorisation the channel was waiting for.
        if channel.status == ChannelStatus.NEEDS_REAUTH:
            channel.status, channel.status_detail = ChannelStatus.ACTIVE, ""
    if settings is not None:
        channel.settings = {**channel.settings, **settings}
    if team is not None:
        channel.team_id = team
    channel.save()
    cache.forget(channel.pk)  # this process sees the change at once, others within cache.TTL
    return channel


def renewed(channel: Channel) -> Channel:
    """The channel with live credentials: when its provider says they are about to expire (an
    OAuth access token), they are renewed and stored first. Call before the channel's network
    work (a poll, a send), outside any transaction.

    Renewal runs under the channel's row lock, so pollers and senders racing for a new token
    renew it once; the provider's network call runs inside the lock, bounded by its timeout.
    An error it raises (the sign-in was refused) reaches the caller, who marks the channel."""
    provider = registry.get(channel.provider)
    if not provider.renewal_due(channel.credentials or {}):
        return channel
    with transaction.atomic():
        row = Channel.objects.select_for_update().get(pk=channel.pk)
        stored = dict(row.credentials or {})
        if provider.renewal_due(stored):  # else another process just renewed them
            row.credentials = {**stored, **provider.renew(stored)}
            row.save(update_fields=["credentials"])
            transaction.on_commit(lambda: cache.forget(row.pk))
    channel.credentials = row.credentials
    return channel


def save_poll_cursor(channel_id: int, key: str, cursor: dict) -> None:
    """Keep a poller's cursor in `settings[key]`, leaving the other settings as they are.

    Read-modify-write under a row lock. Call in the transaction that stores what was polled,
    so a crash keeps neither and the next poll fetches the same items again.
    """
    rows = list(Channel.objects.select_for_update().filter(pk=channel_id)
                .values_list("settings", flat=True)[:1])
    if rows:  # the channel may have been deleted while it was polled
        Channel.objects.filter(pk=channel_id).update(settings={**(rows[0] or {}), key: cursor})


def mark_needs_reauth(channel_id: int, detail: str) -> None:
    """The provider refused the channel's credentials: flag it until new ones are saved (`update`)."""
    with transaction.atomic():
        Channel.objects.filter(pk=channel_id).update(status=ChannelStatus.NEEDS_REAUTH,
                                                     status_detail=detail[:500])
        emit(names.CHANNEL_NEEDS_REAUTH, channel_id=channel_id)
        # After commit: forgetting earlier would let a concurrent read cache the old row again.
        transaction.on_commit(lambda: cache.forget(channel_id))


def ensure(provider: str, name: str) -> Channel:
    """The channel of a provider Heedful runs itself (logged phone calls): the oldest one, made
    on first use. Two first uses at once may make two; every later use takes the oldest."""
    found = Channel.objects.filter(provider=provider).order_by("pk").first()
    return found or Channel.objects.create(provider=provider, name=name, credentials={}, settings={})
