"""Twilio request validation: base64(HMAC-SHA1(auth_token, url + sorted POST params))."""

from __future__ import annotations

import base64
import hashlib
import hmac


def expected(auth_token: str, url: str, params: dict[str, str]) -> str:
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def valid(auth_token: str, url: str, params: dict[str, str], given: str) -> bool:
    return bool(auth_token and given) and hmac.compare_digest(expected(auth_token, url, params), given)
