"""Find messages by provider id, through the conversation gate."""

from __future__ import annotations

from ninja import Router

from heedful.accounts.access import conversations_for
from heedful.api.v1 import serializers
from heedful.api.v1.pagination import paginate
from heedful.conversations.models import Message

router = Router(tags=["messages"])


@router.get("/messages")
def list_messages(request, provider_message_id: str = "", conversation: int | None = None):
    qs = Message.objects.filter(conversation__in=conversations_for(request.auth))
    if provider_message_id:
        qs = qs.filter(provider_message_id=provider_message_id)
    if conversation:
        qs = qs.filter(conversation_id=conversation)
    qs = qs.prefetch_related("attachments").order_by("-sent_at", "-id")
    return paginate(request, qs, serializers.message)
