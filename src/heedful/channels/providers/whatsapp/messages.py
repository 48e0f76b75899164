"""WhatsApp Cloud API message objects, one per type a customer can send, made readable.

Media are not downloaded here: an attachment points at `whatsapp-media:<media id>`, and the
media id, MIME type and SHA-256 stay in the message metadata for a later fetch.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field

from heedful.channels.base import InboundAttachment
from heedful.channels.providers.meta.graph_webhook import as_dict, as_list, as_str

MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
# Types that are not messages; each is recorded as ignored with this reason.
IGNORED_TYPES = {
    "revoke": "the customer deleted a message (Heedful keeps the copy it has)",
    "request_welcome": "welcome request: the customer opened the chat (no message yet)",
    "ephemeral": "disappearing message (WhatsApp does not deliver its content)",
}


@dataclass
class Content:
    text: str = ""
    attachments: list[InboundAttachment] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    reply_to: list[str] = field(default_factory=list)
    automated: bool = False  # reactions and system notices: never open or reopen a conversation


def describe(message: dict, errors: list) -> Content:
    """Text, attachments and metadata for one message; `errors` are WhatsApp's notes on it."""
    kind = as_str(message.get("type"))
    body = as_dict(message.get(kind))
    if kind == "text":
        return Content(as_str(body.get("body")))
    if kind == "contacts":
        return _contacts(as_list(message.get("contacts")))
    if kind in MEDIA_TYPES and body:
        return _media(kind, body)
    handler = _HANDLERS.get(kind)
    if handler is not None and body:
        return handler(body)
    if kind == "edit" and body:
        return _edit(body, errors)
    return _unreadable(as_str(body.get("type")) or kind, as_list(message.get("errors")) + errors)


def _media(kind: str, body: dict) -> Content:
    media_id = as_str(body.get("id"))
    mime = as_str(body.get("mime_type")) or "application/octet-stream"
    base_mime = mime.split(";")[0].strip()
    filename = as_str(body.get("filename")) or f"{kind}-{media_id}{mimetypes.guess_extension(base_mime) or ''}"
    voice, animated = body.get("voice") is True, body.get("animated") is True
    label = {"image": "Image", "video": "Video", "audio": "Voice message" if voice else "Audio",
             "document": f"Document: {filename}", "sticker": "Sticker"}[kind]
    metadata = {"media": {"id": media_id, "mime_type": mime, "sha256": as_str(body.get("sha256")),
                          **({"voice": True} if voice else {}), **({"animated": True} if animated else {})}}
    attachments = [InboundAttachment(filename=filename[:255], content_type=base_mime,
                                     url=f"whatsapp-media:{media_id}")] if media_id else []
    return Content(as_str(body.get("caption")) or f"[{label}]", attachments, metadata)


def _location(body: dict) -> Content:
    lat, lon = as_str(body.get("latitude")), as_str(body.get("longitude"))
    place = ", ".join(p for p in (as_str(body.get("name")), as_str(body.get("address"))) if p)
    where = f"({lat}, {lon})" if lat and lon else ""
    text = "Location: " + " ".join(p for p in (place, where) if p)
    return Content(text.strip(), metadata={"location": {"latitude": lat, "longitude": lon,
                                                         "url": as_str(body.get("url"))[:500]}})


def _contacts(cards: list) -> Content:
    shared = []
    for card in cards:
        card = as_dict(card)
        name = as_str(as_dict(card.get("name")).get("formatted_name")) or "Unnamed"
        phones = [as_str(as_dict(p).get("phone")) for p in as_list(card.get("phones"))]
        phones = [p for p in phones if p]
        shared.append(f"{name} ({', '.join(phones)})" if phones else name)
    return Content("Shared contacts: " + "; ".join(shared) if shared else "[Shared contacts]")


def _interactive(body: dict) -> Content:
    kind = as_str(body.get("type"))
    reply = as_dict(body.get(kind))
    if kind in ("button_reply", "list_reply"):
        text = " - ".join(p for p in (as_str(reply.get("title")), as_str(reply.get("description"))) if p)
        return Content(text or "[Menu choice]", metadata={"choice_id": as_str(reply.get("id"))[:200]})
    if kind == "nfm_reply":
        return Content(as_str(reply.get("body")) or "[Form submitted]",
                       metadata={"form_response": as_str(reply.get("response_json"))[:4000]})
    if kind == "call_permission_reply":
        answer = as_str(reply.get("response")) or "unknown"
        return Content(f"Call permission: {answer}", metadata={"call_permission": answer})
    return Content(f"[Interactive reply: {kind or 'unknown'}]")


def _button(body: dict) -> Content:
    return Content(as_str(body.get("text")) or "[Button]",
                   metadata={"button_payload": as_str(body.get("payload"))[:1000]})


def _reaction(body: dict) -> Content:
    emoji, target = as_str(body.get("emoji")), as_str(body.get("message_id"))
    text = f"Reacted {emoji}" if emoji else "Removed a reaction"
    return Content(text, metadata={"reaction": {"emoji": emoji, "message_id": target}},
                   reply_to=[target] if target else [], automated=True)


def _order(body: dict) -> Content:
    items = []
    for item in as_list(body.get("product_items")):
        item = as_dict(item)
        price = " ".join(p for p in (as_str(item.get("item_price")), as_str(item.get("currency"))) if p)
        line = f"{as_str(item.get('quantity')) or '1'} x {as_str(item.get('product_retailer_id'))}"
        items.append(f"{line} ({price})" if price else line)
    note = as_str(body.get("text"))
    text = "Order: " + ("; ".join(items) or "no items") + (f"\n{note}" if note else "")
    return Content(text, metadata={"order": {"catalog_id": as_str(body.get("catalog_id")), "items": items}})


def _system(body: dict) -> Content:
    return Content(as_str(body.get("body")) or "[System notice]",
                   metadata={"system": as_str(body.get("type"))}, automated=True)


def _edit(body: dict, errors: list) -> Content:
    original = as_str(body.get("original_message_id"))
    content = describe(as_dict(body.get("message")), errors)
    content.text = f"[Edited] {content.text}"
    content.metadata["edit_of"] = original
    content.reply_to = [original] + content.reply_to if original else content.reply_to
    return content


def _unreadable(kind: str, errors: list) -> Content:
    error = as_dict(errors[0]) if errors else {}
    detail = as_str(as_dict(error.get("error_data")).get("details"))
    title = as_str(error.get("title")) or as_str(error.get("message"))
    why = " - ".join(p for p in (title, detail) if p).rstrip(".") or "WhatsApp did not say why"
    what = f" ({kind})" if kind and kind != "unsupported" else ""
    return Content(f"[Unsupported message{what}: {why}. Ask the customer to resend it another way.]",
                   metadata={"unsupported": kind, "error_code": as_str(error.get("code"))})


_HANDLERS = {
    "location": _location,
    "interactive": _interactive,
    "button": _button,
    "reaction": _reaction,
    "order": _order,
    "system": _system,
}
