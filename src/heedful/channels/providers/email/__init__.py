"""Email channel provider; importing this package registers it under the key "email"."""

from heedful.channels.providers.email.provider import EmailProvider

__all__ = ["EmailProvider"]
