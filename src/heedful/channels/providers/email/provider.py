"""The email channel: inbound by webhook (raw RFC 822) or IMAP polling, outbound by SMTP."""

from __future__ import annotations

import hmac
from typing import Literal

from heedful.channels.base import (
    MB,
    BaseProvider,
    Credentials,
    FileRules,
    IdentityKind,
    OutboundRequest,
    ParsedEvent,
    PermanentSendError,
    ProviderReceipt,
    ReauthRequired,
    WebhookAuthError,
    WebhookRequest,
)
from heedful.channels.providers.email import imap, inbound, oauth, outgoing, smtp
from heedful.channels.providers.email.config import port_number
from heedful.channels.registry import register

EMAIL = IdentityKind(
    key="email", label="Email", handle_format="email",
    glyph='<path d="M2 4h12v8H2z" fill="none" stroke="currentColor" stroke-width="1.5"/>'
          '<path d="M2 4l6 5 6-5" fill="none" stroke="currentColor" stroke-width="1.5"/>',
)


class EmailCredentials(Credentials):
    """The mailbox: its address, IMAP to read it, SMTP to answer, or a forwarding token."""

    address: str = ""
    inbound_token: str = ""
    imap_host: str = ""
    imap_port: int | None = None
    imap_user: str = ""
    imap_password: str = ""
    smtp_host: str = ""
    smtp_port: int | None = None
    smtp_user: str = ""
    smtp_password: str = ""
    # OAuth sign-in instead of passwords (XOAUTH2 for IMAP and SMTP); see email/oauth.py.
    oauth_provider: Literal["", "google", "microsoft", "custom"] = ""
    oauth_client_id: str = ""
    oauth_client_secret: str = ""
    oauth_tenant: str = ""  # Microsoft: the directory (tenant) id; default "common"
    oauth_authorize_url: str = ""  # "custom", or to override a preset
    oauth_token_url: str = ""
    oauth_scope: str = ""
    # Written by the sign-in and its refreshes.
    oauth_access_token: str = ""
    oauth_refresh_token: str = ""
    oauth_expires_at: int = 0


@register
class EmailProvider(BaseProvider):
    key = "email"
    family = "email"
    identity_kinds = (EMAIL,)
    credentials = EmailCredentials
    polls = True  # IMAP, besides the forwarding webhook
    # Most mail servers refuse messages over 25 MB; base64 makes files a third larger.
    files = FileRules("Email", {"*/*": 18 * MB}, max_files=20, max_total=18 * MB)

    def check_attachments(self, channel, payload: dict, files) -> None:
        self.files.check(files)

    def verify(self, channel, request: WebhookRequest) -> None:
        expected = str((channel.credentials or {}).get("inbound_token") or "")
        scheme, _, token = request.header("authorization").strip().partition(" ")
        if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(
                token.strip().encode(), expected.encode()):
            raise WebhookAuthError("missing or wrong bearer token")

    def event_key(self, channel, request: WebhookRequest) -> str:
        return inbound.event_key(request.body)

    def parse(self, channel, raw: bytes, content_type: str = "") -> ParsedEvent:
        return inbound.parse_mail(raw, own_address=str((channel.credentials or {}).get("address") or ""))

    def ordering_key(self, channel, msg) -> str | None:
        # reply_to_ids end with the oldest References id: the thread's root, the same for
        # every mail of the thread that keeps its References (RFC 5322 keeps the first one).
        return (msg.reply_to_ids[-1] if msg.reply_to_ids else msg.provider_message_id) or None

    def parent_event_keys(self, channel, msg) -> list[str]:
        return list(msg.reply_to_ids)  # a mail is stored under its Message-ID (inbound.event_key)

    def fetch_new(self, channel, cursor: dict) -> tuple[list[tuple[str, bytes]], dict]:
        """New mail in the channel's IMAP folder after `cursor`; see imap.fetch_new."""
        return imap.fetch_new(channel, cursor, token=access_token(channel))

    def sign_in_url(self, channel, *, redirect_uri: str, state: str, verifier: str) -> str | None:
        creds = channel.credentials or {}
        if not oauth.enabled(creds):
            return None
        return oauth.authorize_url(creds, redirect_uri=redirect_uri, state=state, verifier=verifier)

    def complete_sign_in(self, channel, *, code: str, redirect_uri: str, verifier: str) -> dict:
        return oauth.exchange_code(channel.credentials or {}, code=code, redirect_uri=redirect_uri,
                                   verifier=verifier)

    def renewal_due(self, credentials: dict) -> bool:
        return oauth.enabled(credentials) and oauth.needs_refresh(credentials)

    def renew(self, credentials: dict) -> dict:
        return oauth.refreshed(credentials)

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        creds, opts = channel.credentials or {}, channel.settings or {}
        address = str(creds.get("address") or "")
        host = str(creds.get("smtp_host") or "")
        if not address or not host:
            raise ReauthRequired("the email channel needs an address and smtp_host to send")
        to = str(request.payload.get("to") or "")
        if "@" not in to:
            raise PermanentSendError("no email address to reply to")
        try:
            mail = outgoing.build(request, address, str(opts.get("from_name") or ""))
        except (ValueError, TypeError) as exc:  # e.g. a line break smuggled into a header
            raise PermanentSendError(f"cannot build the mail: {exc}") from exc
        port = port_number(creds.get("smtp_port"), 587)
        token = access_token(channel)
        smtp.deliver(
            mail, host=host, port=port, user=str(creds.get("smtp_user") or (address if token else "")),
            password=str(creds.get("smtp_password") or ""), token=token,
            use_starttls=bool(opts.get("smtp_starttls", port == 587)),
            timeout=float(opts.get("smtp_timeout", 30)),
            retry_after=float(opts.get("smtp_retry_seconds", smtp.DEFAULT_RETRY_AFTER)),
        )
        return ProviderReceipt(provider_message_id=mail["Message-ID"], status="sent")


def access_token(channel) -> str:
    """The channel's OAuth access token ("" for a password login); the caller renewed it
    (`channels.actions.renewed`) before the poll or the send."""
    creds = channel.credentials or {}
    return str(creds.get("oauth_access_token") or "") if oauth.enabled(creds) else ""
