"""What a visitor may upload to the web chat: images and PDF, size-limited, typed by content.

The type comes from the file's first bytes, never from its name or the browser's claim, and the
stored name gets the matching extension, so "invoice.pdf.html" cannot pass as a PDF nor a script
as a picture. Checked by the visitor API before anything is stored, and again when the provider
parses the stored body.
"""

from __future__ import annotations

import base64
import binascii

from heedful.channels.base import InboundAttachment, PayloadError

MAX_BYTES = 5 * 1024 * 1024  # per file; the channel setting "max_upload_bytes" may lower it
MAX_FILES = 3  # per message
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
              "application/pdf": "pdf"}


def sniff(head: bytes) -> str | None:
    """The content type the bytes prove, or None when they are none of the allowed kinds."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def max_bytes(channel) -> int:
    configured = (getattr(channel, "settings", None) or {}).get("max_upload_bytes")
    try:
        return min(MAX_BYTES, int(configured)) if configured else MAX_BYTES
    except (TypeError, ValueError):
        return MAX_BYTES


def stored_name(filename: str, content_type: str) -> str:
    """The visitor's name without its extension, plus the extension of the type proven."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = "".join(ch for ch in stem if ch.isprintable())[:120].strip(" .") or "file"
    return f"{stem}.{EXTENSIONS[content_type]}"


def checked(filename: str, content: bytes, limit: int = MAX_BYTES) -> dict:
    """{"filename", "content_type", "size"} for an allowed file; ValueError saying why not."""
    if not content:
        raise ValueError("the file is empty")
    if len(content) > limit:
        raise ValueError(f"a file may be at most {limit // (1024 * 1024)} MB")
    kind = sniff(content[:16])
    if kind is None:
        raise ValueError("only images (PNG, JPEG, GIF, WebP) and PDF files can be sent")
    return {"filename": stored_name(filename, kind), "content_type": kind, "size": len(content)}


def encode(filename: str, content: bytes) -> dict:
    """The form a file takes in the stored message body (JSON)."""
    return {**checked(filename, content), "content_base64": base64.b64encode(content).decode()}


def decode(items) -> list[InboundAttachment]:
    """Files of a stored body, checked again: a body that names a type its bytes do not prove is
    refused as a whole."""
    if not isinstance(items, list) or len(items) > MAX_FILES:
        raise PayloadError(f"attachments must be a list of at most {MAX_FILES} files")
    out = []
    for item in items:
        try:
            content = base64.b64decode(str(item.get("content_base64", "")), validate=True)
            facts = checked(str(item.get("filename", "")), content)
        except (AttributeError, binascii.Error, ValueError) as exc:
            raise PayloadError(f"unacceptable attachment: {exc}") from exc
        out.append(InboundAttachment(filename=facts["filename"], content_type=facts["content_type"],
                                     content=content, size=facts["size"]))
    return out
