"""OAuth 1.0a user-context signing (HMAC-SHA1), as the Twitter API requires for brand actions.

JSON bodies are not part of the OAuth signature base string (only query and form parameters
are), so a v2 JSON request signs the method, URL and oauth_* parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

from oauthlib.oauth1 import Client


@dataclass(frozen=True)
class UserCredentials:
    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str

    @property
    def complete(self) -> bool:
        return all((self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret))


def authorization_header(creds: UserCredentials, method: str, url: str, *, form: str | None = None,
                         nonce: str | None = None, timestamp: str | None = None) -> str:
    """The `Authorization: OAuth ...` value for one request.

    `form` is an application/x-www-form-urlencoded body whose parameters are signed too;
    `nonce` and `timestamp` are fixed only to reproduce documented examples.
    """
    client = Client(creds.consumer_key, client_secret=creds.consumer_secret,
                    resource_owner_key=creds.access_token,
                    resource_owner_secret=creds.access_token_secret,
                    nonce=nonce, timestamp=timestamp)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
    _, signed, _ = client.sign(url, http_method=method.upper(), body=form, headers=headers)
    return signed["Authorization"]
