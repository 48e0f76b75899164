"""A local fake of a mail provider's OAuth 2.0 server (Google's or Microsoft's endpoints).

It speaks the authorization-code flow with PKCE (RFC 6749, RFC 7636): `/authorize` plays the
consent page and sends the browser straight back with a code; `/token` exchanges codes and
refresh tokens; `/introspect` (RFC 7662) answers the IMAP server (Dovecot's oauth2 passdb) and
the SMTP test server about a bearer token. Tests revoke the grants to see a refresh refused.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from urllib.parse import parse_qs, urlencode

from heedful.devtools.fakeserver import FakeProviderServer, Recorded, Reply


class FakeOAuthServer(FakeProviderServer):
    def __init__(self, *, client_id: str, client_secret: str, user: str, expires_in: int = 3600, **kwargs):
        self.client_id, self.client_secret, self.user, self.expires_in = client_id, client_secret, user, expires_in
        self._codes: dict[str, dict] = {}
        self.access_tokens: dict[str, str] = {}  # token -> user
        self.refresh_tokens: dict[str, str] = {}
        self._state_lock = threading.Lock()
        super().__init__(**kwargs)

    def setup_routes(self):
        self.route("GET", "/authorize", self._authorize)
        self.route("POST", "/token", self._token)
        self.route("POST", "/introspect", self._introspect)

    # -- what tests script ---------------------------------------------------------------------
    def revoke_all(self) -> None:
        """The owner withdrew consent: every token stops working."""
        with self._state_lock:
            self.access_tokens.clear()
            self.refresh_tokens.clear()

    def user_of(self, token: str) -> str | None:
        return self.access_tokens.get(token)

    # -- endpoints -----------------------------------------------------------------------------
    def _authorize(self, request: Recorded, match) -> Reply:
        query = {k: v[0] for k, v in request.query.items()}
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return Reply(400, {"error": "invalid_request"})
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return Reply(400, {"error": "invalid_request", "error_description": "PKCE S256 required"})
        code = secrets.token_urlsafe(16)
        with self._state_lock:
            self._codes[code] = {"challenge": query["code_challenge"], "redirect_uri": query.get("redirect_uri", ""),
                                 "scope": query.get("scope", "")}
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        return Reply(302, b"", {"Location": location})

    def _token(self, request: Recorded, match) -> Reply:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return Reply(401, {"error": "invalid_client"})
        with self._state_lock:
            if form.get("grant_type") == "authorization_code":
                grant = self._codes.pop(form.get("code", ""), None)  # a code works once
                if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                    return Reply(400, {"error": "invalid_grant"})
                verifier = form.get("code_verifier", "").encode()
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
                if challenge != grant["challenge"]:
                    return Reply(400, {"error": "invalid_grant", "error_description": "PKCE verifier"})
            elif form.get("grant_type") == "refresh_token":
                if self.refresh_tokens.pop(form.get("refresh_token", ""), None) is None:
                    return Reply(400, {"error": "invalid_grant"})
            else:
                return Reply(400, {"error": "unsupported_grant_type"})
            access, refresh = "at-" + secrets.token_urlsafe(16), "rt-" + secrets.token_urlsafe(16)
            self.access_tokens[access] = self.user
            self.refresh_tokens[refresh] = self.user  # rotated, as Microsoft does
        return Reply(200, {"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
                           "expires_in": self.expires_in})

    def _introspect(self, request: Recorded, match) -> Reply:
        token = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}.get("token", "")
        user = self.user_of(token)
        return Reply(200, {"active": True, "username": user} if user else {"active": False})
