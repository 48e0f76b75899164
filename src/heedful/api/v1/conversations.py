"""Conversations: list, read, reply, note, resolve, reopen, assign. Reads go through the gates."""

from __future__ import annotations

from django.db import transaction
from django.db.models.functions import Coalesce
from ninja import Router, Schema, Status
from pydantic import ConfigDict

from heedful.accounts.access import (
    access_conversation,
    assignable_teams,
    assignable_users,
    conversations_for,
    require_text_reader,
)
from heedful.api.v1 import reply_body, serializers, templates
from heedful.api.v1.errors import answers
from heedful.api.v1.fields import NonBlank
from heedful.api.v1.pagination import paginate
from heedful.conversations import actions
from heedful.conversations.search import search_conversations
from heedful.core.errors import InvalidFields, NotFound
from heedful.outbound import replies, template_replies

router = Router(tags=["conversations"])


class ReplyIn(Schema):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422, never dropped

    text: str = ""
    html: str = ""
    private: bool = False
    attachments: list[reply_body.AttachmentIn] = []
    # An approved message template instead of text (WhatsApp outside its 24-hour window).
    template: templates.TemplateIn | None = None


class NoteIn(Schema):
    text: NonBlank


class AssignIn(Schema):
    assignee: int | None = None
    team: int | None = None


# Every query parameter the list understands: any other is a 422, never silently ignored.
LIST_PARAMS = {"status", "channel", "team", "assignee", "contact", "public", "q", "label", "ordering",
               "page", "page_size"}
ORDERINGS = {
    "recent": ("-priority", "-last_activity_at", "-id"),
    # routing's priority score, highest first; equal scores oldest first
    "priority": (Coalesce("routing__score", "score").desc(), "created_at", "id"),
}


def _filtered(request):
    qs = conversations_for(request.auth).select_related("routing").prefetch_related("labels")
    params = request.GET
    unknown = sorted(set(params) - LIST_PARAMS)
    if unknown:
        raise InvalidFields(f"unknown filter parameter: {', '.join(unknown)} (known: {', '.join(sorted(LIST_PARAMS))})")
    ordering = params.get("ordering") or "recent"
    if ordering not in ORDERINGS:
        raise InvalidFields(f"ordering is one of {', '.join(ORDERINGS)}")
    if params.get("label"):
        qs = qs.filter(labels__name__iexact=params["label"])
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    if params.get("channel"):
        qs = qs.filter(channel_id=params["channel"])
    if params.get("team"):
        qs = qs.filter(team_id=params["team"])
    if params.get("assignee"):
        qs = qs.filter(assignee__isnull=True) if params["assignee"] == "none" else qs.filter(assignee_id=params["assignee"])
    if params.get("contact"):
        qs = qs.filter(contact_id=params["contact"])
    if params.get("public") in ("true", "false"):
        qs = qs.filter(public=params["public"] == "true")
    if params.get("q"):
        qs = search_conversations(qs, params["q"])
    return qs.order_by(*ORDERINGS[ordering])


@router.get("/conversations")
@answers(404)
def list_conversations(request):
    require_text_reader(request.auth)  # analysts read reports, never conversation lists
    return paginate(request, _filtered(request), serializers.conversation)


@router.get("/conversations/{conversation_id}")
def get_conversation(request, conversation_id: int):
    return serializers.conversation(access_conversation(request.auth, conversation_id))


@router.get("/conversations/{conversation_id}/messages")
def list_messages(request, conversation_id: int):
    conversation = access_conversation(request.auth, conversation_id)
    qs = conversation.messages.prefetch_related("attachments").order_by("sent_at", "id")
    return paginate(request, qs, serializers.message, default_size=100, max_size=500)


@router.post("/conversations/{conversation_id}/messages", response={201: dict},
             openapi_extra=reply_body.documented(ReplyIn))
@answers(400, 422)
def reply(request, conversation_id: int):
    """An agent reply on the conversation's channel: JSON, or multipart/form-data with `files`."""
    conversation = access_conversation(request.auth, conversation_id)
    body, files = reply_body.read(request, ReplyIn)
    if body.template is not None:
        if body.text or body.html or files:
            raise InvalidFields("template: a template message carries no text, html or files of its own")
        message = template_replies.send_template(request.auth, conversation, body.template.model_dump())
        return Status(201, serializers.message(message))
    message = replies.reply(request.auth, conversation, body.text, html=body.html, private=body.private,
                            attachments=files)
    return Status(201, serializers.message(message))


@router.get("/conversations/{conversation_id}/notes")
def list_notes(request, conversation_id: int):
    conversation = access_conversation(request.auth, conversation_id)
    return paginate(request, conversation.notes.order_by("created_at", "id"), serializers.note)


@router.post("/conversations/{conversation_id}/notes", response={201: dict})
def add_note(request, conversation_id: int, body: NoteIn):
    conversation = access_conversation(request.auth, conversation_id)
    with transaction.atomic():
        note = actions.add_note(request.auth, conversation, body.text)
    return Status(201, serializers.note(note))


@router.post("/conversations/{conversation_id}/resolve")
def resolve(request, conversation_id: int):
    conversation = access_conversation(request.auth, conversation_id)
    with transaction.atomic():
        return serializers.conversation(actions.resolve(request.auth, conversation))


@router.post("/conversations/{conversation_id}/reopen")
def reopen(request, conversation_id: int):
    conversation = access_conversation(request.auth, conversation_id)
    with transaction.atomic():
        return serializers.conversation(actions.reopen(request.auth, conversation))


@router.post("/conversations/{conversation_id}/assign")
def assign(request, conversation_id: int, body: AssignIn):
    conversation = access_conversation(request.auth, conversation_id)
    assignee = None
    if body.assignee is not None:
        # Only people and teams this user may assign to; any other id reads as missing.
        assignee = assignable_users(request.auth).filter(pk=body.assignee).first()
        if assignee is None:
            raise NotFound("no such agent")
    team = None
    if body.team is not None:
        team = assignable_teams(request.auth).filter(pk=body.team).first()
        if team is None:
            raise NotFound("team not found")
    with transaction.atomic():
        conversation = actions.assign(request.auth, conversation, assignee=assignee, team=team)
    return serializers.conversation(conversation)


class MoveToPrivateIn(Schema):
    text: str
    acknowledgement: str | None = None


@router.post("/conversations/{conversation_id}/move-to-private", response={201: dict})
def move_to_private(request, conversation_id: int, body: MoveToPrivateIn):
    conversation = access_conversation(request.auth, conversation_id)
    kwargs = {} if body.acknowledgement is None else {"acknowledgement": body.acknowledgement}
    message = replies.move_to_private(request.auth, conversation, body.text, **kwargs)
    return Status(201, serializers.message(message))
