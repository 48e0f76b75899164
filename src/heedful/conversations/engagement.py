"""Engagement figures (likes, retweets, replies ...) that a provider reports on a stored post."""

from __future__ import annotations

from heedful.conversations.models import Message
from heedful.events import names
from heedful.events.dispatcher import emit


def record_engagement(channel, provider_message_id: str, engagement: dict[str, int]) -> int:
    """Merge new figures into the message's `metadata["engagement"]`, newest value per key.

    Returns 1 when the message is known, 0 when it is not (a post Heedful never received).
    """
    message = Message.objects.filter(channel=channel).with_provider_ids([provider_message_id]).first()
    if message is None:
        return 0
    merged = {**message.metadata.get("engagement", {}), **engagement}
    message.metadata = {**message.metadata, "engagement": merged}
    message.save(update_fields=["metadata"])
    emit(names.CONVERSATION_UPDATED, conversation_id=message.conversation_id)
    return 1
