"""Files on WhatsApp replies: `POST /{phone-number-id}/media`, then a message naming the media id.

One message per file. The reply's text rides as the first file's caption where WhatsApp allows
one (image, video, document; at most 1024 characters), else it goes first as its own message.
Every finished step is remembered on the delivery, so a retry neither uploads nor sends twice.
"""

from __future__ import annotations

from heedful.channels.base import (
    MB,
    FileRules,
    OutboundAttachment,
    OutboundRequest,
    PermanentSendError,
    ProviderReceipt,
)
from heedful.channels.providers.meta import graph_client
from heedful.channels.providers.meta.graph_webhook import as_dict, as_list, as_str

CAPTION_LIMIT = 1024
_DOCUMENTS = ("text/plain", "application/pdf", "application/msword", "application/vnd.ms-excel",
              "application/vnd.ms-powerpoint",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "application/vnd.openxmlformats-officedocument.presentationml.presentation")
_KINDS = {"image/jpeg": "image", "image/png": "image", "video/mp4": "video", "video/3gpp": "video",
          "audio/aac": "audio", "audio/amr": "audio", "audio/mpeg": "audio", "audio/mp4": "audio",
          "audio/ogg": "audio", **dict.fromkeys(_DOCUMENTS, "document")}
_LIMITS = {"image": 5 * MB, "video": 16 * MB, "audio": 16 * MB, "document": 100 * MB}
FILES = FileRules("WhatsApp", {t: _LIMITS[kind] for t, kind in _KINDS.items()})


def kind_of(content_type: str) -> str:
    return _KINDS.get((content_type or "").lower(), "document")


def _upload(channel, request: OutboundRequest, item: OutboundAttachment, number: str) -> str:
    step = f"whatsapp-media:{item.key}"
    if request.done(step):
        return request.done(step)
    answer = graph_client.upload(
        channel, f"{number}/media", {"messaging_product": "whatsapp", "type": item.content_type},
        {"file": (item.filename, item.content or b"", item.content_type)},
        token=channel.credential("access_token"), idempotency_key=f"{request.idempotency_key}:{item.key}")
    media_id = as_str(answer.get("id"))
    if not media_id:
        raise PermanentSendError("the WhatsApp media upload answered without a media id")
    return request.record(step, media_id)


def _media_object(item: OutboundAttachment, media_id: str, caption: str) -> dict:
    kind = kind_of(item.content_type)
    media = {"id": media_id}
    if caption and kind != "audio":
        media["caption"] = caption
    if kind == "document":
        media["filename"] = item.filename
    return {"type": kind, kind: media}


def send(channel, request: OutboundRequest, head: dict) -> ProviderReceipt:
    """`head`: messaging_product, recipient_type and to (the provider's message envelope)."""
    number = graph_client.node(channel.credential("phone_number_id"), "phone number id")
    first = request.attachments[0]
    as_caption = bool(request.text) and kind_of(first.content_type) != "audio" and len(request.text) <= CAPTION_LIMIT
    parts: list[tuple[str, dict, str]] = []
    if request.text and not as_caption:
        parts.append(("whatsapp-text", {"type": "text", "text": {"body": request.text, "preview_url": False}},
                      request.idempotency_key))
    for n, item in enumerate(request.attachments):
        media_id = _upload(channel, request, item, number)
        caption = request.text if as_caption and n == 0 else ""
        parts.append((f"whatsapp-file:{item.key}", _media_object(item, media_id, caption),
                      f"{request.idempotency_key}:{item.key}"))
    ids = []
    for step, message, key in parts:
        if not request.done(step):
            answer = graph_client.post(channel, f"{number}/messages", {**head, **message},
                                       token=channel.credential("access_token"), idempotency_key=key)
            request.record(step, as_str(as_dict((as_list(answer.get("messages")) or [{}])[0]).get("id")))
        ids.append(request.done(step))
    return ProviderReceipt(ids[0], status="sent", raw={"message_ids": ids})
