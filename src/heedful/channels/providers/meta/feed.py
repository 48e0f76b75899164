"""Public Graph webhook changes: Facebook Page `feed` and Instagram `comments`/`mentions`.

A customer's comment becomes a public message. It answers its parent comment and the post
(`reply_to_ids`), so replies stay with the comment they answer; a top-level comment on a
brand post opens a conversation of its own (the brand post is not a Heedful message). The
`post:`/`media:` thread key only gathers the same customer's further top-level comments on
that post: the core matches thread keys per contact, never across customers. Comments the
brand's own account wrote come back as echoes.
"""

from __future__ import annotations

from heedful.channels.base import Handle, InboundAttachment, InboundMessage, ParsedEvent
from heedful.channels.providers.meta import mentions
from heedful.channels.providers.meta.graph_webhook import (
    as_dict,
    as_list,
    as_str,
    from_epoch,
    from_iso,
)
from heedful.channels.providers.meta.messenger import attachment_for, safe_url

_POST_ITEMS = {"status", "post", "photo", "video", "share"}
_FEED_REASONS = {
    "reaction": "reactions and likes are not conversations",
    "like": "reactions and likes are not conversations",
    "edited": "edits keep the text first received",
    "edit": "edits keep the text first received",
    "remove": "removed content is kept as first received",
    "hide": "hidden content is kept as first received",
    "unhide": "hidden content is kept as first received",
}


def parse_page_changes(changes: list, page_id: str, parsed: ParsedEvent) -> None:
    for change in changes:
        change = as_dict(change)
        field, value = as_str(change.get("field")), as_dict(change.get("value"))
        if field != "feed":
            parsed.ignored.append(f"page field {field[:40]!r} is not handled")
            continue
        item, verb = as_str(value.get("item")), as_str(value.get("verb"))
        if item == "comment" and verb == "add":
            _page_comment(value, page_id, parsed)
        elif item in _POST_ITEMS and verb == "add":
            _visitor_post(value, page_id, parsed)
        else:
            why = _FEED_REASONS.get(item) or _FEED_REASONS.get(verb) or "not a customer message"
            parsed.ignored.append(f"feed {item[:30]} {verb[:30]}: {why}")


def _page_comment(value: dict, page_id: str, parsed: ParsedEvent) -> None:
    author = as_dict(value.get("from"))
    author_id, comment_id = as_str(author.get("id")), as_str(value.get("comment_id"))
    post_id, parent_id = as_str(value.get("post_id")), as_str(value.get("parent_id"))
    if not author_id or not comment_id:
        parsed.ignored.append("feed comment without an author or a comment id")
        return
    echo = bool(page_id) and author_id == page_id
    reply_to = [parent_id] if parent_id and parent_id != post_id else []
    parsed.messages.append(InboundMessage(
        provider_message_id=comment_id,
        sender=Handle("facebook", author_id, display_name=as_str(author.get("name"))),
        text=as_str(value.get("message")), sent_at=from_iso(value.get("created_time")),
        direction="out" if echo else "in", public=True,
        reply_to_ids=reply_to + ([post_id] if post_id else []),
        thread_key="" if echo else f"post:{post_id}",
        attachments=_media(value), metadata={"meta_kind": "comment", "post_id": post_id, "parent_id": parent_id},
    ))


def _visitor_post(value: dict, page_id: str, parsed: ParsedEvent) -> None:
    author = as_dict(value.get("from"))
    author_id, post_id = as_str(author.get("id")), as_str(value.get("post_id"))
    if not author_id or not post_id or author_id == page_id:
        parsed.ignored.append("the page's own post (or a post without an author)")
        return
    parsed.messages.append(InboundMessage(
        provider_message_id=post_id,
        sender=Handle("facebook", author_id, display_name=as_str(author.get("name"))),
        text=as_str(value.get("message")), sent_at=from_iso(value.get("created_time")),
        public=True, thread_key=f"post:{post_id}", attachments=_media(value),
        metadata={"meta_kind": "post", "post_id": post_id},
    ))


def _media(value: dict) -> list[InboundAttachment]:
    found = []
    for kind, key in (("image", "photo"), ("video", "video")):
        url = safe_url(as_str(value.get(key)))
        if url:
            found.append(attachment_for(kind, url, len(found)))
    for url in as_list(value.get("photos")):
        if safe_url(as_str(url)):
            found.append(attachment_for("image", safe_url(as_str(url)), len(found)))
    return found


def parse_instagram_changes(changes: list, ig_user_id: str, parsed: ParsedEvent, at=None) -> None:
    """`at` (the entry's time) dates comments, which carry no time of their own."""
    for change in changes:
        change = as_dict(change)
        field, value = as_str(change.get("field")), as_dict(change.get("value"))
        if field in ("comments", "live_comments"):
            _instagram_comment(value, ig_user_id, parsed, at, live=field == "live_comments")
        elif field == "mentions" and as_dict(value.get("from")) and "text" in value:
            _instagram_comment(value, ig_user_id, parsed, at, mention=True)
        elif field == "mentions":
            # Meta sends only ids here: the text and author are read after the commit (mentions.py).
            lookup = mentions.request_for(value, at)
            if lookup is None:
                parsed.ignored.append("instagram mention without a comment or media id")
            else:
                parsed.lookups.append(lookup)
        else:
            parsed.ignored.append(f"instagram field {field[:40]!r} is not handled")


def _instagram_comment(value: dict, ig_user_id: str, parsed: ParsedEvent, at, *, live: bool = False,
                       mention: bool = False) -> None:
    author = as_dict(value.get("from"))
    author_id = as_str(author.get("id"))
    comment_id = as_str(value.get("id")) or as_str(value.get("comment_id"))
    media_id = as_str(as_dict(value.get("media")).get("id")) or as_str(value.get("media_id"))
    parent_id = as_str(value.get("parent_id"))
    if not author_id or not comment_id:
        parsed.ignored.append("instagram comment without an author or a comment id")
        return
    echo = bool(ig_user_id) and author_id == ig_user_id
    metadata = {"meta_kind": "comment", "post_id": media_id, "parent_id": parent_id,
                "media_product_type": as_str(as_dict(value.get("media")).get("media_product_type"))}
    if live or mention:
        metadata["live" if live else "mention"] = True
    parsed.messages.append(InboundMessage(
        provider_message_id=comment_id,
        sender=Handle("instagram", author_id, username=as_str(author.get("username"))),
        text=as_str(value.get("text")), sent_at=from_epoch(value.get("timestamp")) or at,
        direction="out" if echo else "in", public=True,
        reply_to_ids=[i for i in (parent_id, media_id) if i],
        thread_key="" if echo else f"media:{media_id}", metadata=metadata,
    ))
