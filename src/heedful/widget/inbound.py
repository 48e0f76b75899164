"""A visitor's message goes in like every channel's: its raw body is stored as an InboundEvent
and the ingestion pipeline threads it into the same queue, contact and history.

The body is built here from the signed token (who the visitor is, the verified email) and the
fields the visitor typed (text, a typed email, a name); the provider's `parse` reads it later.
"""

from __future__ import annotations

import json
import re
import uuid

from django.db import transaction

from heedful.channels.providers.webchat import files, prechat
from heedful.channels.providers.webchat.provider import KIND, MAX_TEXT
from heedful.core.clock import now
from heedful.core.errors import AttachmentRefused, ValidationError
from heedful.ingestion.store import store_event
from heedful.knowledge.actions import record_conversation_opened
from heedful.realtime.broker import publish
from heedful.widget import gate
from heedful.widget.signals import deflection_session
from heedful.widget.tokens import Visitor

CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,24}$")


def _field(data: dict, key: str, limit: int) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise ValidationError(f"{key} must be a string")
    if len(value) > limit:
        raise ValidationError(f"{key} is longer than {limit} characters")
    return value.strip()


def body_of(visitor: Visitor, data: dict, *, away: bool = False, uploads=(), settings: dict | None = None,
            first: bool = False) -> tuple[str, dict]:
    """(event key, body) of one visitor message; a repeated client id gives the same key.
    `away`: nobody can answer live, so a reply also goes to the email the visitor left.
    `uploads`: (filename, bytes) pairs, already within the channel's size limit. `settings`:
    the channel's, for its pre-chat fields, required only on the visitor's `first` message."""
    settings = settings or {}
    text = _field(data, "text", MAX_TEXT)
    if len(uploads) > files.MAX_FILES:
        raise ValidationError(f"at most {files.MAX_FILES} files per message")
    try:
        attached = [files.encode(name, content) for name, content in uploads]
    except ValueError as exc:
        raise AttachmentRefused(str(exc)) from None
    if not text and not attached:
        raise ValidationError("a message needs text or a file")
    client_id = data.get("client_id") or uuid.uuid4().hex
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise ValidationError("client_id must be 8-64 letters, digits, - or _")
    email = _field(data, "email", 254).lower()
    if email and not EMAIL.match(email):
        raise ValidationError("email is not an email address")
    try:
        fields = prechat.answers(settings, data.get("fields"))
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    if first and (label := prechat.missing(settings, fields)):
        raise ValidationError(f"{label} is required before the first message")
    mid = f"{visitor.handle}:{client_id}"
    body = {"id": mid, "visitor": visitor.handle, "text": text, "client_id": client_id,
            "name": visitor.name or _field(data, "name", 120), "sent_at": now().isoformat(),
            "page": _field(data, "page", 500)}
    if attached:
        body["attachments"] = attached
    if email:
        body["email"] = email  # typed: a claim, never linked as the visitor's own
        body["continue_by_email"] = away
    if visitor.verified_email:
        body["verified_email"] = visitor.verified_email
    if fields:
        body["fields"] = fields
    return f"{KIND}:{mid}", body


def accept(channel, visitor: Visitor, data: dict, *, away: bool = False, uploads=()) -> tuple[int, bool, str]:
    """Store one visitor message; (event id, created, provider message id). The visitor's own
    stream hears "posted" after commit so it follows a conversation the message may open."""
    key, body = body_of(visitor, data, away=away, uploads=uploads, settings=channel.settings or {},
                        first=gate.open_conversation(visitor) is None)
    raw = json.dumps(body, separators=(",", ":")).encode()
    with transaction.atomic():
        event, created = store_event(channel, KIND, key, raw, "application/json")
        if created:  # suggestions this visitor opened did not spare them writing to us
            record_conversation_opened(deflection_session(visitor))
        notice = {"type": "posted", "client_id": body["client_id"]}
        transaction.on_commit(lambda: publish(visitor.topic, notice))
    return event.pk, created, body["id"]
