"""Outbound: public replies as v2 tweets, private answers as v2 direct messages.

Every request is OAuth 1.0a signed with the brand's app and user tokens. One call posts the
tweet or DM (after the media uploads of its files, see `media`); the core decides about
retries, so a message is never posted twice by us.
"""

from __future__ import annotations

import json
import threading
import time

import httpx

from heedful.channels.base import (
    OutboundRequest,
    PermanentSendError,
    ProviderReceipt,
    ReauthRequired,
    TemporarySendError,
)
from heedful.channels.providers.twitter import media
from heedful.channels.providers.twitter.oauth import UserCredentials, authorization_header
from heedful.channels.providers.twitter.tweets import status_url

DEFAULT_API_BASE = "https://api.twitter.com"
INVALID_TOKEN = 89  # "Invalid or expired token"
_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
_client: httpx.Client | None = None
_client_lock = threading.Lock()


def http() -> httpx.Client:
    """One pooled client per process (httpx clients are thread-safe)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(timeout=_TIMEOUT, headers={"User-Agent": "Heedful"})
        return _client


def credentials(channel) -> UserCredentials:
    creds = channel.credentials or {}
    return UserCredentials(*(str(creds.get(k) or "") for k in
                             ("consumer_key", "consumer_secret", "access_token", "access_token_secret")))


def is_private(payload: dict) -> bool:
    return payload.get("mode") == "private" or str(payload.get("thread_key") or "").startswith("dm:")


def private_text(request: OutboundRequest) -> str:
    """A DM that moves a public tweet to private says which tweet it is about."""
    payload = request.payload
    moved = not str(payload.get("thread_key") or "").startswith("dm:") and payload.get("reply_to_id")
    if moved:
        return f"{request.text}\n\n{status_url(payload['reply_to_id'])}"
    return request.text


def build(request: OutboundRequest) -> tuple[str, dict, str]:
    """(path, JSON body, receipt field) for a reply."""
    payload = request.payload
    if is_private(payload):
        participant = str(payload.get("to") or "")
        if not participant.isdigit():
            raise PermanentSendError("no Twitter user id to send the direct message to")
        return (f"/2/dm_conversations/with/{participant}/messages", {"text": private_text(request)},
                "dm_event_id")
    reply_to = str(payload.get("reply_to_id") or "")
    if not reply_to:
        # Never post a standalone public tweet by accident.
        raise PermanentSendError("no tweet to reply to")
    return "/2/tweets", {"text": request.text, "reply": {"in_reply_to_tweet_id": reply_to}}, "id"


def send(channel, request: OutboundRequest) -> ProviderReceipt:
    creds = credentials(channel)
    if not creds.complete:
        raise ReauthRequired("the channel lacks consumer or access token credentials")
    path, body, receipt_field = build(request)
    base = str(channel.settings.get("api_base_url") or DEFAULT_API_BASE).rstrip("/")
    if request.attachments:
        private = receipt_field == "dm_event_id"
        max_wait = float(channel.settings.get("media_processing_timeout", media.DEFAULT_PROCESSING_WAIT))
        ids = [media.upload(http(), base, creds, request, item, raise_for, private=private, max_wait=max_wait)
               for item in request.attachments]
        if private:
            body["attachments"] = [{"media_id": media_id} for media_id in ids]
        else:
            body["media"] = {"media_ids": ids}
        if not body.get("text"):
            body.pop("text", None)  # files alone are a whole DM or tweet
    url = base + path
    headers = {"Authorization": authorization_header(creds, "POST", url),
               "Content-Type": "application/json", "X-Idempotency-Key": request.idempotency_key}
    try:
        response = http().post(url, content=json.dumps(body).encode(), headers=headers)
    except httpx.HTTPError as exc:
        raise TemporarySendError(f"could not reach the Twitter API: {type(exc).__name__}") from exc
    data = _json(response)
    if response.status_code >= 300:
        raise_for(response, data)
    remote_id = str(as_data(data).get(receipt_field) or "")
    if not remote_id:
        raise PermanentSendError(f"the Twitter API answered {response.status_code} without {receipt_field}")
    return ProviderReceipt(provider_message_id=remote_id, raw={"data": as_data(data)})


def as_data(data) -> dict:
    inner = data.get("data") if isinstance(data, dict) else None
    return inner if isinstance(inner, dict) else {}


def _json(response: httpx.Response):
    try:
        return response.json()
    except ValueError:
        return None


def error_codes(data) -> set[int]:
    errors = data.get("errors") if isinstance(data, dict) else None
    return {e["code"] for e in errors or [] if isinstance(e, dict) and isinstance(e.get("code"), int)}


def error_detail(data, status: int) -> str:
    """The provider's own words: v2 problem `detail`/`title`, or v1.1 `errors[].message`."""
    parts = []
    if isinstance(data, dict):
        parts += [str(data[k]) for k in ("detail", "title") if data.get(k)][:1]
        parts += [str(e.get("message")) for e in data.get("errors") or []
                  if isinstance(e, dict) and e.get("message")]
    return f"Twitter API {status}: " + ("; ".join(dict.fromkeys(parts)) or "no detail")


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait: Retry-After, else until x-rate-limit-reset (epoch seconds)."""
    value = response.headers.get("retry-after", "").strip()
    if value.replace(".", "", 1).isdigit():
        return max(0.0, float(value))
    reset = response.headers.get("x-rate-limit-reset", "").strip()
    if reset.isdigit():
        return max(1.0, int(reset) - time.time())
    return None


def raise_for(response: httpx.Response, data) -> None:
    status = response.status_code
    detail = error_detail(data, status)
    if status == 429:
        raise TemporarySendError(detail, retry_after=retry_after(response), provider_status="429")
    if status >= 500:
        raise TemporarySendError(detail, provider_status=str(status))
    if status == 401 or INVALID_TOKEN in error_codes(data):
        raise ReauthRequired(detail, provider_status=str(status))
    raise PermanentSendError(detail, provider_status=str(status))
