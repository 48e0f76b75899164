"""Build the mail for an agent's reply: threading headers, subject token, deterministic id."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from heedful.channels.base import OutboundRequest
from heedful.channels.providers.email import htmltext
from heedful.channels.providers.email.headers import message_ids

_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|antw|vs)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_TOKEN = re.compile(r"\s*\[#HF-\d+\]")
_MAX_REFERENCES = 20


def domain_of(address: str) -> str:
    domain = address.rsplit("@", 1)[-1].strip().strip(">").lower() if "@" in address else ""
    return domain or "heedful.invalid"


def message_id(idempotency_key: str, address: str) -> str:
    """The same delivery always gets the same id, so a repeated send is recognisably one mail."""
    return f"<hf-{idempotency_key}@{domain_of(address)}>"


def reply_subject(subject: str, conversation_id) -> str:
    """"Re: <subject> [#HF-<id>]" with one "Re:" and one token, however long the thread."""
    base = " ".join(_TOKEN.sub("", _REPLY_PREFIX.sub("", subject or "")).split())
    parts = ["Re:", base, f"[#HF-{conversation_id}]" if conversation_id else ""]
    return " ".join(p for p in parts if p)


def references(payload: dict) -> list[str]:
    """The thread's ids, oldest first, ending with the mail being answered (RFC 5322 3.6.4)."""
    parent = _one_id(payload.get("reply_to_id") or "")
    ids: list[str] = []
    for value in payload.get("references") or []:
        for pid in message_ids(str(value)):
            if pid != parent and pid not in ids:
                ids.append(pid)
    if parent:
        ids.append(parent)
    return ids if len(ids) <= _MAX_REFERENCES else ids[:1] + ids[-(_MAX_REFERENCES - 1):]


def _one_line(value) -> str:
    """Header text on one line: a line break in a name or subject must not add headers."""
    return " ".join(str(value or "").split())


def _one_id(value: str) -> str:
    found = message_ids(value)
    return found[0] if found else ""


def build(request: OutboundRequest, address: str, from_name: str = "") -> EmailMessage:
    payload = request.payload
    mail = EmailMessage()
    mail["From"] = formataddr((from_name, address)) if from_name else address
    to = str(payload.get("to") or "")
    mail["To"] = formataddr((_one_line(payload.get("to_name")), to))
    mail["Subject"] = reply_subject(_one_line(payload.get("subject") or request.subject),
                                    payload.get("conversation_id"))
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = message_id(request.idempotency_key, address)
    parent = _one_id(str(payload.get("reply_to_id") or ""))
    if parent:
        mail["In-Reply-To"] = parent
    refs = references(payload)
    if refs:
        mail["References"] = " ".join(refs)
    mail.set_content(request.text or "")
    if request.html:
        mail.add_alternative(htmltext.sanitise(request.html), subtype="html")
    for item in request.attachments:  # multipart/mixed: the body first, then each file
        maintype, _, subtype = (item.content_type or "").partition("/")
        if not (maintype and subtype) or maintype == "multipart":
            maintype, subtype = "application", "octet-stream"
        mail.add_attachment(item.content or b"", maintype=maintype, subtype=subtype,
                            filename=_one_line(item.filename) or "attachment")
    return mail
