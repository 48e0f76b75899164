"""After a sent reply whose receipt names the customer's handle on a new private thread (a
Messenger private reply to a Facebook comment answers with the commenter's PSID): link that
handle to the conversation's contact and make the conversation follow that thread, so the
customer's answer in Messenger lands in the same conversation."""

from __future__ import annotations

from heedful.channels import registry
from heedful.channels.base import Handle
from heedful.contacts.recipients import link_recipient
from heedful.conversations import actions as conversation_actions
from heedful.conversations.models import Conversation


def follow(outbound, recipient: Handle) -> None:
    """Call inside the transaction that records the sent delivery."""
    if recipient.handle == str(outbound.payload.get("to") or ""):
        return  # the thread it was addressed to already is the customer's own
    conversation = Conversation.objects.select_for_update().select_related("contact").get(
        pk=outbound.message.conversation_id)
    link_recipient(conversation.contact, recipient.kind, recipient.handle)
    provider = registry.get(outbound.channel.provider)
    addressed = provider.private_thread_key(outbound.channel, outbound.payload)
    # Only the thread this reply moved the conversation to; an agent may have moved it since.
    if not conversation.public and conversation.thread_key == addressed[:255]:
        new_key = provider.private_thread_key(outbound.channel, {**outbound.payload, "to": recipient.handle})
        conversation_actions.make_private(conversation, new_key)
