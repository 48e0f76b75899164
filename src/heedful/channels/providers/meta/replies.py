"""Where a Facebook or Instagram reply goes, and the messaging windows that apply to it.

A reply in a public conversation answers the customer's comment in public. A private reply in
a public conversation (move to private) is Meta's "private reply": a message sent to the
comment's author, addressed by the comment id. Everything else is a direct message to the
customer's page-scoped id (taken from the DM thread key once there is one).

Files: a direct message carries them (see `message_files`); a Facebook comment reply carries
one photo, uploaded unpublished (`POST /{page-id}/photos`, `published=false`, multipart
`source`) and named by the comment's `attachment_id`, so no public link to the file is needed.
An Instagram comment reply and a private reply to a comment are text only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from heedful.channels.base import (
    AttachmentRefused,
    FileRules,
    Handle,
    OutboundAttachment,
    OutboundRequest,
    PermanentSendError,
    ProviderReceipt,
)
from heedful.channels.providers.meta import graph_client, message_files
from heedful.channels.providers.meta.graph_webhook import as_str, from_iso
from heedful.core.errors import ValidationError

STANDARD_WINDOW = timedelta(hours=24)  # free replies after the customer's last message
HUMAN_AGENT_WINDOW = timedelta(days=7)  # with the HUMAN_AGENT tag (and for private replies)


@dataclass(frozen=True)
class Route:
    kind: str  # comment | private_reply | dm
    target: str  # the comment to answer, or the recipient
    field: str = "id"  # Send API recipient field: id, comment_id or post_id


def route(payload: dict, dm_prefix: str) -> Route:
    meta = payload.get("reply_to_metadata") or {}
    kind = meta.get("meta_kind")
    reply_to = str(payload.get("reply_to_id") or "")
    thread_key = str(payload.get("thread_key") or "")
    in_dm_thread = thread_key.startswith(f"{dm_prefix}:")
    if payload.get("public"):
        target = _comment_target(meta, reply_to)
        if not target:
            raise PermanentSendError("nothing to reply to: the conversation has no customer comment")
        return Route("comment", target)
    if kind in ("comment", "post") and reply_to and not in_dm_thread:
        return Route("private_reply", reply_to, "comment_id" if kind == "comment" else "post_id")
    recipient = thread_key.split(":", 1)[1] if in_dm_thread else str(payload.get("to") or "")
    if not recipient:
        raise PermanentSendError("no recipient: the conversation has no customer id on this channel")
    return Route("dm", recipient)


def send(channel, request: OutboundRequest, *, dm_prefix: str, comment_edge: str, account: str,
         token: str, platform: str, kind: str = "", comment_files: FileRules | None = None) -> ProviderReceipt:
    """Send one reply: on the comment edge (`comments`/`replies`) or through the Send API.

    A private reply is addressed by the comment id; Meta answers with the commenter's id on
    Messenger (`recipient_id`, a PSID that differs from the commenter's id in the feed), which
    the receipt names as the `recipient` (identity `kind`) so their answer finds this thread.
    `comment_files`: the files a comment reply may carry (None: none), uploaded as photos."""
    route_ = route(request.payload, dm_prefix)
    if request.attachments and route_.kind == "dm":
        head = {"recipient": {route_.field: route_.target}, **send_fields(route_, request.payload)}
        return message_files.send_dm(channel, request, head, account=account, token=token, platform=platform)
    if request.attachments and not (route_.kind == "comment" and comment_files is not None):
        raise PermanentSendError(f"only a direct message on {platform} carries files")
    if not request.text and not request.attachments:
        raise PermanentSendError(f"only text replies are supported on {platform}")
    key = request.idempotency_key
    if route_.kind == "comment":
        path = f"{graph_client.node(route_.target, 'comment id')}/{comment_edge}"
        body = {"message": request.text} if request.text else {}
        for item in request.attachments:  # at most one: check_files said so
            body["attachment_id"] = _comment_photo(channel, request, item, account=account, token=token)
        answer = graph_client.post(channel, path, body, token=token, idempotency_key=key)
        return ProviderReceipt(as_str(answer.get("id")), raw=answer)
    body = {"recipient": {route_.field: route_.target}, **send_fields(route_, request.payload),
            "message": {"text": request.text}}
    path = f"{graph_client.node(account or 'me', 'account id')}/messages"
    answer = graph_client.post(channel, path, body, token=token, idempotency_key=key)
    recipient = as_str(answer.get("recipient_id"))
    if route_.kind == "private_reply" and recipient and kind:
        return ProviderReceipt(as_str(answer.get("message_id")), raw=answer, recipient=Handle(kind, recipient))
    return ProviderReceipt(as_str(answer.get("message_id")), raw=answer)


def _comment_photo(channel, request: OutboundRequest, item: OutboundAttachment, *, account: str,
                   token: str) -> str:
    """The id of `item` uploaded as an unpublished Page photo, now or by an earlier try."""
    step = f"meta-photo:{item.key}"
    if request.done(step):
        return request.done(step)
    answer = graph_client.upload(
        channel, f"{graph_client.node(account or 'me', 'page id')}/photos", {"published": "false"},
        {"source": (item.filename, item.content or b"", item.content_type)},
        token=token, idempotency_key=f"{request.idempotency_key}:{item.key}")
    photo_id = as_str(answer.get("id"))
    if not photo_id:
        raise PermanentSendError("the Facebook photo upload answered without an id")
    return request.record(step, photo_id)


def _comment_target(meta: dict, reply_to: str) -> str:
    """Comments nest one level deep: an answer to a reply goes under the same top comment."""
    parent, post = str(meta.get("parent_id") or ""), str(meta.get("post_id") or "")
    if meta.get("meta_kind") == "comment" and parent and parent != post:
        return parent
    return reply_to


def send_fields(route_: Route, payload: dict) -> dict:
    """`messaging_type` (and tag) for the Send API body."""
    if route_.kind != "dm":
        return {}
    last = from_iso(payload.get("last_inbound_at"))
    if last is not None and datetime.now(UTC) - last > STANDARD_WINDOW:
        # A person answers after the standard window: Meta allows this for 7 days with the tag.
        return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
    return {"messaging_type": "RESPONSE"}


def check_files(payload: dict, files, *, dm_prefix: str, rules, comment_files: FileRules | None = None) -> None:
    """Refuse, before queueing, files Meta would refuse on this route: `rules` for a direct
    message (see message_files), `comment_files` for a comment reply (None: it takes none)."""
    if not files:
        return
    try:
        route_ = route(payload, dm_prefix)
    except PermanentSendError as exc:
        raise ValidationError(str(exc)) from None
    if route_.kind == "comment" and comment_files is not None:
        if len(files) > comment_files.max_files:
            raise AttachmentRefused(f"{comment_files.platform} carries one photo; send more files in a "
                                    "private message")
        comment_files.check(files)
        return
    message_files.check(route_.kind, files, rules)


def check(payload: dict, text: str, *, dm_prefix: str, platform: str, limit: int,
          unit: str = "characters") -> None:
    """Refuse, before queueing, a private reply Meta would reject (too long, window closed)."""
    try:
        route_ = route(payload, dm_prefix)
    except PermanentSendError as exc:
        raise ValidationError(str(exc)) from None
    if route_.kind == "comment":
        return
    size = len(text.encode()) if unit == "bytes" else len(text)
    if size > limit:
        raise ValidationError(f"a {platform} private message is at most {limit} {unit}")
    last = from_iso(payload.get("last_inbound_at"))
    if last is not None and datetime.now(UTC) - last > HUMAN_AGENT_WINDOW:
        raise ValidationError(
            f"the 7-day reply window closed: the customer last wrote on {last:%Y-%m-%d %H:%M} UTC, "
            f"and {platform} delivers no private message from the brand until they write again")

