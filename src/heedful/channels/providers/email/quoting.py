"""The new part of a reply: quoted history and signature stripped (mail-parser-reply)."""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser

# Languages whose "On ... wrote:" headers and signatures the parser should recognise.
_PARSER = EmailReplyParser(languages=["en", "de", "fr", "es", "it", "nl", "sv", "da", "pl", "cs",
                                      "ja", "ko", "zh"])
# The parser slows down sharply on long runs of blank lines and very long bodies; the newest
# reply sits at the top, so a bounded head of the text is enough.
_MAX_CHARS = 20_000
_BLANK_RUN = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")


def latest_reply(text: str) -> str | None:
    """The reply without quotes and signature, or None when nothing shorter was found."""
    if not text.strip():
        return None
    head = _BLANK_RUN.sub("\n\n", text[:_MAX_CHARS])
    try:
        mail = _PARSER.read(head)
    except Exception:  # a parsing library must never lose a customer's message
        return None
    if len(text) > _MAX_CHARS and len(mail.replies) < 2:
        return None  # no quote in the head of a long mail: keep all of it
    body = mail.replies[0].body.strip() if mail.replies else ""
    if not body or body == text.strip():
        return None
    return body
