"""A conversation's thread: messages and private notes in time order, newest page first.

A long thread is read in keyset pages of messages (`(sent_at, id) < cursor`); the notes shown
with a page are those written in the same time window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from heedful.conversations.models import Conversation, Message, Note
from heedful.web import keyset

PAGE_SIZE = 50
MAX_NOTES = 500


@dataclass
class Entry:
    kind: str  # "message" | "note"
    at: datetime
    obj: Message | Note


@dataclass
class ThreadPage:
    entries: list[Entry]
    older: str | None  # cursor for the previous page, None at the start of the thread


def messages_query(conversation: Conversation):
    return (Message.objects.filter(conversation=conversation)
            .select_related("author_identity", "outbound").prefetch_related("attachments"))


def thread_page(conversation: Conversation, before: str = "", size: int = PAGE_SIZE) -> ThreadPage:
    qs = messages_query(conversation)
    cursor = keyset.decode(before, datetime, int)
    if cursor:
        qs = keyset.row_compare(qs, ["sent_at", "id"], "<", list(cursor))
    messages = list(qs.order_by("-sent_at", "-id")[:size + 1])
    more = len(messages) > size
    messages = messages[:size][::-1]
    notes = Note.objects.filter(conversation=conversation).select_related("author")
    if more and messages:
        notes = notes.filter(created_at__gte=messages[0].sent_at)
    if cursor:
        notes = notes.filter(created_at__lt=cursor[0])
    entries = [Entry("message", m.sent_at, m) for m in messages]
    entries += [Entry("note", n.created_at, n) for n in notes.order_by("created_at", "id")[:MAX_NOTES]]
    entries.sort(key=lambda e: (e.at, e.kind == "note", e.obj.pk))
    older = keyset.encode(messages[0].sent_at, messages[0].pk) if more and messages else None
    return ThreadPage(entries, older)


def oldest_sent_at(page: ThreadPage) -> datetime | None:
    """When the page's first message was sent, if older pages exist (None: the page starts the thread)."""
    if page.older is None:
        return None
    return min((e.at for e in page.entries if e.kind == "message"), default=None)
