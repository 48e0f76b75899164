"""The events an integration webhook may subscribe to, and the `data` each one carries.

`data` is built when the event is recorded, after the action committed, from the rows as they
are then; it is frozen in the delivery so every attempt sends the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from heedful.contacts.models import Contact
from heedful.conversations.models import Conversation, Message
from heedful.events import names
from heedful.feedback.models import Survey


def _iso(value):
    return value.isoformat() if value else None


def conversation(c: Conversation) -> dict:
    return {"id": c.pk, "channel": c.channel_id, "provider": c.channel.provider, "contact": c.contact_id,
            "status": c.status, "priority": c.priority, "public": c.public, "assignee": c.assignee_id,
            "team": c.team_id, "subject": c.subject, "messages_count": c.messages_count,
            "created_at": _iso(c.created_at), "last_activity_at": _iso(c.last_activity_at),
            "resolved_at": _iso(c.resolved_at)}


def message(m: Message) -> dict:
    return {"id": m.pk, "conversation": m.conversation_id, "direction": m.direction, "author": m.author_name,
            "author_user": m.author_user_id, "text": m.text, "html": m.html,
            "provider_message_id": m.provider_message_id, "public": m.public, "automated": m.automated,
            "sent_at": _iso(m.sent_at), "delivery_status": m.delivery_status,
            "attachments": [{"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size}
                            for a in m.attachments.all()]}


# Each builder: (event payload) -> (data, id of the contact whose data it holds, id of the message
# it quotes) or None when the object is gone (erased or deleted since).
Built = tuple[dict, int | None, int | None] | None


def _message_created(p: dict) -> Built:
    m = (Message.objects.select_related("conversation__channel").prefetch_related("attachments")
         .filter(pk=p.get("message_id")).first())
    if m is None:
        return None
    return {"message": message(m), "conversation": conversation(m.conversation)}, m.conversation.contact_id, m.pk


def _conversation(p: dict) -> Built:
    c = Conversation.objects.select_related("channel").filter(pk=p.get("conversation_id")).first()
    return ({"conversation": conversation(c)}, c.contact_id, None) if c else None


def _contact_merged(p: dict) -> Built:
    target = Contact.objects.filter(pk=p.get("target_id")).first()
    data = {"source": p.get("source_id"), "target": p.get("target_id"), "merge": p.get("merge_id")}
    return data, (target.pk if target else None), None


def _contact_erased(p: dict) -> Built:
    return {"contact": p.get("contact_id")}, None, None  # an id only: nothing personal is left to send


def _survey_answered(p: dict) -> Built:
    s = Survey.objects.filter(pk=p.get("survey_id")).first()
    if s is None:
        return None
    return {"survey": {"id": s.pk, "conversation": s.conversation_id, "contact": s.contact_id,
                       "provider": s.provider, "csat": s.csat, "why": s.why, "why_text": s.why_text,
                       "answered_at": _iso(s.answered_at)}}, s.contact_id, None


BUILDERS: dict[str, Callable[[dict], Built]] = {
    names.MESSAGE_CREATED: _message_created,
    names.CONVERSATION_CREATED: _conversation,
    names.CONVERSATION_ASSIGNED: _conversation,
    names.CONVERSATION_RESOLVED: _conversation,
    names.CONVERSATION_REOPENED: _conversation,
    names.CONTACT_MERGED: _contact_merged,
    names.CONTACT_UNMERGED: _contact_merged,
    names.CONTACT_ERASED: _contact_erased,
    names.SURVEY_ANSWERED: _survey_answered,
}
EVENTS: tuple[str, ...] = tuple(BUILDERS)


def build(event: str, payload: dict) -> Built:
    return BUILDERS[event](payload)
