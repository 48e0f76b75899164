"""Triage of inbound messages: how urgent a conversation is, decided as its messages arrive.

The ingestion pipeline's route step calls `prioritise` for every message it threads, before the
batch is written, so a conversation sorts right in the inbox the moment the batch commits.
"""

from __future__ import annotations

from heedful.routing.priority import priority_for, score


def prioritise(conversation, identity, msg, sentiment: float | None) -> None:
    """Raise priority and sort score for the reach and negative sentiment of a customer's message.

    `msg` is a normalized InboundMessage, `identity` its sender's Identity (or None). Changes
    `conversation` in memory only; the caller writes it. Brand echoes and automated mail never
    raise a conversation.
    """
    if msg.direction != "in" or msg.automated:
        return
    value = score(public=conversation.public, sentiment=sentiment,
                  followers=identity.followers_count if identity else 0,
                  verified=identity.verified if identity else False, engagement=msg.engagement)
    conversation.score = max(conversation.score, value)
    if sentiment is not None:
        conversation.sentiment = sentiment
    conversation.priority = max(conversation.priority, priority_for(conversation.score, public=conversation.public))
