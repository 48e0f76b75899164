"""Agent replies: a message in the conversation and its durable delivery, in one transaction.

The reply's checks are the provider's (text limit, a closed window), made before anything is
stored; the message is written by the conversations app's action and the delivery by this app's
`queue`; sending happens after commit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from heedful.channels import registry
from heedful.channels.base import OutboundAttachment
from heedful.channels.models import Channel
from heedful.contacts import actions as contact_actions
from heedful.conversations import actions as conversation_actions
from heedful.conversations import attachments as stored_files
from heedful.conversations.models import Conversation, Delivery, Direction, Message
from heedful.core.clock import now
from heedful.core.errors import AttachmentRefused, ValidationError
from heedful.outbound.actions import queue

DEFAULT_ACKNOWLEDGEMENT = "We've sent you a private message so we can look into this with you."


def _recipient(conversation: Conversation):
    """The customer's handle on this channel: the one that last wrote, else their newest."""
    kind = registry.get(conversation.channel.provider).identity_kind
    last_in = (
        conversation.messages.filter(direction=Direction.IN, author_identity__isnull=False, automated=False)
        .select_related("author_identity").order_by("-sent_at", "-id").first()
    )
    if last_in and last_in.author_identity.kind == kind:
        return last_in.author_identity
    return conversation.contact.identities.filter(kind=kind, blocked=False).order_by("-id").first()


def reply_payload(conversation: Conversation, *, private: bool = False) -> dict:
    """What a provider needs to answer in the right place, frozen when the reply is queued."""
    recipient = _recipient(conversation)
    # An auto-reply (out of office) is never the mail answered, nor its sender the recipient.
    last_in = conversation.messages.filter(direction=Direction.IN, automated=False).exclude(provider_message_id="")
    last_in = last_in.order_by("-sent_at", "-id").first()
    references = list(
        conversation.messages.exclude(provider_message_id="").order_by("sent_at", "id")
        .values_list("provider_message_id", flat=True)[:50]
    )
    return {
        "to": recipient.handle if recipient else "",
        "to_username": recipient.username if recipient else "",
        "to_name": recipient.display_name if recipient else "",
        "reply_to_id": last_in.provider_message_id if last_in else "",
        "reply_to_metadata": last_in.metadata if last_in else {},
        "references": references,
        "thread_key": conversation.thread_key,
        "subject": conversation.subject,
        "conversation_id": conversation.pk,
        # When the customer last wrote: WhatsApp and Messenger only allow replies for a while.
        "last_inbound_at": conversation.last_inbound_at.isoformat() if conversation.last_inbound_at else "",
        "public": conversation.public and not private,
        "mode": "private" if (private or not conversation.public) else "public",
    }


def check_files(provider, channel, payload: dict, files: list[stored_files.NewFile]) -> None:
    """Heedful's own size limit for any file, then the channel's (size, type, count, public)."""
    limit = settings.HEEDFUL_MAX_ATTACHMENT_BYTES
    for item in files:
        if item.size > limit:
            raise AttachmentRefused(f"{item.filename} is larger than Heedful's {limit} byte limit for a file")
    provider.check_attachments(channel, payload, [
        OutboundAttachment(key=str(n), filename=item.filename, content_type=item.content_type, size=item.size)
        for n, item in enumerate(files)])


def reply(user, conversation: Conversation, text: str, *, html: str = "", private: bool = False,
          attachments: list[stored_files.NewFile] | None = None, automated: bool = False) -> Message:
    """Queue an agent reply on the conversation's channel. Sending happens after commit.

    `attachments`: files to send with it, checked against the channel's limits before anything
    is stored, then stored like inbound files. `automated`: sent by Heedful itself (a survey),
    not an answer: no reply or response counted."""
    text = (text or "").strip()
    attachments = list(attachments or [])
    if not text and not attachments:
        raise ValidationError("a reply needs text or an attachment")
    provider = registry.get(conversation.channel.provider)
    public = conversation.public and not private
    limit = provider.max_text_length
    if public and limit and len(text) > limit:
        raise ValidationError(f"a public reply on {provider.key} is at most {limit} characters")
    payload = reply_payload(conversation, private=private)
    provider.check_reply(conversation.channel, payload, text)  # e.g. WhatsApp 24-hour window
    check_files(provider, conversation.channel, payload, attachments)
    with transaction.atomic():
        message = conversation_actions.append_message(
            conversation, direction=Direction.OUT, author_user=user,
            author_name=(user.get_full_name() or user.get_username()) if user else "",
            text=text, display_text=text, html=html, subject=conversation.subject, public=public,
            sent_at=now(), delivery_status=Delivery.QUEUED,
            reply_to_provider_id=payload["reply_to_id"], automated=automated,
        )
        stored = [stored_files.store(message, item) for item in attachments]
        queue(message, payload, [{"id": a.pk, "filename": a.filename, "content_type": a.content_type,
                                  "size": a.size} for a in stored])
    return message


def move_to_private(user, conversation: Conversation, text: str, *,
                    acknowledgement: str = DEFAULT_ACKNOWLEDGEMENT) -> Message:
    """Answer a public conversation privately and leave a short public acknowledgement.

    The provider sends the private message (a DM, or a private reply to the comment) with a
    reference to the public post; the conversation then follows the private thread, so the
    customer's DMs land here too.
    """
    if not conversation.public:
        raise ValidationError("this conversation is already private")
    provider = registry.get(conversation.channel.provider)
    if not provider.can_go_private:
        raise ValidationError(f"{provider.key} has no private channel")
    payload = reply_payload(conversation, private=True)
    if provider.private_opens_conversation:
        return _continue_privately(user, conversation, provider, payload, text,
                                   acknowledgement or DEFAULT_ACKNOWLEDGEMENT)
    with transaction.atomic():
        if acknowledgement:
            reply(user, conversation, acknowledgement)
        message = reply(user, conversation, text, private=True)
        conversation_actions.make_private(conversation, provider.private_thread_key(conversation.channel, payload))
    return message


def _email_route(conversation: Conversation, provider, payload: dict):
    """(email channel, address) for the customer, or None: the contact's own address, else one
    the public channel's system knows (a forum member's), when an email channel exists."""
    kinds = registry.kinds_where(handle_format="email")
    email_providers = [k for k in registry.keys() if registry.get(k).identity_kind in kinds]  # noqa: SIM118 (a module)
    channel = Channel.objects.filter(provider__in=email_providers).order_by("pk").first()
    if channel is None:
        return None
    known = conversation.contact.identities.filter(kind=registry.get(channel.provider).identity_kind,
                                                   blocked=False).order_by("-id").first()
    if known is not None:
        return channel, None
    address = provider.private_email(conversation.channel, payload).strip()
    return (channel, address) if address else None


def _private_destination(conversation: Conversation, provider, payload: dict):
    """Where the private conversation lives: (channel, thread key)."""
    route = _email_route(conversation, provider, payload)
    if route is not None:
        channel, address = route
        if address is None:
            return channel, ""
        kind = registry.get(channel.provider).identity_kind
        try:
            contact_actions.add_identity(conversation.contact, kind, address, linked_via="private move")
            return channel, ""  # email threads by Message-ID, not by key
        except ValidationError:  # erased, or another contact's address: stay inside the channel
            pass
    return conversation.channel, provider.private_thread_key(conversation.channel, payload)


def _continue_privately(user, conversation: Conversation, provider, payload: dict, text: str,
                        acknowledgement: str) -> Message:
    """A new private conversation with the same contact, linked to the public one, which gets
    only the acknowledgement (never the private text)."""
    if not (text or "").strip():
        raise ValidationError("a private message needs text")
    with transaction.atomic():
        channel, thread_key = _private_destination(conversation, provider, payload)
        private = conversation_actions.open_conversation(
            channel, conversation.contact, public=False, subject=conversation.subject,
            thread_key=thread_key, continued_from=conversation)
        message = reply(user, private, text)
        reply(user, conversation, acknowledgement)
        # `continued_from` is the link; notes show it both ways in the workspace timelines.
        conversation_actions.add_note(user, conversation, f"Continued privately in conversation #{private.pk}.")
        conversation_actions.add_note(user, private, f"Continues public conversation #{conversation.pk}.")
    return message
