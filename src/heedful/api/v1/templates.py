"""Message templates of a conversation's channel (WhatsApp outside its 24-hour window), and the
conversation's survey: sent, or not sent and why."""

from __future__ import annotations

from ninja import Field, Router, Schema
from pydantic import ConfigDict

from heedful.accounts.access import access_conversation
from heedful.api.v1 import serializers
from heedful.channels import registry, templates
from heedful.feedback.models import Survey
from heedful.outbound.replies import reply_payload

router = Router(tags=["conversations"])


class TemplateIn(Schema):
    """An approved template by name and language, its variables as the provider's components:
    `[{"type": "body", "parameters": [{"type": "text", "text": "Ann"}]}]`."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=512)
    language: str = Field("", max_length=20, description="e.g. en_US; may be left out when the name has one")
    components: list[dict] = []


@router.get("/conversations/{conversation_id}/templates")
def list_templates(request, conversation_id: int, refresh: bool = False):
    """The approved templates of the conversation's channel (cached; `refresh=true` reads them
    again), and whether only a template may be sent now (`required`)."""
    conversation = access_conversation(request.auth, conversation_id)
    provider = registry.get(conversation.channel.provider)
    required = provider.has_templates and provider.needs_template(conversation.channel, reply_payload(conversation))
    found = templates.approved(conversation.channel, refresh=refresh)
    return {"required": required, "count": len(found), "results": found}


@router.get("/conversations/{conversation_id}/survey")
def get_survey(request, conversation_id: int):
    """The survey sent after the resolution, or recorded as not sent with the reason (`status`
    null: none was due). The answers are in the reports, not here: the handling agent does not
    read them."""
    conversation = access_conversation(request.auth, conversation_id)
    survey = Survey.objects.filter(conversation=conversation).first()
    if survey is None:  # not resolved yet, or a survey went to this customer this week
        return {"status": None, "reason": "", "language": "", "message": None, "template": None,
                "created_at": None, "answered": False}
    sent = conversation.messages.filter(pk=survey.message_id).values_list("metadata", flat=True).first() or {}
    return {"status": survey.status, "reason": survey.reason, "language": survey.language,
            "message": survey.message_id, "template": (sent.get("template") or {}).get("name"),
            "created_at": serializers.iso(survey.created_at), "answered": survey.answered_at is not None}
