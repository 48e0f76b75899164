"""Domain events -> small live notices. Registered on the events dispatcher in `ready()`.

Notices carry ids only, never customer text: the browser fetches what changed through the
normal, permission-checked views.
"""

from __future__ import annotations

from heedful.events import names
from heedful.events.dispatcher import listen
from heedful.realtime import topics
from heedful.realtime.broker import publish

CONVERSATION_EVENTS = (
    names.CONVERSATION_CREATED, names.CONVERSATION_UPDATED, names.CONVERSATION_ASSIGNED,
    names.CONVERSATION_RESOLVED, names.CONVERSATION_REOPENED, names.CONVERSATION_MERGED,
)


def _inbox_changed(conversation_id: int, event: str) -> None:
    publish(topics.INBOX, {"type": "conversation.changed", "conversation": conversation_id, "event": event})


def on_message_created(name: str, payload: dict) -> None:
    cid = payload["conversation_id"]
    publish(topics.conversation(cid), {"type": name, "conversation": cid, "message": payload["message_id"],
                                       "direction": payload.get("direction", "")})
    _inbox_changed(cid, name)


def on_message_status(name: str, payload: dict) -> None:
    cid = payload["conversation_id"]
    publish(topics.conversation(cid), {"type": name, "conversation": cid, "message": payload["message_id"],
                                       "status": payload.get("status", "")})


def on_note_created(name: str, payload: dict) -> None:
    cid = payload["conversation_id"]
    publish(topics.conversation(cid), {"type": name, "conversation": cid, "note": payload["note_id"]})
    _inbox_changed(cid, name)


def on_conversation_event(name: str, payload: dict) -> None:
    cid = payload["conversation_id"]
    publish(topics.conversation(cid), {"type": name, "conversation": cid})
    _inbox_changed(cid, name)
    source = payload.get("source_id")  # a merge also changes the conversation merged away
    if source:
        publish(topics.conversation(source), {"type": name, "conversation": source, "target": cid})
        _inbox_changed(source, name)


def on_note_mentioned(name: str, payload: dict) -> None:
    for user_id in payload.get("user_ids", []):
        publish(topics.user(user_id), {"type": "mention", "conversation": payload["conversation_id"],
                                       "note": payload["note_id"], "author": payload.get("author_id")})


def register() -> None:
    listen(names.MESSAGE_CREATED)(on_message_created)
    listen(names.MESSAGE_STATUS_CHANGED)(on_message_status)
    listen(names.NOTE_CREATED)(on_note_created)
    listen(*CONVERSATION_EVENTS)(on_conversation_event)
    listen(names.NOTE_MENTIONED)(on_note_mentioned)
