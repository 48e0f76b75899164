"""Graph webhooks, shared by Facebook, Instagram and WhatsApp.

All three use the same subscription handshake (`hub.challenge` echoed when `hub.verify_token`
matches), the same body signature (`X-Hub-Signature-256: sha256=` + hex HMAC-SHA256 of the raw
body with the app secret) and the same envelope (`{"object": ..., "entry": [...]}`). Meta sends
no event id, so a digest of the body is the event key: a redelivered body is stored once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from heedful.channels.base import (
    PayloadError,
    WebhookAuthError,
    WebhookRequest,
    body_digest,
)

SIGNATURE_HEADER = "X-Hub-Signature-256"
_MAX_CHALLENGE = 200


def signature(app_secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value Meta sends for `body`."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


class GraphWebhook:
    """Mixin for Graph-webhook providers: handshake, signature check and event key."""

    def handshake(self, channel, request: WebhookRequest) -> tuple[int, str, str]:
        expected = channel.credential("verify_token")
        given = request.query.get("hub.verify_token") or ""
        challenge = request.query.get("hub.challenge") or ""
        if (
            request.query.get("hub.mode") == "subscribe"
            and expected
            and hmac.compare_digest(given.encode(), expected.encode())
            and 0 < len(challenge) <= _MAX_CHALLENGE
        ):
            return 200, "text/plain", challenge
        return 403, "text/plain", "verify token mismatch"

    def verify(self, channel, request: WebhookRequest) -> None:
        secret = channel.credential("app_secret")
        given = request.header(SIGNATURE_HEADER)
        if not secret:
            raise WebhookAuthError("the channel has no app secret; cannot check signatures")
        if not given.startswith("sha256="):
            raise WebhookAuthError(f"missing {SIGNATURE_HEADER} header")
        if not hmac.compare_digest(given.encode(), signature(secret, request.body).encode()):
            raise WebhookAuthError(f"{SIGNATURE_HEADER} does not match the body")

    def event_key(self, channel, request: WebhookRequest) -> str:
        return body_digest(request.body)


# -- reading envelopes -----------------------------------------------------------------------

def load_entries(raw: bytes, expected_object: str) -> tuple[list[dict], list[str]]:
    """The `entry` list of a Graph webhook body, or ([], [reason]) for another object type."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PayloadError("body is not a JSON object")
    obj = data.get("object")
    if obj != expected_object:
        return [], [f"object {str(obj)[:40]!r} is not handled by this channel (expects {expected_object})"]
    return [e for e in as_list(data.get("entry")) if isinstance(e, dict)], []


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_str(value: Any) -> str:
    """A scalar as text (Graph ids arrive as numbers or strings); anything else is empty."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (str, int, float)):
        return str(value)
    return ""


def from_epoch(value: Any) -> datetime | None:
    """Graph timestamps: seconds or milliseconds since the epoch, as numbers or strings."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number or number <= 0:  # NaN or not a time
        return None
    if number > 1e11:  # milliseconds
        number /= 1000
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def from_iso(value: Any) -> datetime | None:
    """Feed webhooks may carry `created_time` as ISO 8601 instead of epoch seconds."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        return from_epoch(value)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("+0000", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def entry_mismatch(entry: dict, own_id: str, what: str) -> str:
    """A reason to skip an entry addressed to another account, or "" when it is ours.

    One Meta app has one callback URL per object type, so several pages (or numbers) on one
    app all post to whichever channel URL was configured; replying from the wrong account
    would fail, so such entries are not taken in.
    """
    entry_id = as_str(entry.get("id"))
    if own_id and entry_id and entry_id != own_id:
        return f"entry for {what} {entry_id}, not this channel's {what}"
    return ""
