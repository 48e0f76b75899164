"""Continue a web chat by email when nobody was there to answer it live.

A visitor who writes while the brand is away leaves an email; their message carries
`continue_by_email`. An agent's reply to it is then also mailed to them from the channel's
`reply_address` (SMTP), with a Message-ID Heedful chose; their answer to that mail lands in the
channel's own mailbox (IMAP, polled), answers that Message-ID, and so is threaded into the same
conversation by the pipeline's reply-id step, like any email reply.

Only the standard library is used: the provider packages stay independent of each other.
"""

from __future__ import annotations

import email
import imaplib
import re
import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, getaddresses, parseaddr, parsedate_to_datetime

from heedful.channels.base import (
    Handle,
    InboundMessage,
    OutboundRequest,
    ParsedEvent,
    PayloadError,
    PermanentSendError,
    ReauthRequired,
    TemporarySendError,
    body_digest,
)

TIMEOUT = 15.0
_QUOTE_HEAD = re.compile(r"^(On .{4,200} wrote:|Le .{4,200} a écrit ?:|Am .{4,200} schrieb .{0,100}:|"
                         r"El .{4,200} escribió:|-----\s*Original Message\s*-----)\s*$", re.I)
FETCH_LIMIT = 200


def wanted(channel, request: OutboundRequest) -> str:
    """The visitor's email when this reply should also go by mail, else ""."""
    meta = request.payload.get("reply_to_metadata") or {}
    if not meta.get("continue_by_email") or not channel.credential("smtp_host"):
        return ""
    return str(meta.get("email") or "")


def message_id(channel, request: OutboundRequest) -> str:
    """Stable per delivery, so a retried send is the same mail; stored without brackets."""
    domain = channel.credential("reply_address").rpartition("@")[2] or "heedful.invalid"
    return f"webchat.{request.idempotency_key}@{domain}"


def send(channel, request: OutboundRequest, to: str) -> str:
    mail = EmailMessage()
    mid = message_id(channel, request)
    mail["From"] = formataddr((channel.name, channel.credential("reply_address")))
    mail["To"] = to
    mail["Subject"] = f"Re: {request.subject}" if request.subject else channel.name
    mail["Message-ID"] = f"<{mid}>"
    mail["Auto-Submitted"] = "no"
    mail.set_content(f"{request.text}\n\n-- \nReply to this email to continue our chat.\n")
    for item in request.attachments:  # the agent's files go with the mail, as in the widget
        maintype, _, subtype = (item.content_type or "").partition("/")
        if not (maintype and subtype) or maintype == "multipart":
            maintype, subtype = "application", "octet-stream"
        mail.add_attachment(item.content or b"", maintype=maintype, subtype=subtype,
                            filename=" ".join(item.filename.split()) or "attachment")
    starttls = bool((channel.settings or {}).get("smtp_starttls", True))
    try:
        with smtplib.SMTP(channel.credential("smtp_host"), int(channel.credential("smtp_port", "587")),
                          timeout=TIMEOUT) as server:
            if starttls:
                server.starttls(context=ssl.create_default_context())
            if channel.credential("smtp_user"):
                server.login(channel.credential("smtp_user"), channel.credential("smtp_password"))
            server.send_message(mail)
    except smtplib.SMTPAuthenticationError as exc:
        raise ReauthRequired(f"SMTP login refused ({exc.smtp_code})", provider_status=str(exc.smtp_code)) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentSendError("the visitor's email address was refused") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TemporarySendError(f"SMTP failed: {type(exc).__name__}") from exc
    return mid


def fetch(channel, cursor: dict) -> tuple[list[tuple[str, bytes]], dict]:
    """New mail in the reply mailbox after `cursor` ({"uidvalidity", "last_uid"})."""
    if not channel.credential("imap_host"):
        return [], cursor
    # An unreachable server raises OSError: the poller logs it and tries again next round.
    client = imaplib.IMAP4(channel.credential("imap_host"), int(channel.credential("imap_port", "143")),
                           timeout=TIMEOUT)
    try:
        try:
            client.login(channel.credential("imap_user"), channel.credential("imap_password"))
        except imaplib.IMAP4.error as exc:
            raise ReauthRequired("IMAP login refused: check imap_user and imap_password") from exc
        client.select("INBOX", readonly=True)
        validity = int(client.response("UIDVALIDITY")[1][0])
        last = int(cursor.get("last_uid", 0)) if cursor.get("uidvalidity") == validity else 0
        _, found = client.uid("SEARCH", None, f"UID {last + 1}:*")
        uids = sorted(int(u) for u in (found[0] or b"").split() if int(u) > last)[:FETCH_LIMIT]
        items = []
        for uid in uids:
            _, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = next((part[1] for part in data if isinstance(part, tuple)), b"")
            items.append((f"webchat-mail:{validity}:{uid}", raw))
        return items, {"uidvalidity": validity, "last_uid": uids[-1] if uids else last}
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def _ids(value) -> list[str]:
    return re.findall(r"<([^<>\s]+)>", str(value or ""))


def _fresh_text(text: str) -> str:
    """The answer without the quoted mail below it."""
    kept = []
    for line in text.splitlines():
        if line.startswith(">") or _QUOTE_HEAD.match(line.strip()):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def parse(raw: bytes) -> ParsedEvent:
    try:
        mail = email.message_from_bytes(raw, policy=policy.default)
        sender = parseaddr(str(mail.get("From", "")))
        body = mail.get_body(("plain",))
        text = body.get_content() if body is not None else ""
    except (LookupError, ValueError, TypeError) as exc:
        raise PayloadError("not a readable mail") from exc
    address = sender[1].strip().lower()
    if "@" not in address:
        raise PayloadError("mail without a From address")
    answered = _ids(mail.get("In-Reply-To")) + list(reversed(_ids(mail.get("References"))))
    try:
        sent_at = parsedate_to_datetime(str(mail["Date"])) if mail.get("Date") else None
    except (TypeError, ValueError):
        sent_at = None
    automated = str(mail.get("Auto-Submitted", "no")).lower() != "no" or bool(mail.get("List-Id"))
    to = [a for _, a in getaddresses([str(mail.get("To", ""))])]
    message = InboundMessage(
        provider_message_id=(_ids(mail.get("Message-ID")) or [body_digest(raw)])[0],
        sender=Handle(kind="email", handle=address, display_name=sender[0]),
        text=text.strip(), display_text=_fresh_text(text), subject=str(mail.get("Subject", ""))[:500],
        sent_at=sent_at if sent_at and sent_at.tzinfo else None, reply_to_ids=list(dict.fromkeys(answered)),
        automated=automated, metadata={"via": "email", "to": to[:5]},
    )
    return ParsedEvent(messages=[message])
