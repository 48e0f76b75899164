"""Raw RFC 822 bytes -> one normalized InboundMessage (or a delivery status, for bounces)."""

from __future__ import annotations

import email
import re
from email import policy

from heedful.channels.base import Handle, InboundMessage, ParsedEvent, PayloadError, body_digest
from heedful.channels.providers.email import automation, htmltext, mime, quoting
from heedful.channels.providers.email.headers import Headers

TOKEN = re.compile(r"\[#HF-(\d{1,18})\]")
_HEADER_LINE = re.compile(rb"[!-9;-~]+:")
_OBSOLETE_NAME = re.compile(rb"^([!-9;-~]+)[ \t]+:")


class NoSender(PayloadError):
    pass


def parse_mail(raw: bytes, own_address: str = "") -> ParsedEvent:
    """Parse the mail; when no sender is found, once more with its header block repaired."""
    if not raw or not raw.strip():
        raise PayloadError("empty mail")
    try:
        return _parse(raw, own_address)
    except NoSender as exc:
        repaired = repair_headers(raw)
        if repaired != raw:
            try:
                return _parse(repaired, own_address, digest_of=raw)
            except NoSender:
                pass
        raise PayloadError(str(exc)) from None


def _parse(raw: bytes, own_address: str, digest_of: bytes | None = None) -> ParsedEvent:
    """Parse with compat32; try the modern policy only if that raises on a broken mail.

    Headers are decoded by `Headers` from the values as stored, the same under either policy, so
    the modern policy's header objects were pure cost: parsing each Content-Type with its full
    grammar on every `get_content_type()` made the default policy about 2x slower per mail.
    `digest_of`: the bytes as received, whose digest names a mail without a Message-ID.
    """
    original = raw if digest_of is None else digest_of
    try:
        return _build(email.message_from_bytes(raw, policy=policy.compat32), original, own_address)
    except PayloadError:
        raise
    except Exception:
        pass
    try:
        return _build(email.message_from_bytes(raw, policy=policy.default), original, own_address)
    except PayloadError:
        raise
    except Exception as exc:
        raise PayloadError(f"unreadable mail ({type(exc).__name__})") from exc


def event_key(raw: bytes) -> str:
    """The Message-ID when the mail has one, else a digest of the bytes."""
    header_end = re.search(rb"\r?\n\r?\n", raw)
    head = raw[: header_end.start()] if header_end else raw[:65536]
    message = email.message_from_bytes(head, policy=policy.compat32)
    ids = Headers(message).ids("message-id")
    return ids[0] if ids else body_digest(raw)


def repair_headers(raw: bytes) -> bytes:
    """Drop header-block lines that are not headers and fix obsolete "Name  :" spacing."""
    end = re.search(rb"\r?\n\r?\n", raw)
    head, rest = (raw[: end.start()], raw[end.start():]) if end else (raw, b"")
    kept: list[bytes] = []
    for line in re.split(rb"\r?\n", head):
        line = _OBSOLETE_NAME.sub(rb"\1:", line)
        if _HEADER_LINE.match(line) or (kept and line[:1] in (b" ", b"\t")):
            kept.append(line)
    return b"\r\n".join(kept) + (rest or b"\r\n\r\n")


def _charset_hint(message) -> str | None:
    try:
        return next((c for c in message.get_charsets() if c), None)
    except Exception:
        return None


def _sender(headers: Headers) -> Handle | None:
    for name in ("from", "sender", "return-path", "reply-to"):
        found = headers.addresses(name)
        if found:
            display, addr = found[0]
            return Handle(kind="email", handle=addr, display_name=display)
    return None


def _build(message, raw: bytes, own_address: str) -> ParsedEvent:
    hint = _charset_hint(message)
    headers = Headers(message, hint)
    sender = _sender(headers)
    if sender is None:
        raise NoSender("mail without a sender: no From, Sender, Return-Path or Reply-To address")
    if own_address and sender.handle == own_address.strip().lower():
        return ParsedEvent(ignored=["mail from the channel's own address"])
    body = mime.extract(message, hint)
    text = "\n\n".join(t.strip("\n") for t in body.plain if t.strip())
    html = htmltext.sanitise("\n".join(body.html))
    if not text and html:
        text = htmltext.to_text(html)
    bounce = automation.bounce_reason(headers, message, sender.handle)
    if bounce:
        # A bounce never joins or opens a conversation; it only marks the mail it reports on.
        return ParsedEvent(statuses=automation.delivery_statuses(message, text),
                           ignored=[f"bounce: {bounce}"])
    reason = automation.automated_reason(headers, message, sender.handle)
    return ParsedEvent(messages=[_message(headers, raw, sender, text, html, body, reason)])


def _message(headers: Headers, raw: bytes, sender: Handle, text: str, html: str, body: mime.Body,
             reason: str) -> InboundMessage:
    ids = headers.ids("message-id")
    own_id = ids[0] if ids else body_digest(raw)
    subject = headers.text("subject")
    token = TOKEN.search(subject)
    metadata = {
        "to": [a for _, a in headers.addresses("to")][:20],
        "cc": [a for _, a in headers.addresses("cc")][:20],
    }
    if reason:
        metadata["automated_reason"] = reason
    if body.inline:
        metadata["inline_images"] = body.inline
    return InboundMessage(
        provider_message_id=own_id,
        sender=sender,
        text=text,
        html=html,
        display_text=quoting.latest_reply(text),
        subject=subject[:500],
        sent_at=headers.date(),
        reply_to_ids=_reply_ids(headers, own_id),
        thread_key="",
        conversation_hint=int(token.group(1)) if token else None,
        automated=bool(reason),
        attachments=body.attachments,
        metadata=metadata,
    )


def _reply_ids(headers: Headers, own_id: str) -> list[str]:
    """In-Reply-To first, then References from the nearest ancestor back to the root."""
    ordered = headers.ids("in-reply-to") + list(reversed(headers.ids("references")))
    seen, result = {own_id}, []
    for pid in ordered:
        if pid not in seen:
            seen.add(pid)
            result.append(pid)
    return result[:50]
