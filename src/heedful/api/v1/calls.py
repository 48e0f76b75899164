"""Logged phone calls: `POST /api/v1/contacts/<id>/calls` records a call an agent made or took
on the contact's phone thread (the `phone` channel), `GET` lists the contact's logged calls."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict
from pydantic import ValidationError as PydanticError

from heedful.accounts.access import access_contact, conversations_for
from heedful.api.v1.pagination import paginate
from heedful.channels import actions as channel_actions
from heedful.conversations import calls
from heedful.conversations.models import Message
from heedful.core.errors import InvalidFields

router = Router(tags=["calls"])


class CallIn(Schema):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422, never dropped

    direction: Literal["inbound", "outbound"]
    outcome: Literal["answered", "missed", "voicemail"]
    duration_seconds: int = Field(0, ge=0, le=calls.MAX_DURATION)
    notes: str = Field("", max_length=calls.MAX_NOTES)
    topic: str = Field("", max_length=60, description="a topic label put on the phone conversation")
    at: datetime | None = Field(None, description="when the call began; default now")


def call_json(message: Message) -> dict:
    facts = (message.metadata or {}).get("call", {})
    return {"id": message.pk, "conversation": message.conversation_id, "contact": message.conversation.contact_id,
            "direction": facts.get("direction"), "outcome": facts.get("outcome"),
            "duration_seconds": facts.get("duration_seconds", 0), "topic": facts.get("topic", ""),
            "text": message.text, "at": message.sent_at.isoformat(), "logged_by": facts.get("logged_by")}


def phone_channel():
    return channel_actions.ensure(calls.PROVIDER, "Phone")


def _body(request) -> CallIn:
    """Read after the gate: a contact the caller may not change is a 404 whatever the body."""
    try:
        return CallIn.model_validate_json(request.body or b"{}")
    except PydanticError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
        raise InvalidFields(problems) from None


@router.post("/contacts/{contact_id}/calls", response={201: dict}, openapi_extra={"requestBody": {
    "required": True, "content": {"application/json": {"schema": CallIn.model_json_schema()}}}})
def log_call(request, contact_id: int):
    """Log a phone call on the contact: it joins the contact's open phone conversation (or opens
    one), counts in the timeline and in the reports as the `phone` channel."""
    contact = access_contact(request.auth, contact_id, write=True)
    body = _body(request)
    message = calls.log_call(request.auth, phone_channel(), contact, direction=body.direction,
                             outcome=body.outcome, duration_seconds=body.duration_seconds, notes=body.notes,
                             topic=body.topic.strip(), at=body.at)
    message = Message.objects.select_related("conversation").get(pk=message.pk)
    return Status(201, call_json(message))


@router.get("/contacts/{contact_id}/calls")
def list_calls(request, contact_id: int):
    contact = access_contact(request.auth, contact_id)
    rows = (Message.objects.filter(conversation__in=conversations_for(request.auth).filter(contact=contact),
                                   channel__provider=calls.PROVIDER, metadata__has_key="call")
            .select_related("conversation").order_by("-sent_at", "-pk"))
    return paginate(request, rows, call_json)
