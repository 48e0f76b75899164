"""`direct_message_events` (type message_create), with the `users` map that names both sides."""

from __future__ import annotations

from heedful.channels.base import InboundMessage, ParsedEvent, StatusUpdate
from heedful.channels.providers.twitter.text import (
    as_dict,
    attachments_from,
    id_str,
    parse_millis,
    readable_text,
    user_handle,
)


def dm_thread_key(customer_id: str) -> str:
    return f"dm:{customer_id}"


def _handle(users: dict, user_id: str):
    return user_handle(as_dict(users.get(user_id)), fallback_id=user_id)


def to_message(event: dict, users: dict, brand_id: str) -> InboundMessage | None:
    create = as_dict(event.get("message_create"))
    sender_id = str(create.get("sender_id") or "")
    recipient_id = str(as_dict(create.get("target")).get("recipient_id") or "")
    event_id = id_str(event)
    if not (event_id and sender_id):
        return None
    data = as_dict(create.get("message_data"))
    attachment = as_dict(data.get("attachment"))
    media = [attachment.get("media")] if attachment.get("type") == "media" else []
    own = bool(brand_id) and sender_id == brand_id
    customer_id = recipient_id if own else sender_id
    metadata = {"app_id": str(create["source_app_id"])} if create.get("source_app_id") else {}
    return InboundMessage(
        provider_message_id=event_id, sender=_handle(users, sender_id),
        text=readable_text(str(data.get("text") or ""), as_dict(data.get("entities")), media),
        sent_at=parse_millis(event.get("created_timestamp")), direction="out" if own else "in",
        public=False, thread_key=dm_thread_key(customer_id),
        recipient=_handle(users, recipient_id) if own and recipient_id else None,
        attachments=attachments_from(media), metadata=metadata,
    )


def parse_direct_messages(events: list, users: dict, brand_id: str, parsed: ParsedEvent) -> None:
    for event in events:
        event = as_dict(event)
        if event.get("type") != "message_create":
            parsed.ignored.append(f"direct_message_events: type {str(event.get('type'))[:40]!r} is not a message")
            continue
        message = to_message(event, users, brand_id)
        if message is None:
            parsed.ignored.append("direct_message_events: a message without an id or sender")
        else:
            parsed.messages.append(message)


def parse_mark_read(events: list, brand_id: str, parsed: ParsedEvent) -> None:
    """The customer read the brand's DMs up to `last_read_event_id`."""
    for event in events:
        event = as_dict(event)
        last_read = str(event.get("last_read_event_id") or "")
        reader = str(event.get("sender_id") or "")
        if not last_read or (brand_id and reader == brand_id):
            parsed.ignored.append("direct_message_mark_read_events: read by the brand itself")
            continue
        parsed.statuses.append(StatusUpdate(last_read, "read", at=parse_millis(event.get("created_timestamp"))))
