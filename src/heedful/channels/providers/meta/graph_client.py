"""One POST to the Graph API, with Meta's errors mapped to Heedful's send errors.

Shared by Facebook, Instagram and WhatsApp (they all answer `{"error": {"code", "message"}}`).
The token travels in the Authorization header, never in the URL, so no access log or HTTP
client log line ever holds it. Each call is a single request: retries belong to the outbound
queue, which knows whether a message already went out.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx

from heedful.channels.base import (
    PermanentSendError,
    ReauthRequired,
    TemporarySendError,
)

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v21.0"
# Throttling: app/user/page call limits, WhatsApp account and pair rate limits.
RATE_LIMIT_CODES = {4, 17, 32, 613, 80007, 130429, 131056}
TRANSIENT_CODES = {1, 2}  # "unknown error" / "service temporarily unavailable"
REAUTH_CODES = {102, 190}  # session or access token invalid, expired or revoked
WINDOW_CLOSED = 131047  # WhatsApp re-engagement: more than 24 h since the customer wrote
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,200}$")


def node(value: str, what: str) -> str:
    """A Graph node id for a URL path; ids come from webhooks, so anything odd is refused."""
    if value == "me" or (_SAFE_ID.match(value or "") and ".." not in value):
        return quote(value, safe="")
    raise PermanentSendError(f"not a valid {what}: {value[:40]!r}")


def post(channel, path: str, body: dict, *, token: str, idempotency_key: str) -> dict[str, Any]:
    """POST `body` as JSON to /{version}/{path}; the decoded answer, or a SendError."""
    return _post(channel, path, {"json": body}, token=token, idempotency_key=idempotency_key)


def upload(channel, path: str, fields: dict, files: dict, *, token: str, idempotency_key: str,
           params: dict | None = None) -> dict[str, Any]:
    """POST a multipart/form-data body (a media upload) to /{version}/{path}."""
    return _post(channel, path, {"data": fields, "files": files, "params": params or {}},
                 token=token, idempotency_key=idempotency_key, timeout=60)


def _post(channel, path: str, content: dict, *, token: str, idempotency_key: str,
          timeout: float = 20) -> dict[str, Any]:
    if not token:
        raise ReauthRequired("the channel has no access token", provider_status="no_token")
    settings = channel.settings or {}
    base = str(settings.get("api_base_url") or DEFAULT_BASE_URL).rstrip("/")
    version = str(settings.get("graph_version") or DEFAULT_VERSION).strip("/")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": idempotency_key}
    try:
        response = httpx.post(f"{base}/{version}/{path}", headers=headers,
                              timeout=float(settings.get("timeout") or timeout), **content)
    except httpx.HTTPError as exc:
        raise TemporarySendError(f"Graph API unreachable: {type(exc).__name__}") from None
    if response.is_success:
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        return answer if isinstance(answer, dict) else {}
    raise error_for(response)


def get(channel, path: str, params: dict, *, token: str) -> dict[str, Any]:
    """GET /{version}/{path}?params; the decoded answer, or a SendError (same mapping as `post`)."""
    if not token:
        raise ReauthRequired("the channel has no access token", provider_status="no_token")
    settings = channel.settings or {}
    base = str(settings.get("api_base_url") or DEFAULT_BASE_URL).rstrip("/")
    version = str(settings.get("graph_version") or DEFAULT_VERSION).strip("/")
    try:
        response = httpx.get(f"{base}/{version}/{path}", params=params, headers={"Authorization": f"Bearer {token}"},
                             timeout=float(settings.get("timeout") or 20))
    except httpx.HTTPError as exc:
        raise TemporarySendError(f"Graph API unreachable: {type(exc).__name__}") from None
    if not response.is_success:
        raise error_for(response)
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def error_for(response: httpx.Response) -> Exception:
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    error = error if isinstance(error, dict) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    detail = str(error.get("message") or response.reason_phrase or "error")[:300]
    status = str(code if code is not None else response.status_code)
    text = f"Graph API {response.status_code}, error {status}: {detail}"
    if code in REAUTH_CODES:
        return ReauthRequired(f"the access token is expired or revoked; reconnect the channel ({detail})",
                              provider_status=status)
    if code == WINDOW_CLOSED:
        return PermanentSendError(
            "the 24-hour window closed: the customer last wrote more than 24 hours ago, so "
            "WhatsApp only accepts a template message until they write again", provider_status=status)
    if response.status_code == 429 or code in RATE_LIMIT_CODES:
        return TemporarySendError(text, retry_after=_retry_after(response), provider_status=status)
    if response.status_code >= 500 or code in TRANSIENT_CODES or error.get("is_transient") is True:
        return TemporarySendError(text, retry_after=_retry_after(response), provider_status=status)
    return PermanentSendError(text, provider_status=status)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return seconds if 0 <= seconds <= 86400 else None
