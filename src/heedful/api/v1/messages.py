"""Find messages by provider id, through the conversation gate."""

from __future__ import annotations

from ninja import Router

from heedful.accounts.access import messages_for, require_text_reader
from heedful.api.v1 import serializers
from heedful.api.v1.errors import answers
from heedful.api.v1.pagination import paginate

router = Router(tags=["messages"])


@router.get("/messages")
@answers(404)
def list_messages(request, provider_message_id: str = "", conversation: int | None = None):
    require_text_reader(request.auth)
    qs = messages_for(request.auth)
    if provider_message_id:
        qs = qs.with_provider_ids([provider_message_id])
    if conversation:
        qs = qs.filter(conversation_id=conversation)
    qs = qs.prefetch_related("attachments").order_by("-sent_at", "-id")
    return paginate(request, qs, serializers.message)
