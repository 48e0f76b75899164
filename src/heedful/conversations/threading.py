"""Find the conversation an inbound message belongs to.

Order: provider reply ids (In-Reply-To/References, in_reply_to_status_id ...), then a Heedful
conversation token honoured only for that conversation's own contact, then the provider thread
key for the same contact while the conversation is not resolved. Never by subject alone.
"""

from __future__ import annotations

from heedful.channels.base import InboundMessage
from heedful.conversations.models import Conversation, Message, Status


def find_conversation(channel, contact, msg: InboundMessage) -> Conversation | None:
    return (
        _by_reply_ids(channel, msg.reply_to_ids)
        or _by_hint(channel, contact, msg.conversation_hint)
        or _by_thread_key(channel, contact, msg.thread_key)
    )


def _by_reply_ids(channel, ids: list[str]) -> Conversation | None:
    ids = [i for i in ids if i]
    if not ids:
        return None
    found = dict(
        Message.objects.filter(channel=channel, provider_message_id__in=ids).values_list(
            "provider_message_id", "conversation_id"
        )
    )
    for pid in ids:  # nearest parent first
        if pid in found:
            return Conversation.objects.get(pk=found[pid])
    return None


def _by_hint(channel, contact, hint: int | None) -> Conversation | None:
    if not hint or contact is None:
        return None
    return Conversation.objects.filter(pk=hint, channel=channel, contact=contact).first()


def _by_thread_key(channel, contact, key: str) -> Conversation | None:
    if not key or contact is None:
        return None
    return (
        Conversation.objects.filter(channel=channel, contact=contact, thread_key=key)
        .exclude(status=Status.RESOLVED)
        .order_by("-last_activity_at")
        .first()
    )
