"""Meta channels: Facebook Page and Instagram. Importing this package registers both.

WhatsApp lives in its own package and shares the Graph webhook code in `graph_webhook`.
"""

from heedful.channels.providers.meta import facebook, instagram  # noqa: F401
