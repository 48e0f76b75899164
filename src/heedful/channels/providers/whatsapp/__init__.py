"""WhatsApp Cloud API channel. Importing this package registers the provider.

It shares the Graph webhook handling and the Graph API client with the Meta package.
"""

from heedful.channels.providers.whatsapp import provider  # noqa: F401
