"""Connect and change channels."""

from __future__ import annotations

from heedful.channels import cache, registry
from heedful.channels.models import Channel, ChannelStatus
from heedful.core.errors import ValidationError


def _check_credentials(provider_key: str, credentials: dict) -> None:
    provider = registry.get(provider_key)
    unknown = set(credentials) - set(getattr(provider, "credential_keys", ()) or credentials)
    if unknown:
        raise ValidationError(f"unknown credential keys for {provider_key}: {', '.join(sorted(unknown))}")


def connect(user, *, provider: str, name: str, credentials: dict, settings: dict, team_id=None) -> Channel:
    _check_credentials(provider, credentials)
    return Channel.objects.create(provider=provider, name=name, credentials=credentials,
                                  settings=settings, team_id=team_id)


def update(user, channel: Channel, *, name=None, credentials=None, settings=None, team=None) -> Channel:
    if name is not None:
        channel.name = name
    if credentials is not None:
        _check_credentials(channel.provider, credentials)
        channel.credentials = {**channel.credentials, **credentials}
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
