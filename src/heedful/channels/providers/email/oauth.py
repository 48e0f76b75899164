"""Modern mail sign-in: the OAuth 2.0 authorization-code flow (with PKCE) and XOAUTH2.

Google Workspace and Microsoft 365 refuse passwords for IMAP and SMTP on most tenants: the mailbox
owner signs in once from the channel settings page, Heedful keeps the access and refresh tokens in
the channel's encrypted credentials and refreshes the access token shortly before it expires.
When the refresh is refused (revoked, password changed, consent withdrawn), the channel is marked
`needs_reauth` and the settings page asks for a new sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import urlencode

import httpx

from heedful.channels.base import ReauthRequired, TemporarySendError

# Renew this long before the access token expires, so a poll or a send never starts with a
# token that dies halfway.
REFRESH_MARGIN_SECONDS = 300

PRESETS = {
    "google": {
        "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_url": "https://oauth2.googleapis.com/token",
        "scope": "https://mail.google.com/",
        "extra": {"access_type": "offline", "prompt": "consent"},
    },
    "microsoft": {
        "authorize_url": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
        "token_url": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        "scope": "offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
                 "https://outlook.office.com/SMTP.Send",
        "extra": {},
    },
}


def enabled(creds: dict) -> bool:
    return bool(creds.get("oauth_provider"))


def endpoints(creds: dict) -> dict:
    """authorize_url, token_url, scope and extra parameters for the channel's OAuth provider;
    explicit `oauth_*_url` / `oauth_scope` credentials override a preset (and make "custom")."""
    preset = PRESETS.get(str(creds.get("oauth_provider") or ""), {"extra": {}})
    tenant = str(creds.get("oauth_tenant") or "common")
    found = {
        "authorize_url": str(creds.get("oauth_authorize_url") or preset.get("authorize_url", "")),
        "token_url": str(creds.get("oauth_token_url") or preset.get("token_url", "")),
        "scope": str(creds.get("oauth_scope") or preset.get("scope", "")),
        "extra": preset["extra"],
    }
    found["authorize_url"] = found["authorize_url"].replace("{tenant}", tenant)
    found["token_url"] = found["token_url"].replace("{tenant}", tenant)
    return found


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(creds: dict, *, redirect_uri: str, state: str, verifier: str) -> str:
    ends = endpoints(creds)
    if not ends["authorize_url"] or not creds.get("oauth_client_id"):
        raise ValueError("the channel needs oauth_provider (or oauth_authorize_url) and oauth_client_id")
    query = {"response_type": "code", "client_id": creds["oauth_client_id"], "redirect_uri": redirect_uri,
             "scope": ends["scope"], "state": state, "code_challenge": code_challenge(verifier),
             "code_challenge_method": "S256", **ends["extra"]}
    if creds.get("address"):
        query["login_hint"] = creds["address"]
    return f"{ends['authorize_url']}?{urlencode(query)}"


def exchange_code(creds: dict, *, code: str, redirect_uri: str, verifier: str) -> dict:
    """The tokens for an authorization code, as credentials to store."""
    return _token_request(creds, {"grant_type": "authorization_code", "code": code,
                                  "redirect_uri": redirect_uri, "code_verifier": verifier})


def refreshed(creds: dict) -> dict:
    """New tokens from the refresh token (kept when the server does not rotate it)."""
    if not creds.get("oauth_refresh_token"):
        raise ReauthRequired("mail sign-in has no refresh token: sign in again from the channel settings")
    tokens = _token_request(creds, {"grant_type": "refresh_token", "refresh_token": creds["oauth_refresh_token"]})
    tokens.setdefault("oauth_refresh_token", creds["oauth_refresh_token"])
    return tokens


def needs_refresh(creds: dict, at: float | None = None) -> bool:
    expires = float(creds.get("oauth_expires_at") or 0)
    return not creds.get("oauth_access_token") or expires - (at or time.time()) < REFRESH_MARGIN_SECONDS


def xoauth2(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64, which IMAP and SMTP libraries add)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def _token_request(creds: dict, form: dict) -> dict:
    url = endpoints(creds)["token_url"]
    form = {**form, "client_id": str(creds.get("oauth_client_id") or "")}
    if creds.get("oauth_client_secret"):
        form["client_secret"] = str(creds["oauth_client_secret"])
    try:
        response = httpx.post(url, data=form, timeout=15.0, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise TemporarySendError(f"mail sign-in server unreachable: {type(exc).__name__}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise TemporarySendError(f"mail sign-in server answered {response.status_code}",
                                 provider_status=str(response.status_code))
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or not body.get("access_token"):
        # invalid_grant: the refresh token was revoked or expired. Name the error, not the body.
        error = str(body.get("error") or response.status_code)[:60]
        raise ReauthRequired(f"mail sign-in refused ({error}): sign in again from the channel settings",
                             provider_status=str(response.status_code))
    tokens = {"oauth_access_token": str(body["access_token"]),
              "oauth_expires_at": int(time.time() + int(body.get("expires_in") or 3600))}
    if body.get("refresh_token"):
        tokens["oauth_refresh_token"] = str(body["refresh_token"])
    return tokens
