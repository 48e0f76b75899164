"""Twilio channel: `/hooks/twilio/<channel>` for SMS, voice and status callbacks."""

from __future__ import annotations

import httpx

from heedful.channels.base import (
    MB,
    BaseProvider,
    Credentials,
    FileRules,
    IdentityKind,
    OutboundRequest,
    PermanentSendError,
    ProviderReceipt,
    ReauthRequired,
    TemporarySendError,
    WebhookAuthError,
    WebhookRequest,
)
from heedful.channels.providers.twilio import inbound, signature
from heedful.channels.registry import register

DEFAULT_API = "https://api.twilio.com"
_AUTH_ERRORS = {20003, 20005}  # authentication failed / account not active
_TEMPORARY_ERRORS = {20429, 30001}  # too many requests / queue overflow
_SAY = ('<?xml version="1.0" encoding="UTF-8"?><Response><Say>Thank you for calling. '
        "Your call has been logged and an agent will get back to you.</Say></Response>")
_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# MMS: Twilio fetches each MediaUrl itself; at most 10 media and 5 MB in all per message. JPEG,
# PNG and GIF are formatted for every handset; the others below are passed on as they are.
MMS_FILES = FileRules("Twilio MMS", {t: 5 * MB for t in (
    "image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff", "application/pdf", "text/vcard",
    "text/x-vcard", "text/calendar", "audio/mpeg", "audio/mp4", "audio/ogg", "audio/amr", "video/mp4",
    "video/3gpp", "video/quicktime")}, max_files=10, max_total=5 * MB)


PHONE = IdentityKind(
    key="phone", label="Phone", handle_format="phone",
    glyph='<path d="M4 2h3l1 3-2 1a8 8 0 0 0 4 4l1-2 3 1v3a1 1 0 0 1-1 1A11 11 0 0 1 3 3a1 1 0 0 1 1-1z" '
          'fill="currentColor"/>',
)


class TwilioCredentials(Credentials):
    """From the Twilio console: the account, its auth token and the number customers text."""

    account_sid: str = ""
    auth_token: str = ""
    phone_number: str = ""


@register
class TwilioChannel(BaseProvider):
    key = "twilio"
    family = "twilio"
    identity_kinds = (PHONE,)
    max_text_length = 1600  # Twilio's limit for one (concatenated) SMS
    credentials = TwilioCredentials
    can_go_private = True

    def verify(self, channel, request: WebhookRequest) -> None:
        # Twilio signs the URL it called; behind a proxy set the channel's `webhook_url`.
        url = channel.settings.get("webhook_url") or request.url
        params = inbound.form(request.body)
        if not signature.valid(channel.credential("auth_token"), url, params,
                               request.header("x-twilio-signature")):
            raise WebhookAuthError("X-Twilio-Signature does not match")

    def event_key(self, channel, request: WebhookRequest) -> str:
        return inbound.event_key(inbound.form(request.body))

    def parse(self, channel, raw: bytes, content_type: str = ""):
        return inbound.parse(raw)

    def acknowledge(self, channel, request: WebhookRequest, event_id: int):
        """TwiML: a spoken notice for calls, an empty response (no auto-reply) for SMS."""
        is_call = inbound.kind(inbound.form(request.body)) == "call"
        speak = is_call and inbound.form(request.body).get("CallStatus") == "ringing"
        return 200, "text/xml", _SAY if speak else _EMPTY

    def private_thread_key(self, channel, payload: dict) -> str:
        return f"sms:{payload['to']}"

    def check_attachments(self, channel, payload: dict, files) -> None:
        MMS_FILES.check(files)

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        sid = channel.credential("account_sid")
        base = channel.settings.get("api_base_url") or DEFAULT_API
        data = {"To": request.payload.get("to", ""), "From": channel.credential("phone_number"),
                "Body": request.text}
        if request.attachments:
            # Signed Heedful links that expire: Twilio fetches the files once, at send time.
            data["MediaUrl"] = [item.url for item in request.attachments]
        if channel.settings.get("status_callback_url"):
            data["StatusCallback"] = channel.settings["status_callback_url"]
        try:
            response = httpx.post(f"{base}/2010-04-01/Accounts/{sid}/Messages.json", data=data,
                                  auth=(sid, channel.credential("auth_token")), timeout=15.0)
        except httpx.HTTPError as exc:
            raise TemporarySendError(f"Twilio unreachable: {type(exc).__name__}") from exc
        return _receipt(response)


def _receipt(response: httpx.Response) -> ProviderReceipt:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code < 300:
        return ProviderReceipt(provider_message_id=str(body.get("sid", "")),
                               status=inbound.MESSAGE_STATUS.get(body.get("status", ""), "sent"), raw=body)
    code = body.get("code")
    detail = f"Twilio {response.status_code} (code {code}): {body.get('message', '')}"
    if response.status_code == 401 or code in _AUTH_ERRORS:
        raise ReauthRequired(detail, provider_status=str(code or response.status_code))
    if response.status_code == 429 or response.status_code >= 500 or code in _TEMPORARY_ERRORS:
        retry_after = response.headers.get("Retry-After")
        raise TemporarySendError(detail, retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
                                 provider_status=str(code or response.status_code))
    raise PermanentSendError(detail, provider_status=str(code or response.status_code))
