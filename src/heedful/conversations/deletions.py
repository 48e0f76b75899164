"""The conversations app's part of a message its author deleted on the provider: the text and
media go, a stub stays in their place (the brand still sees that the customer wrote, and counts
stay true). The provider id is kept, so a replay of the original post is a duplicate and never
brings the text back. `ingestion.deletions` finds the messages and calls this."""

from __future__ import annotations

from heedful.conversations.models import Attachment, Conversation, Message
from heedful.core.clock import now
from heedful.events import names
from heedful.events.dispatcher import emit


def redact_deleted(messages: list[Message], stub: str, at=None) -> int:
    """Blank these messages' text, HTML, subject and metadata and delete their attachments (rows
    and files). Call inside a transaction. Returns the attachments removed."""
    ids = [m.pk for m in messages]
    removed = 0
    for attachment in Attachment.objects.filter(message_id__in=ids):
        if attachment.file:
            attachment.file.delete(save=False)
        attachment.delete()
        removed += 1
    marker = {"deleted_by_author": True, "deleted_at": (at or now()).isoformat()}
    Message.objects.filter(pk__in=ids).update(text=stub, html="", display_text=stub, metadata=marker)
    Message.objects.filter(pk__in=ids).exclude(subject="").update(subject=stub)
    for conversation in Conversation.objects.filter(pk__in={m.conversation_id for m in messages}):
        _refresh(conversation, set(ids), stub)
    return removed


def _refresh(conversation: Conversation, deleted: set[int], stub: str) -> None:
    """The preview shows the latest message as it is now; a subject taken from the deleted
    first message becomes the stub."""
    ordered = conversation.messages.order_by("sent_at", "pk")
    latest, first = ordered.last(), ordered.first()
    conversation.preview = ((latest.display_text or latest.text) if latest else "")[:280]
    fields = ["preview"]
    if first is not None and first.pk in deleted and conversation.subject:
        conversation.subject = stub
        fields.append("subject")
    conversation.save(update_fields=fields)
    emit(names.CONVERSATION_UPDATED, conversation_id=conversation.pk)
