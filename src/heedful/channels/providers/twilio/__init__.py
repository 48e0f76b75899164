"""Twilio: SMS in and out, and phone calls logged as conversation entries."""

from heedful.channels.providers.twilio.provider import TwilioChannel  # noqa: F401  registers it
