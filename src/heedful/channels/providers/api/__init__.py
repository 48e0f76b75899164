"""The API channel: a brand's own app posts messages in, replies go out as signed webhooks."""

from heedful.channels.providers.api.provider import ApiChannel  # noqa: F401  registers it
