"""Phone calls an agent logs by hand (a desk phone, a mobile): see provider.py."""

from heedful.channels.providers.phone.provider import PhoneProvider  # noqa: F401  registers it
