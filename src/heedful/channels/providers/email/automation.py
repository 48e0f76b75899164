"""Recognise mail no human wrote (auto-replies, bounces, bulk) so it is never answered.

Answering an auto-reply or a bounce is how mail loops start; RFC 3834 and RFC 3464 say how
such mail marks itself, and the rest are conventions of common servers.
"""

from __future__ import annotations

import email
import re
from email import policy

from heedful.channels.base import StatusUpdate
from heedful.channels.providers.email import charsets
from heedful.channels.providers.email.headers import Headers

_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}
_ORIGINAL_ID = re.compile(r"^\s*Message-ID:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)


def automated_reason(headers: Headers, message, sender: str) -> str:
    """Why this mail is automated, or "" when a person wrote it."""
    auto = headers.text("auto-submitted").split(";", 1)[0].strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = headers.text("precedence").strip().lower()
    if precedence in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("x-autoreply", "x-autorespond"):
        if headers.has(name):
            return f"{name} header"
    if bounce_reason(headers, message, sender):
        return bounce_reason(headers, message, sender)
    if any(v.strip().replace(" ", "") == "<>" for v in headers.raw("return-path")):
        return "null Return-Path"
    return ""


def bounce_reason(headers: Headers, message, sender: str) -> str:
    """Why this mail is a delivery report (a bounce), or ""."""
    if _content_type(message) == "multipart/report":
        return f"multipart/report ({_report_type(message) or 'unknown'})"
    if sender.split("@", 1)[0] in _BOUNCE_SENDERS:
        return "bounce sender"
    if headers.has("x-failed-recipients"):
        return "X-Failed-Recipients header"
    return ""


def _content_type(part) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return ""


def _report_type(message) -> str:
    try:
        return str(message.get_param("report-type") or "").lower()
    except Exception:
        return ""


def delivery_statuses(message, text: str) -> list[StatusUpdate]:
    """What a report says about the mail it names: failed, delivered or read."""
    report = _report_type(message) if _content_type(message) == "multipart/report" else ""
    if report == "disposition-notification":
        return _read_receipt(message)
    if report and report != "delivery-status":
        return []
    original = _original_ids(message) or [i for i in _ORIGINAL_ID.findall(text)]
    if not original:
        return []
    action, detail = _dsn(message)
    if action == "delivered":
        return [StatusUpdate(provider_message_id=original[0], status="delivered")]
    if action in ("", "failed"):  # a bounce without a readable report is a failure notice
        error = f"bounced: {detail}" if detail else "bounced"
        return [StatusUpdate(provider_message_id=original[0], status="failed", error=error[:300])]
    return []  # delayed, relayed, expanded: nothing final yet


def _read_receipt(message) -> list[StatusUpdate]:
    """An RFC 8098 receipt: "displayed" means the customer opened the mail."""
    for fields in _report_fields(message, "message/disposition-notification"):
        original = fields.ids("original-message-id")
        if original and "displayed" in fields.text("disposition").lower():
            return [StatusUpdate(provider_message_id=original[0], status="read")]
    return []


def _original_ids(message) -> list[str]:
    for part in message.walk():
        ctype = _content_type(part)
        if ctype in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if hasattr(inner, "raw_items"):
                return Headers(inner).ids("message-id")
        elif ctype in ("text/rfc822-headers", "message/rfc822-headers"):
            data = part.get_payload(decode=True) or b""
            inner = email.message_from_bytes(data, policy=policy.compat32)
            return Headers(inner).ids("message-id")
    return []


def _report_fields(message, ctype: str) -> list[Headers]:
    """The field blocks of a report part (the parser gives a list of blocks, a message or text)."""
    found: list[Headers] = []
    for part in message.walk():
        if _content_type(part) != ctype:
            continue
        blocks = part.get_payload()
        if isinstance(blocks, str):
            blocks = [email.message_from_string(b, policy=policy.compat32)
                      for b in re.split(r"\r?\n\r?\n", blocks)]
        found += [Headers(b) for b in (blocks or []) if hasattr(b, "raw_items")]
    return found


def _dsn(message) -> tuple[str, str]:
    """(action, "status diagnostic") of the first recipient in a message/delivery-status part."""
    for fields in _report_fields(message, "message/delivery-status"):
        action = fields.text("action").lower()
        if action:
            detail = " ".join(x for x in (fields.text("status"), fields.text("diagnostic-code")) if x)
            return action, charsets.clean(detail)
    return "", ""
