"""What a visitor's widget tells the desk besides messages: "typing" and "I read up to here".

Typing goes out as a live notice on the visitor's open conversation (ids only, no text, at most
one per TYPING_SECONDS per visitor, whatever the client sends); the agent's page shows "The
customer is typing". Read marks the released replies up to a message id as `read`, which the
agent's page shows like any channel's read receipt. Both act only on the visitor's own
conversations, through the gate.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from heedful.conversations.delivery import mark_read_by_customer
from heedful.conversations.models import Delivery
from heedful.realtime import topics
from heedful.realtime.broker import publish
from heedful.widget import gate
from heedful.widget.tokens import Visitor

TYPING_SECONDS = 2
READ_BATCH = 100
UNREAD = (Delivery.SENT, Delivery.DELIVERED)


def deflection_session(visitor: Visitor) -> str:
    """The visitor's session key for self-service counting (knowledge.SuggestionOpen): stable
    per visitor, and no handle in it."""
    return "widget:" + hashlib.sha256(f"{visitor.channel_id}:{visitor.handle}".encode()).hexdigest()[:40]


def typing(visitor: Visitor) -> bool:
    """Publish one typing notice for the visitor's open conversation. Returns whether it went
    out (False: throttled, or no conversation is open yet)."""
    digest = hashlib.sha256(f"{visitor.channel_id}:{visitor.handle}".encode()).hexdigest()[:24]
    key = f"heedful:widget:typing:{digest}"
    if cache.get(key):  # throttled: not even a query
        return False
    conversation = gate.open_conversation(visitor)
    if conversation is None or not cache.add(key, 1, timeout=TYPING_SECONDS):
        return False
    publish(topics.conversation(conversation.pk),
            {"type": "typing", "conversation": conversation.pk, "customer": True})
    return True


def read(visitor: Visitor, up_to: int) -> int:
    """Mark the visitor's released, unread replies up to `up_to` as read; how many changed."""
    ids = list(gate.replies(visitor).filter(pk__lte=up_to, delivery_status__in=UNREAD)
               .order_by("-pk").values_list("pk", flat=True)[:READ_BATCH])
    return mark_read_by_customer(ids) if ids else 0


def seen_up_to(visitor: Visitor, conversation_ids=None) -> int:
    """The newest of the visitor's own messages an agent has read (0: none)."""
    rows = gate.own(visitor, conversation_ids).filter(delivery_status=Delivery.READ)
    return rows.order_by("-pk").values_list("pk", flat=True).first() or 0


def unread(visitor: Visitor) -> int:
    """Replies the visitor has not read yet: the launcher's badge on a returning visit."""
    return gate.replies(visitor).filter(delivery_status__in=UNREAD).count()
