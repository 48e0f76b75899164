"""Web chat: the brand's own site talks to Heedful through the widget (see heedful.widget)."""

from heedful.channels.providers.webchat.provider import WebchatProvider  # noqa: F401  registers it
