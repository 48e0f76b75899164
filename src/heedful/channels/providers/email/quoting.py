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
# A block of ">" lines (or blank ones) that runs to the end of the mail: the top-posted quote.
_TRAILING_QUOTE = re.compile(r"(?:\n[ \t]*>[^\n]*|\n[ \t]*)+\s*$")


def _without_trailing_quote(text: str) -> str:
    """The text before a quote that runs to its end, if there is text before it.

    The parser would drop that quote anyway (its "On ... wrote:" line stays for it to find), but
    its cost grows with the text and in a long thread the quote is most of it: cut first.
    """
    found = _TRAILING_QUOTE.search(text)
    if found is None or ">" not in found.group(0) or not text[:found.start()].strip():
        return text
    return text[:found.start()] + "\n"


def latest_reply(text: str) -> str | None:
    """The reply without quotes and signature, or None when nothing shorter was found."""
    if not text.strip():
        return None
    head = text[:_MAX_CHARS] if len(text) > _MAX_CHARS else _without_trailing_quote(text)
    head = _BLANK_RUN.sub("\n\n", head)
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
