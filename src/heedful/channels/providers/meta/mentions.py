"""Instagram mentions: the brand's account @mentioned in a comment or a caption on other media.

Meta's `mentions` webhook names only ids: `{"comment_id", "media_id"}` for a comment, `{"media_id"}`
for a caption. The text and the author take a Graph read, which the pipeline never makes (no
network inside its transaction). So parsing asks for a DetailRequest; the ingestion lookup job
calls `fetch` after the commit, outside any transaction, and the Graph answer comes back as an
event of its own (content type CONTENT_TYPE) that `parse_fetched` turns into a public message:

- comment: `GET /{ig-user-id}?fields=mentioned_comment.comment_id(<id>){...}`
- caption: `GET /{ig-user-id}?fields=mentioned_media.media_id(<id>){...}`

Graph names the author of a mention by username; where it gives no Instagram-scoped id (someone
who never wrote to the brand), the handle is "@<username>". A reply goes back through the
mentions edge, `POST /{ig-user-id}/mentions` with the media (and comment) id: the brand may not
comment on someone else's media any other way, and may not answer a mention privately.
"""

from __future__ import annotations

import json

from heedful.channels.base import (
    DetailRequest,
    Handle,
    InboundMessage,
    OutboundRequest,
    ParsedEvent,
    PayloadError,
    PermanentSendError,
    ProviderReceipt,
)
from heedful.channels.providers.meta import graph_client
from heedful.channels.providers.meta.graph_webhook import as_dict, as_str, from_epoch, from_iso
from heedful.channels.providers.meta.messenger import attachment_for, safe_url

CONTENT_TYPE = "application/vnd.heedful.instagram-mention+json"
COMMENT_FIELDS = "id,text,timestamp,like_count,username,from,media{id,permalink,username,caption}"
MEDIA_FIELDS = "id,caption,timestamp,username,permalink,media_type,media_url,like_count,comments_count"


def request_for(value: dict, at) -> DetailRequest | None:
    """The lookup for an ids-only mention, or None when it names nothing to look up."""
    comment_id, media_id = as_str(value.get("comment_id")), as_str(value.get("media_id"))
    params = {"media_id": media_id, "at": at.timestamp() if at else None}
    if comment_id:
        return DetailRequest(f"mention:comment:{comment_id}", {**params, "comment_id": comment_id})
    if media_id:
        return DetailRequest(f"mention:media:{media_id}", params)
    return None


def fetch(channel, request: DetailRequest) -> tuple[bytes, str]:
    """One Graph read for the mention; the answer and the request, as the event to store."""
    account = graph_client.node(channel.credential("ig_user_id") or "me", "account id")
    comment_id = as_str(request.params.get("comment_id"))
    if comment_id:
        edge = f"mentioned_comment.comment_id({graph_client.node(comment_id, 'comment id')}){{{COMMENT_FIELDS}}}"
    else:
        media_id = graph_client.node(as_str(request.params.get("media_id")), "media id")
        edge = f"mentioned_media.media_id({media_id}){{{MEDIA_FIELDS}}}"
    answer = graph_client.get(channel, account, {"fields": edge}, token=channel.credential("page_access_token"))
    return json.dumps({"request": request.params, "answer": answer}).encode(), CONTENT_TYPE


def parse_fetched(raw: bytes, ig_user_id: str) -> ParsedEvent:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"stored mention is not JSON: {exc}") from None
    request, answer = as_dict(as_dict(data).get("request")), as_dict(as_dict(data).get("answer"))
    parsed = ParsedEvent()
    comment, media = as_dict(answer.get("mentioned_comment")), as_dict(answer.get("mentioned_media"))
    if comment:
        message = _from_comment(comment, request)
    elif media:
        message = _from_media(media, request)
    else:
        parsed.ignored.append("the Graph answer names no mentioned comment or media (deleted, or private)")
        return parsed
    if message is None:
        parsed.ignored.append("mention without an author")
    elif ig_user_id and message.sender.handle == ig_user_id:
        parsed.ignored.append("the brand mentioned itself")
    else:
        parsed.messages.append(message)
    return parsed


def _author(node: dict) -> Handle | None:
    author = as_dict(node.get("from"))
    username = as_str(author.get("username")) or as_str(node.get("username"))
    author_id = as_str(author.get("id"))
    if not author_id and not username:
        return None
    return Handle("instagram", author_id or f"@{username.lower()}", username=username)


def _from_comment(comment: dict, request: dict) -> InboundMessage | None:
    sender = _author(comment)
    comment_id = as_str(comment.get("id")) or as_str(request.get("comment_id"))
    media = as_dict(comment.get("media"))
    media_id = as_str(media.get("id")) or as_str(request.get("media_id"))
    if sender is None or not comment_id:
        return None
    return InboundMessage(
        provider_message_id=comment_id, sender=sender, text=as_str(comment.get("text")),
        sent_at=from_iso(comment.get("timestamp")) or from_epoch(request.get("at")), public=True,
        reply_to_ids=[media_id] if media_id else [], thread_key=f"mention:{media_id}",
        engagement=_count(comment, like_count="likes"),
        metadata={"meta_kind": "mention", "mention": "comment", "comment_id": comment_id, "media_id": media_id,
                  "permalink": safe_url(as_str(media.get("permalink")))},
    )


def _from_media(media: dict, request: dict) -> InboundMessage | None:
    sender = _author(media)
    media_id = as_str(media.get("id")) or as_str(request.get("media_id"))
    if sender is None or not media_id:
        return None
    url = safe_url(as_str(media.get("media_url")))
    kind = "video" if as_str(media.get("media_type")) == "VIDEO" else "image"
    return InboundMessage(
        provider_message_id=media_id, sender=sender, text=as_str(media.get("caption")),
        sent_at=from_iso(media.get("timestamp")) or from_epoch(request.get("at")), public=True,
        thread_key=f"mention:{media_id}", attachments=[attachment_for(kind, url, 0)] if url else [],
        engagement=_count(media, like_count="likes", comments_count="replies"),
        metadata={"meta_kind": "mention", "mention": "caption", "media_id": media_id,
                  "permalink": safe_url(as_str(media.get("permalink")))},
    )


def _count(node: dict, **names: str) -> dict[str, int]:
    found = {}
    for field, name in names.items():
        value = node.get(field)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            found[name] = value
    return found


def is_mention(payload: dict) -> bool:
    return (payload.get("reply_to_metadata") or {}).get("meta_kind") == "mention"


def reply(channel, request: OutboundRequest) -> ProviderReceipt:
    """A public answer to a mention, on the mentions edge (the only way onto another's media)."""
    if request.attachments:
        raise PermanentSendError("an answer to an Instagram mention carries no files")
    if not request.text:
        raise PermanentSendError("an answer to an Instagram mention needs text")
    meta = request.payload.get("reply_to_metadata") or {}
    body = {"media_id": graph_client.node(as_str(meta.get("media_id")), "media id"), "message": request.text}
    if as_str(meta.get("comment_id")):
        body["comment_id"] = graph_client.node(as_str(meta["comment_id"]), "comment id")
    account = graph_client.node(channel.credential("ig_user_id") or "me", "account id")
    answer = graph_client.post(channel, f"{account}/mentions", body, token=channel.credential("page_access_token"),
                               idempotency_key=request.idempotency_key)
    return ProviderReceipt(as_str(answer.get("id")), raw=answer)
