"""Account Activity API webhook security: the CRC answer and the payload signature.

Both are base64(HMAC-SHA256(consumer_secret, data)), prefixed with "sha256=".
"""

from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


def hmac_sha256_b64(secret: str, data: bytes) -> str:
    digest = hmac.new(secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode("ascii")


def crc_response_token(consumer_secret: str, crc_token: str) -> str:
    """What Twitter expects back from `GET ...?crc_token=T` (challenge-response check)."""
    return hmac_sha256_b64(consumer_secret, crc_token.encode())


def webhook_signature(consumer_secret: str, body: bytes) -> str:
    """The `x-twitter-webhooks-signature` value for a POSTed body (the exact bytes)."""
    return hmac_sha256_b64(consumer_secret, body)


def signature_matches(consumer_secret: str, body: bytes, given: str) -> bool:
    if not consumer_secret or not given:
        return False
    expected = webhook_signature(consumer_secret, body)
    return hmac.compare_digest(expected.encode(), given.strip().encode())
