"""The one gate for what a visitor reads: that visitor's conversations on that channel.

A conversation is the visitor's when it is on the token's channel and carries the thread key of
one of the token's handles (the provider threads every visitor message that way). Within it the
visitor reads their own messages and the brand's replies once released (`sent` or later), on
this channel only, so a conversation merged in from another channel never leaks into the widget.
Notes are never shown. Nothing here takes a conversation id from the visitor.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q

from heedful.channels.providers.webchat.provider import KIND, thread_key
from heedful.conversations.models import (
    Attachment,
    Conversation,
    Delivery,
    Direction,
    Message,
    Status,
)
from heedful.core.clock import now
from heedful.widget.tokens import Visitor

RELEASED = (Delivery.SENT, Delivery.DELIVERED, Delivery.READ)
PENDING = (Delivery.QUEUED, Delivery.SENDING)
# A row younger than this may have a smaller id than a row of a transaction still committing:
# the re-sync cursor never moves past it, so a late commit is still found.
SETTLE = timedelta(seconds=5)
LIVE_CONVERSATIONS = 5  # the newest ones a stream follows; older ones are history


def conversations(visitor: Visitor):
    return Conversation.objects.filter(channel_id=visitor.channel_id,
                                       thread_key__in=[thread_key(h) for h in visitor.handles])


def live_conversation_ids(visitor: Visitor) -> list[int]:
    rows = conversations(visitor).order_by("-last_activity_at").values_list("pk", flat=True)
    return sorted(rows[:LIVE_CONVERSATIONS])


def _messages(visitor: Visitor, conversation_ids=None):
    scope = conversations(visitor) if conversation_ids is None else conversation_ids
    mine = Q(direction=Direction.IN, author_identity__kind=KIND, author_identity__handle__in=visitor.handles)
    return (Message.objects.filter(channel_id=visitor.channel_id, conversation_id__in=scope)
            .filter(mine | Q(direction=Direction.OUT)).select_related("author_identity")
            .prefetch_related("attachments"))


def own(visitor: Visitor, conversation_ids=None):
    """The visitor's own messages (their read receipts are on these)."""
    return _messages(visitor, conversation_ids).filter(direction=Direction.IN)


def replies(visitor: Visitor):
    """The brand's released replies the visitor can read."""
    return _messages(visitor).filter(direction=Direction.OUT, delivery_status__in=RELEASED)


def shown(message: Message) -> bool:
    return message.direction == Direction.IN or message.delivery_status in RELEASED


def history(visitor: Visitor, *, before: int | None = None, limit: int = 50) -> list[Message]:
    """The visitor's latest visible messages (oldest first), optionally before a message id."""
    rows = _messages(visitor).filter(Q(direction=Direction.IN) | Q(delivery_status__in=RELEASED))
    if before:
        rows = rows.filter(pk__lt=before)
    return list(reversed(rows.order_by("-pk")[:limit]))


def since(visitor: Visitor, cursor: int, conversation_ids=None, *, limit: int = 200) -> tuple[list[Message], int]:
    """Visible messages with an id above `cursor`, and the cursor to resume from.

    The cursor stops before the first row that may still change what is visible below it: a
    reply not yet released, or a row too young to be sure every smaller id has committed. The
    caller drops the ones it already sent; a client de-duplicates by message id.
    """
    rows = list(_messages(visitor, conversation_ids).filter(pk__gt=cursor).order_by("pk")[:limit])
    settled, moving = cursor, True
    young = now() - SETTLE
    for row in rows:
        pending = row.direction == Direction.OUT and row.delivery_status in PENDING
        if moving and not pending and row.created_at <= young:
            settled = row.pk
        else:
            moving = False
    return [r for r in rows if shown(r)], settled


def attachment(visitor: Visitor, attachment_id: int) -> Attachment | None:
    """A file of a message this visitor may read (theirs, or a released reply), else None."""
    visible = _messages(visitor).filter(Q(direction=Direction.IN) | Q(delivery_status__in=RELEASED))
    return (Attachment.objects.filter(pk=attachment_id, message__in=visible.values("pk"))
            .exclude(file="").first())


def _files(message: Message) -> list[dict]:
    return [{"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size,
             "url": f"/widget/v1/attachments/{a.pk}"} for a in message.attachments.all() if a.file]


def as_json(message: Message, survey: dict | None = None) -> dict:
    """`survey`: the form of the satisfaction survey this reply carries (widget.surveys)."""
    visitor_wrote = message.direction == Direction.IN
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "author": "visitor" if visitor_wrote else "agent",
        "name": message.author_name if not visitor_wrote else "",
        "text": message.text,
        "sent_at": message.sent_at.isoformat(),
        "status": message.delivery_status,
        "client_id": (message.metadata or {}).get("client_id", "") if visitor_wrote else "",
        "attachments": _files(message),
        **({"survey": survey} if survey else {}),
    }


def open_conversation(visitor: Visitor):
    return conversations(visitor).exclude(status=Status.RESOLVED).order_by("-last_activity_at").first()
