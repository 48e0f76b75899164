"""The community channel: forum topics that need the brand become conversations; the agent's
answer is posted back on the topic as a staff post."""

from heedful.channels.providers.community.provider import CommunityProvider  # noqa: F401  registers it
