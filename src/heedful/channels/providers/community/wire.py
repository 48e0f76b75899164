"""The community channel's event format: what Heedful stores as the raw body of a forum event.

    {"kind": "topic" | "post", "topic": {"id", "title", "url", "category"},
     "post": {"id", "number", "text", "created_at"},
     "author": {"id", "username", "name", "email"}}

The topic event (key `topic:<id>`) opens the conversation; a later post by the asker (key
`post:<id>`) continues it.
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


def thread_key(topic_id: int) -> str:
    return f"community:topic:{topic_id}"


def topic_id_of(thread: str) -> int | None:
    prefix = "community:topic:"
    if not thread.startswith(prefix) or not thread[len(prefix):].isdigit():
        return None
    return int(thread[len(prefix):])
