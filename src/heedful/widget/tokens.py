"""Signed visitor tokens: one visitor, one channel.

A token is `django.core.signing` output (HMAC with SECRET_KEY, salted) over the channel id and
the visitor's handles; nothing is stored server-side. Knowing a conversation id is worth
nothing: every read is scoped to the handles a valid token names (`gate.py`).

An anonymous visitor's handle is random. `identify()` with a valid brand hash gives the handle
of the brand's user (`<channel>.u.<user id>`), the same on every device, plus the verified
email; the anonymous handle is kept so the chat the visitor just had stays theirs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from django.core import signing

SALT = "heedful.widget.visitor"
MAX_AGE = 90 * 24 * 3600  # seconds; the widget asks for a new session after that
MAX_HANDLES = 4
MAX_USER_ID = 150  # keeps "<handle>:<client id>" within the 255 characters of a message id


class BadToken(Exception):
    """Missing, forged, expired, or for another channel: the view answers 401."""


@dataclass(frozen=True)
class Visitor:
    channel_id: int
    handle: str  # the handle new messages are sent as
    earlier: tuple[str, ...] = field(default=())  # older handles of the same visitor (anonymous)
    verified_email: str = ""
    name: str = ""

    @property
    def handles(self) -> tuple[str, ...]:
        return (self.handle, *self.earlier)

    @property
    def verified(self) -> bool:
        return ".u." in self.handle

    @property
    def topic(self) -> str:
        """Live notices for this visitor alone (its own posts); the digest keeps handles out of
        broker channel names."""
        digest = hashlib.sha256(f"{self.channel_id}:{self.handle}".encode()).hexdigest()[:24]
        return f"visitor:{digest}"


def anonymous(channel_id: int) -> Visitor:
    return Visitor(channel_id=channel_id, handle=f"{channel_id}.{secrets.token_urlsafe(18)}")


def expected_hash(secret: str, user_id: str) -> str:
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def identified(channel_id: int, secret: str, claim: dict, before: Visitor | None) -> Visitor:
    """The visitor a brand vouches for. Raises BadToken unless `hash` is the hex HMAC-SHA256 of
    `id` under the channel's identity secret; an unverified claim changes nothing."""
    user_id = str(claim.get("id") or "").strip()
    given = str(claim.get("hash") or "").strip().lower()
    if len(user_id) > MAX_USER_ID:  # never cut: two long ids would become one visitor
        raise BadToken(f"a user id is at most {MAX_USER_ID} characters")
    if not secret or not user_id or not hmac.compare_digest(given.encode(), expected_hash(secret, user_id).encode()):
        raise BadToken("identity hash does not match")
    handle = f"{channel_id}.u.{user_id}"
    earlier = ()
    if before is not None and before.channel_id == channel_id:
        earlier = tuple(h for h in before.handles if h != handle and ".u." not in h)[: MAX_HANDLES - 1]
    email = claim.get("email")
    return Visitor(channel_id=channel_id, handle=handle, earlier=earlier,
                   verified_email=email.strip()[:254] if isinstance(email, str) else "",
                   name=str(claim.get("name") or "")[:120])


def issue(visitor: Visitor) -> str:
    return signing.dumps({"c": visitor.channel_id, "v": visitor.handle, "h": list(visitor.earlier),
                          "e": visitor.verified_email, "n": visitor.name}, salt=SALT, compress=True)


def read(token: str) -> Visitor:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
        return Visitor(channel_id=int(data["c"]), handle=str(data["v"]),
                       earlier=tuple(str(h) for h in data.get("h", ()))[:MAX_HANDLES],
                       verified_email=str(data.get("e") or ""), name=str(data.get("n") or ""))
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadToken("invalid visitor token") from exc


def from_header(value: str) -> Visitor:
    scheme, _, token = (value or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise BadToken("a visitor token is required")
    return read(token.strip())
