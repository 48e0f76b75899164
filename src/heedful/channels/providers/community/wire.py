"""The community channel's event format: what Heedful stores as the raw body of a forum event.

    {"kind": "topic" | "post", "topic": {"id", "title", "url", "category"},
     "post": {"id", "number", "text", "created_at"},
     "author": {"id", "username", "name", "email"}}

The topic event (key `topic:<id>`) opens the conversation; a later post by the asker (key
`post:<id>`) continues it. After a move to private, a member's private message is

    {"kind": "private", "message": {"id", "text", "created_at"}, "author": {...}}

(key `private:<id>`), in the member's private thread (`private_thread_key`).
"""

from __future__ import annotations

import json


def event(kind: str, *, topic: dict, post: dict, author: dict) -> tuple[str, bytes]:
    """(event key, raw body) for one forum event."""
    if kind not in ("topic", "post"):
        raise ValueError(f"unknown community event kind {kind!r}")
    key = f"topic:{topic['id']}" if kind == "topic" else f"post:{post['id']}"
    body = json.dumps({"kind": kind, "topic": topic, "post": post, "author": author},
                      sort_keys=True, default=str).encode()
    return key, body


def private_event(*, message: dict, author: dict) -> tuple[str, bytes]:
    """(event key, raw body) for a member's private message to staff."""
    body = json.dumps({"kind": "private", "message": message, "author": author}, sort_keys=True, default=str)
    return f"private:{message['id']}", body.encode()


def private_thread_key(member_handle: str) -> str:
    return f"community:private:{member_handle}"


def member_of_private_thread(thread: str) -> str | None:
    prefix = "community:private:"
    return (thread[len(prefix):] or None) if thread.startswith(prefix) else None


def thread_key(topic_id: int) -> str:
    return f"community:topic:{topic_id}"


def topic_id_of(thread: str) -> int | None:
    prefix = "community:topic:"
    if not thread.startswith(prefix) or not thread[len(prefix):].isdigit():
        return None
    return int(thread[len(prefix):])
