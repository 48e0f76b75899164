"""Every write to conversations, messages and notes. Events go out after commit."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from heedful.channels import registry
from heedful.contacts.models import Identity
from heedful.conversations import mentions
from heedful.conversations.models import Conversation, Delivery, Direction, Message, Note, Status
from heedful.core.clock import now
from heedful.core.errors import ValidationError
from heedful.events import names
from heedful.events.dispatcher import emit
from heedful.outbound import actions as outbound_actions


def open_conversation(channel, contact, *, public: bool = False, subject: str = "",
                      thread_key: str = "", at=None) -> Conversation:
    at = at or now()
    conversation = Conversation.objects.create(
        channel=channel, contact=contact, public=public, subject=subject[:500],
        thread_key=thread_key[:255], team=channel.team, created_at=at, last_activity_at=at,
    )
    emit(names.CONVERSATION_CREATED, conversation_id=conversation.pk)
    return conversation


def append_message(conversation: Conversation, **fields) -> Message:
    """Store one message and move the conversation's counters. Call inside a transaction.

    An inbound message reopens a resolved conversation: the customer is not done.
    """
    message = Message.objects.create(conversation=conversation, channel_id=conversation.channel_id, **fields)
    at = message.sent_at
    updates = {"messages_count": F("messages_count") + 1}
    if at >= conversation.last_activity_at:
        updates["last_activity_at"] = at
        updates["preview"] = (message.display_text or message.text or "")[:280]
    if message.direction == Direction.IN and not message.automated:
        updates["last_inbound_at"] = at
        if conversation.status == Status.RESOLVED:
            updates["status"] = Status.OPEN
            updates["resolved_at"] = None
            updates["reopened_count"] = F("reopened_count") + 1
    elif message.direction == Direction.OUT:
        updates["replies_count"] = F("replies_count") + 1
        if conversation.first_response_at is None:
            updates["first_response_at"] = at
    Conversation.objects.filter(pk=conversation.pk).update(**updates)
    emit(names.MESSAGE_CREATED, message_id=message.pk, conversation_id=conversation.pk,
         direction=message.direction)
    if updates.get("status") == Status.OPEN:
        emit(names.CONVERSATION_REOPENED, conversation_id=conversation.pk)
    return message


def _recipient(conversation: Conversation) -> Identity | None:
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


def reply(user, conversation: Conversation, text: str, *, html: str = "", private: bool = False,
          attachments: list | None = None) -> Message:
    """Queue an agent reply on the conversation's channel. Sending happens after commit."""
    text = (text or "").strip()
    if not text and not attachments:
        raise ValidationError("a reply needs text or an attachment")
    provider = registry.get(conversation.channel.provider)
    public = conversation.public and not private
    limit = getattr(provider, "max_text_length", None)
    if public and limit and len(text) > limit:
        raise ValidationError(f"a public reply on {provider.key} is at most {limit} characters")
    payload = reply_payload(conversation, private=private)
    check = getattr(provider, "check_reply", None)
    if check:
        check(conversation.channel, payload, text)  # e.g. WhatsApp 24-hour window
    with transaction.atomic():
        message = append_message(
            conversation, direction=Direction.OUT, author_user=user,
            author_name=(user.get_full_name() or user.get_username()) if user else "",
            text=text, display_text=text, html=html, subject=conversation.subject, public=public,
            sent_at=now(), delivery_status=Delivery.QUEUED,
            reply_to_provider_id=payload["reply_to_id"],
        )
        outbound_actions.queue(message, payload, attachments or [])
    return message


def add_note(user, conversation: Conversation, text: str) -> Note:
    text = (text or "").strip()
    if not text:
        raise ValidationError("a note needs text")
    note = Note.objects.create(conversation=conversation, author=user, text=text)
    Conversation.objects.filter(pk=conversation.pk).update(last_activity_at=max(conversation.last_activity_at, note.created_at))
    emit(names.NOTE_CREATED, note_id=note.pk, conversation_id=conversation.pk)
    mentions.notify(user, note)
    return note


def _set_status(conversation: Conversation, status: str, event: str) -> Conversation:
    if conversation.status == status:
        return conversation
    fields = ["status", "resolved_at", "snoozed_until"]
    if conversation.status == Status.RESOLVED:
        conversation.reopened_count += 1
        fields.append("reopened_count")
    conversation.status = status
    conversation.resolved_at = now() if status == Status.RESOLVED else None
    conversation.snoozed_until = None
    conversation.save(update_fields=fields)
    emit(event, conversation_id=conversation.pk)
    return conversation


def resolve(user, conversation: Conversation) -> Conversation:
    return _set_status(conversation, Status.RESOLVED, names.CONVERSATION_RESOLVED)


def reopen(user, conversation: Conversation) -> Conversation:
    return _set_status(conversation, Status.OPEN, names.CONVERSATION_REOPENED)


def set_pending(user, conversation: Conversation, until=None) -> Conversation:
    conversation = _set_status(conversation, Status.PENDING, names.CONVERSATION_UPDATED)
    if until:
        conversation.snoozed_until = until
        conversation.save(update_fields=["snoozed_until"])
    return conversation


def assign(user, conversation: Conversation, *, assignee=None, team=None) -> Conversation:
    fields = []
    if assignee is not False and conversation.assignee_id != (assignee.pk if assignee else None):
        conversation.assignee = assignee
        fields.append("assignee")
    if team is not None and conversation.team_id != (team.pk if team else None):
        conversation.team = team
        fields.append("team")
    if fields:
        conversation.save(update_fields=fields)
        emit(names.CONVERSATION_ASSIGNED, conversation_id=conversation.pk,
             assignee_id=conversation.assignee_id, team_id=conversation.team_id)
    return conversation


def set_priority(user, conversation: Conversation, priority: int) -> Conversation:
    conversation.priority = priority
    conversation.save(update_fields=["priority"])
    emit(names.CONVERSATION_UPDATED, conversation_id=conversation.pk)
    return conversation


DEFAULT_ACKNOWLEDGEMENT = "We've sent you a private message so we can look into this with you."


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
    private_key = getattr(provider, "private_thread_key", None)
    if private_key is None:
        raise ValidationError(f"{provider.key} has no private channel")
    payload = reply_payload(conversation, private=True)
    with transaction.atomic():
        if acknowledgement:
            reply(user, conversation, acknowledgement)
        message = reply(user, conversation, text, private=True)
        conversation.public = False
        conversation.thread_key = private_key(conversation.channel, payload)[:255]
        conversation.save(update_fields=["public", "thread_key"])
        emit(names.CONVERSATION_UPDATED, conversation_id=conversation.pk)
    return message
