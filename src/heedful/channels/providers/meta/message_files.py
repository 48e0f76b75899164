"""Files on Messenger and Instagram direct messages, by Meta's Attachment Upload API.

Each file is uploaded (`POST /{account}/message_attachments`, multipart `message` + `filedata`)
and then sent as its own message naming the `attachment_id`: a Send API message carries text
or one attachment, never both, so the text goes first. Every finished step is remembered on
the delivery, so a retry after a crash neither uploads nor sends a part twice.
"""

from __future__ import annotations

import json

from heedful.channels.base import (
    MB,
    AttachmentRefused,
    FileRules,
    OutboundAttachment,
    OutboundRequest,
    PermanentSendError,
    ProviderReceipt,
)
from heedful.channels.providers.meta import graph_client
from heedful.channels.providers.meta.graph_webhook import as_str

MESSENGER_FILES = FileRules("Messenger", {"image/*": 25 * MB, "video/*": 25 * MB, "audio/*": 25 * MB,
                                          "*/*": 25 * MB})
INSTAGRAM_FILES = FileRules("Instagram", {
    "image/png": 8 * MB, "image/jpeg": 8 * MB, "image/gif": 8 * MB,
    "video/mp4": 25 * MB, "video/ogg": 25 * MB, "video/x-msvideo": 25 * MB, "video/quicktime": 25 * MB,
    "video/webm": 25 * MB, "audio/aac": 25 * MB, "audio/mp4": 25 * MB, "audio/x-m4a": 25 * MB,
    "audio/wav": 25 * MB, "audio/x-wav": 25 * MB,
})


def check(route_kind: str, files: list[OutboundAttachment], rules: FileRules) -> None:
    if not files:
        return
    if route_kind == "comment":
        raise AttachmentRefused(f"a public comment reply on {rules.platform} cannot carry files: move the "
                                "conversation to a private message to send one")
    if route_kind == "private_reply":
        raise AttachmentRefused(f"a private reply to a comment on {rules.platform} is text only; send the "
                                "file once the customer answers in direct messages")
    rules.check(files)


def kind_of(content_type: str) -> str:
    head = (content_type or "").split("/", 1)[0]
    return head if head in ("image", "video", "audio") else "file"


def _upload(channel, request: OutboundRequest, item: OutboundAttachment, *, account: str, token: str,
            platform: str) -> str:
    step = f"meta-upload:{item.key}"
    if request.done(step):
        return request.done(step)
    message = {"attachment": {"type": kind_of(item.content_type), "payload": {"is_reusable": False}}}
    answer = graph_client.upload(
        channel, f"{graph_client.node(account or 'me', 'account id')}/message_attachments",
        {"message": json.dumps(message)}, {"filedata": (item.filename, item.content or b"", item.content_type)},
        token=token, idempotency_key=f"{request.idempotency_key}:{item.key}",
        params={"platform": "instagram"} if platform == "Instagram" else None)
    attachment_id = as_str(answer.get("attachment_id"))
    if not attachment_id:
        raise PermanentSendError(f"the {platform} upload answered without an attachment_id")
    return request.record(step, attachment_id)


def send_dm(channel, request: OutboundRequest, head: dict, *, account: str, token: str,
            platform: str) -> ProviderReceipt:
    """The text (if any), then one message per file; `head` is recipient and messaging type."""
    path = f"{graph_client.node(account or 'me', 'account id')}/messages"
    parts: list[tuple[str, dict, str]] = []
    if request.text:
        parts.append(("meta-text", {"text": request.text}, request.idempotency_key))
    for item in request.attachments:
        attachment_id = _upload(channel, request, item, account=account, token=token, platform=platform)
        parts.append((f"meta-file:{item.key}", {"attachment": {
            "type": kind_of(item.content_type), "payload": {"attachment_id": attachment_id}}},
            f"{request.idempotency_key}:{item.key}"))
    ids = []
    for step, message, key in parts:
        if not request.done(step):
            answer = graph_client.post(channel, path, {**head, "message": message}, token=token, idempotency_key=key)
            request.record(step, as_str(answer.get("message_id")))
        ids.append(request.done(step))
    return ProviderReceipt(ids[0], raw={"message_ids": ids})
