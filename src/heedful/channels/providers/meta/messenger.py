"""Messenger-platform `messaging[]` events, shared by Facebook Messenger and Instagram DMs.

Both platforms send the same event shapes (message, postback, delivery, read ...); they differ
only in the identity kind of the people and the prefix of the DM thread key.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from urllib.parse import urlsplit

from heedful.channels.base import (
    Handle,
    InboundAttachment,
    InboundMessage,
    ParsedEvent,
    StatusUpdate,
)
from heedful.channels.providers.meta.graph_webhook import as_dict, as_list, as_str, from_epoch


@dataclass(frozen=True)
class Inbox:
    """Whose messaging events these are and how their people are named."""

    kind: str  # identity kind: facebook | instagram
    thread_prefix: str  # psid | igsid
    account_name: str  # the channel's name, shown as the author of brand echoes


# Events that carry no customer message; each is recorded as ignored with this reason.
IGNORED_EVENTS = {
    "referral": "referral: the customer opened the thread from a link or ad (no message yet)",
    "account_linking": "account linking callback",
    "pass_thread_control": "handover protocol: thread control passed to another app",
    "take_thread_control": "handover protocol: thread control taken by another app",
    "request_thread_control": "handover protocol: another app asked for thread control",
    "app_roles": "handover protocol: app roles changed",
    "policy_enforcement": "policy enforcement notice from Meta (page messaging blocked or unblocked)",
    "policy-enforcement": "policy enforcement notice from Meta (page messaging blocked or unblocked)",
    "checkout_update": "payments: checkout update (Messenger payments are not handled)",
    "pre_checkout": "payments: pre-checkout (Messenger payments are not handled)",
    "payment": "payments: payment callback (Messenger payments are not handled)",
    "optin": "opt-in from a plugin or a notification request",
    "game_play": "instant game played",
    "reaction": "message reaction (not a message)",
    "message_edit": "message edited (the original text is kept)",
    "messaging_feedback": "customer feedback form answer",
}

_MEDIA = {"image": "Image", "animated_image": "GIF", "video": "Video", "audio": "Audio", "file": "File"}
_SHARES = {
    "share": "Shared a post",
    "ig_reel": "Shared a reel",
    "reel": "Shared a reel",
    "ig_post": "Shared a post",
    "story_mention": "Mentioned you in their story",
    "fallback": "Shared a link",
    "template": "Shared",
}


def parse_messaging(events: list, inbox: Inbox, parsed: ParsedEvent) -> None:
    for event in events:
        event = as_dict(event)
        if "message" in event:
            _message(event, inbox, parsed)
        elif "postback" in event:
            _postback(event, inbox, parsed)
        elif "delivery" in event:
            _delivery(event, inbox, parsed)
        elif "read" in event:
            _read(event, inbox, parsed)
        else:
            known = next((k for k in event if k in IGNORED_EVENTS), None)
            parsed.ignored.append(IGNORED_EVENTS[known] if known else "unknown messaging event")


def _ids(event: dict) -> tuple[str, str]:
    return as_str(as_dict(event.get("sender")).get("id")), as_str(as_dict(event.get("recipient")).get("id"))


def _message(event: dict, inbox: Inbox, parsed: ParsedEvent) -> None:
    sender, recipient = _ids(event)
    body = as_dict(event.get("message"))
    mid = as_str(body.get("mid"))
    echo = bool(body.get("is_echo"))
    customer = recipient if echo else sender
    if body.get("is_deleted"):
        parsed.ignored.append("the customer deleted a message (Heedful keeps the copy it has)")
        return
    if not mid or not sender or not recipient:
        parsed.ignored.append("message without a message id, sender or recipient")
        return
    text, attachments, metadata = describe(body)
    reply_to = as_dict(body.get("reply_to"))
    if as_dict(reply_to.get("story")):
        story = as_dict(reply_to["story"])
        metadata["story_reply"] = as_str(story.get("id"))
        metadata["story"] = {"kind": "reply", "id": as_str(story.get("id")), "url": safe_url(as_str(story.get("url")))}
        text = text or "Replied to your story"
    if echo:
        metadata["app_id"] = as_str(body.get("app_id"))
    parsed.messages.append(InboundMessage(
        provider_message_id=mid,
        sender=Handle(inbox.kind, sender, display_name=inbox.account_name if echo else ""),
        text=text, sent_at=from_epoch(event.get("timestamp")),
        direction="out" if echo else "in",
        reply_to_ids=[as_str(reply_to.get("mid"))] if as_str(reply_to.get("mid")) else [],
        thread_key=f"{inbox.thread_prefix}:{customer}",
        recipient=Handle(inbox.kind, customer) if echo else None,
        attachments=attachments, metadata=metadata,
    ))


def describe(body: dict) -> tuple[str, list[InboundAttachment], dict]:
    """Text, attachments and metadata of a Messenger/Instagram message body."""
    lines = [as_str(body.get("text"))] if as_str(body.get("text")) else []
    attachments: list[InboundAttachment] = []
    media_labels: list[str] = []
    metadata: dict = {"meta_kind": "dm"}
    quick_reply = as_dict(body.get("quick_reply"))
    if quick_reply:
        metadata["quick_reply_payload"] = as_str(quick_reply.get("payload"))[:1000]
    if body.get("is_unsupported"):
        lines.append("[Unsupported message: open it in the app to see it]")
    for item in as_list(body.get("attachments")):
        item = as_dict(item)
        kind, payload = as_str(item.get("type")), as_dict(item.get("payload"))
        url = safe_url(as_str(payload.get("url")) or as_str(item.get("url")))
        if kind in _MEDIA:
            if url:
                attachments.append(attachment_for(kind, url, len(attachments)))
                media_labels.append("Sticker" if payload.get("sticker_id") else _MEDIA[kind])
            if payload.get("sticker_id"):
                metadata["sticker_id"] = as_str(payload.get("sticker_id"))
        elif kind == "location":
            lines.append(_location(item, payload))
        elif kind in _SHARES:
            if kind == "story_mention":  # the story's CDN link expires with the story (24 h)
                metadata["story"] = {"kind": "mention", "url": url}
            title = as_str(item.get("title")) or _template_title(payload)
            lines.append(" ".join(p for p in (_SHARES[kind] + ":", title, url) if p).rstrip(":"))
        else:
            lines.append(f"[{kind or 'unknown'} attachment]")
    if not lines and media_labels:  # a readable preview for media-only messages
        lines.append("[" + ", ".join(media_labels) + "]")
    return "\n".join(lines), attachments, metadata


def _location(item: dict, payload: dict) -> str:
    coordinates = as_dict(payload.get("coordinates"))
    lat, lon = as_str(coordinates.get("lat")), as_str(coordinates.get("long"))
    title = as_str(item.get("title"))
    where = f" ({lat}, {lon})" if lat and lon else ""
    return "Location:" + (f" {title}" if title else "") + where


def _template_title(payload: dict) -> str:
    elements = as_list(payload.get("elements"))
    return as_str(as_dict(elements[0]).get("title")) if elements else ""


def safe_url(url: str) -> str:
    """Only web links are kept: a `javascript:` URL must never reach an agent's screen."""
    parts = urlsplit(url) if url else None
    return url[:1000] if parts and parts.scheme in ("http", "https") and parts.netloc else ""


def attachment_for(kind: str, url: str, index: int) -> InboundAttachment:
    path = urlsplit(url).path.rsplit("/", 1)[-1]
    guessed = mimetypes.guess_type(path)[0] if path else None
    fallback = {"image": "image/jpeg", "animated_image": "image/gif", "video": "video/mp4",
                "audio": "audio/mpeg"}.get(kind, "application/octet-stream")
    return InboundAttachment(filename=path or f"{kind}-{index + 1}", content_type=guessed or fallback, url=url)


def _postback(event: dict, inbox: Inbox, parsed: ParsedEvent) -> None:
    sender, _ = _ids(event)
    postback = as_dict(event.get("postback"))
    if not sender:
        parsed.ignored.append("postback without a sender")
        return
    # Older postbacks carry no mid: sender and time identify the tap, so replays still dedupe.
    mid = as_str(postback.get("mid")) or f"postback:{sender}:{as_str(event.get('timestamp'))}"
    metadata = {"meta_kind": "dm", "postback_payload": as_str(postback.get("payload"))[:1000]}
    if as_dict(postback.get("referral")):
        metadata["referral"] = {k: as_str(v)[:200] for k, v in as_dict(postback["referral"]).items()}
    parsed.messages.append(InboundMessage(
        provider_message_id=mid, sender=Handle(inbox.kind, sender),
        text=as_str(postback.get("title")) or as_str(postback.get("payload")),
        sent_at=from_epoch(event.get("timestamp")), thread_key=f"{inbox.thread_prefix}:{sender}",
        metadata=metadata,
    ))


def _delivery(event: dict, inbox: Inbox, parsed: ParsedEvent) -> None:
    _status(event, as_dict(event.get("delivery")), "delivered", inbox, parsed)


def _read(event: dict, inbox: Inbox, parsed: ParsedEvent) -> None:
    _status(event, as_dict(event.get("read")), "read", inbox, parsed)


def _status(event: dict, body: dict, status: str, inbox: Inbox, parsed: ParsedEvent) -> None:
    """Messenger reports mids or a watermark; Instagram reports one mid."""
    customer, _ = _ids(event)
    at = from_epoch(event.get("timestamp"))
    mids = [as_str(m) for m in as_list(body.get("mids")) if as_str(m)]
    if as_str(body.get("mid")):
        mids.append(as_str(body["mid"]))
    for mid in mids:
        parsed.statuses.append(StatusUpdate(provider_message_id=mid, status=status, at=at))
    watermark = from_epoch(body.get("watermark"))
    if not mids and watermark is not None:
        parsed.statuses.append(StatusUpdate(
            provider_message_id="", status=status, at=at, watermark=watermark,
            recipient=Handle(inbox.kind, customer) if customer else None,
        ))
    elif not mids:
        parsed.ignored.append(f"{status} receipt without message ids or watermark")
