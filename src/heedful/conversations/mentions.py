"""@mentions in private notes. Mentioned agents are told through an event; nothing is sent out."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db.models import Q

from heedful.events import names
from heedful.events.dispatcher import emit

# @ann, @ann.kay, @ann_k: a username after a space or at the start, not inside an email address.
MENTION = re.compile(r"(?<![\w@.])@([\w.+-]*\w)")


def usernames_in(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in MENTION.finditer(text or ""):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)[:50]


def mentioned_users(text: str) -> list:
    wanted = usernames_in(text)
    if not wanted:
        return []
    match_any = Q()
    for username in wanted:
        match_any |= Q(username__iexact=username)
    return list(get_user_model().objects.filter(match_any, is_active=True))


def notify(author, note) -> list[int]:
    """Emit `note.mentioned` for the agents named in a note (never the author)."""
    ids = [u.pk for u in mentioned_users(note.text) if not author or u.pk != author.pk]
    if ids:
        emit(names.NOTE_MENTIONED, note_id=note.pk, conversation_id=note.conversation_id,
             user_ids=ids, author_id=author.pk if author else None)
    return ids
