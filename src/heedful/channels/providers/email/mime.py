"""Walk a parsed mail: body text and HTML, attachments, inline images, forwarded mail."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field

from heedful.channels.base import InboundAttachment
from heedful.channels.providers.email import charsets
from heedful.channels.providers.email.headers import Headers, decode_words

MAX_DEPTH = 20  # deeper nesting is hostile or broken; the rest is skipped
_BODY_TYPES = ("text/plain", "text/html")


@dataclass
class Body:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[InboundAttachment] = field(default_factory=list)
    inline: dict[str, str] = field(default_factory=dict)  # Content-ID -> attachment filename
    forwarded: int = 0


def extract(message, hint: str | None) -> Body:
    body = Body()
    _walk(message, body, hint, 0)
    return body


def _walk(part, body: Body, hint, depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    ctype = _content_type(part)
    if ctype in ("message/rfc822", "message/global"):
        _forwarded(part, body, hint)
    elif part.is_multipart():
        children = [p for p in (part.get_payload() or []) if hasattr(p, "get_content_type")]
        if ctype == "multipart/alternative":
            _alternative(children, body, hint, depth)
        else:
            for child in children:
                _walk(child, body, hint, depth + 1)
    elif ctype in _BODY_TYPES and not _is_attachment(part):
        text = _text(part, hint)
        (body.plain if ctype == "text/plain" else body.html).append(text)
    else:
        _attach(part, body, hint, ctype)


def _alternative(children, body: Body, hint, depth: int) -> None:
    """Keep the richest alternative of each kind (the last one, RFC 2046); merge attachments."""
    plain, html = None, None
    for child in children:
        sub = Body()
        _walk(child, sub, hint, depth + 1)
        plain = sub.plain if sub.plain else plain
        html = sub.html if sub.html else html
        body.attachments += sub.attachments
        body.inline.update(sub.inline)
        body.forwarded += sub.forwarded
    body.plain += plain or []
    body.html += html or []


def _content_type(part) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "text/plain"


def _is_attachment(part) -> bool:
    return _disposition(part) == "attachment" or bool(_filename(part, None))


def _disposition(part) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def _payload(part) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        raw = part.get_payload()
        data = charsets.to_bytes(raw) if isinstance(raw, str) else b""
    return data


def _text(part, hint) -> str:
    try:
        label = part.get_content_charset()
    except Exception:
        label = None
    text = charsets.decode(_payload(part), label, hint)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _filename(part, hint) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    name = str(name)
    return re.sub(r"\s+", " ", decode_words(name, hint)).strip()[:255]


def _attach(part, body: Body, hint, ctype: str) -> None:
    data = _payload(part)
    name = _filename(part, hint)
    if not name:
        ext = mimetypes.guess_extension(ctype) or ".bin"
        name = f"attachment-{len(body.attachments) + 1}{ext}"
    body.attachments.append(InboundAttachment(filename=name, content_type=ctype, content=data,
                                              size=len(data)))
    content_id = Headers(part, hint).ids("content-id")
    if content_id:
        body.inline[content_id[0][1:-1]] = name


def _forwarded(part, body: Body, hint) -> None:
    """A mail attached to a mail is kept whole, as an .eml attachment."""
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else inner
    data = b""
    if hasattr(inner, "as_bytes"):
        try:
            data = inner.as_bytes()
        except Exception:
            try:
                data = charsets.to_bytes(inner.as_string())
            except Exception:
                data = b""
    elif isinstance(inner, str):
        data = charsets.to_bytes(inner)
    subject = Headers(inner, hint).text("subject") if hasattr(inner, "raw_items") else ""
    name = _filename(part, hint) or f"{(subject or 'forwarded message')[:120]}.eml"
    body.attachments.append(InboundAttachment(filename=name, content_type="message/rfc822",
                                              content=data, size=len(data)))
    body.forwarded += 1
