"""Topic names. "inbox" carries row changes; "conversation:<id>" one thread; "user:<id>" one agent."""

from __future__ import annotations

import re

INBOX = "inbox"
MAX_TOPICS = 8
_TOPIC = re.compile(r"^(inbox|conversation:[1-9]\d{0,18}|user:[1-9]\d{0,18})$")


def conversation(conversation_id: int) -> str:
    return f"conversation:{int(conversation_id)}"


def user(user_id: int) -> str:
    return f"user:{int(user_id)}"


def parse(raw: str) -> list[str]:
    """Comma-separated topics from a query string. Raises ValueError on anything unexpected."""
    topics = list(dict.fromkeys(t.strip() for t in (raw or "").split(",") if t.strip()))
    if not topics or len(topics) > MAX_TOPICS or not all(_TOPIC.match(t) for t in topics):
        raise ValueError("topics must be inbox, conversation:<id> or user:<id> (at most 8)")
    return topics


def split(topic: str) -> tuple[str, int | None]:
    kind, _, ident = topic.partition(":")
    return kind, int(ident) if ident else None
