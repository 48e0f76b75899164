"""Collision warning: "<name> is replying", published while an agent types in a reply box."""

from __future__ import annotations

from django.core.cache import cache

from heedful.realtime import topics
from heedful.realtime.broker import publish

THROTTLE_SECONDS = 2


def display_name(user) -> str:
    return (user.get_full_name() or user.get_username()).strip()


def typing(user, conversation) -> bool:
    """Publish a typing ping at most once per THROTTLE_SECONDS per agent and conversation.

    The caller has checked the access gate for `conversation`. Returns whether it was sent.
    """
    if not cache.add(f"heedful:typing:{conversation.pk}:{user.pk}", 1, timeout=THROTTLE_SECONDS):
        return False
    publish(topics.conversation(conversation.pk),
            {"type": "typing", "conversation": conversation.pk, "user": user.pk, "name": display_name(user)})
    return True


def announce(user, status: str) -> None:
    """Tell the workspace an agent's presence changed (online / away / offline), so inboxes
    and supervisors' views show who can take work. The caller stored the status."""
    publish(topics.INBOX, {"type": "presence", "user": user.pk, "name": display_name(user), "status": status})
