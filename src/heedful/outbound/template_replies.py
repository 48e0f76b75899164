"""A template message: the one kind of message some channels accept once their window closed.

The template is checked against the channel's approved ones (name, language, number of
variables) before anything is stored; the conversation shows it as the customer reads it, with
the variables filled in, and the delivery carries the template itself for the provider.
"""

from __future__ import annotations

from django.db import transaction

from heedful.channels import registry, templates
from heedful.conversations import actions as conversation_actions
from heedful.conversations.models import Conversation, Delivery, Direction, Message
from heedful.core.clock import now
from heedful.outbound.actions import queue
from heedful.outbound.replies import reply_payload


def send_template(user, conversation: Conversation, template: dict, *, automated: bool = False) -> Message:
    """Queue a template message. Reads the approved templates (network, maybe cached): call
    outside a transaction. Raises InvalidFields for a template the channel does not have."""
    channel = conversation.channel
    provider = registry.get(channel.provider)
    body, text = provider.check_template(channel, template, templates.approved(channel))
    payload = {**reply_payload(conversation), "template": body}
    with transaction.atomic():
        message = conversation_actions.append_message(
            conversation, direction=Direction.OUT, author_user=user,
            author_name=(user.get_full_name() or user.get_username()) if user else "",
            text=text, display_text=text, sent_at=now(), delivery_status=Delivery.QUEUED,
            automated=automated, metadata={"template": {"name": body["name"], "language": body["language"]}},
        )
        queue(message, payload, [])
    return message
