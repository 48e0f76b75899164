"""Meta's user data deletion callback: when someone removes the brand's app or asks Meta to
delete their data, Meta POSTs a form field `signed_request` to the callback URL set in the app
dashboard. It is `<signature>.<payload>`, both base64url without padding; the signature is
HMAC-SHA256 of the encoded payload with the app secret; the payload names the user:

    {"algorithm": "HMAC-SHA256", "expires": 1291840400, "issued_at": 1291836800,
     "user_id": "218471"}

Meta expects `{"url", "confirmation_code"}` back (a page where the person can follow it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from heedful.core.errors import WebhookAuthError


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def user_id(signed_request: str, app_secret: str) -> str:
    """The user id of an authentic signed_request; WebhookAuthError for anything else."""
    if not app_secret:
        raise WebhookAuthError("the channel has no app secret; cannot check the signed_request")
    encoded_sig, _, encoded_payload = (signed_request or "").partition(".")
    if not encoded_sig or not encoded_payload:
        raise WebhookAuthError("signed_request is not <signature>.<payload>")
    try:
        given = _b64url(encoded_sig)
        payload = json.loads(_b64url(encoded_payload))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise WebhookAuthError("signed_request cannot be decoded") from None
    expected = hmac.new(app_secret.encode(), encoded_payload.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise WebhookAuthError("signed_request signature does not match")
    if not isinstance(payload, dict) or str(payload.get("algorithm", "")).upper() != "HMAC-SHA256":
        raise WebhookAuthError("signed_request algorithm is not HMAC-SHA256")
    found = payload.get("user_id")
    if not isinstance(found, (str, int)) or isinstance(found, bool) or not str(found).strip():
        raise WebhookAuthError("signed_request names no user")
    return str(found).strip()
