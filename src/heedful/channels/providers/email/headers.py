"""Read mail headers tolerantly: RFC 2047 words in any charset, raw 8-bit, broken values.

Values are taken as the parser stored them (`raw_items()`, the same for every policy) and
decoded here, so one malformed header never makes the whole mail unreadable.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses, parsedate_to_datetime

from heedful.channels.providers.email import charsets

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*?)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_SPACES = re.compile(r"\s+")
_MSGID = re.compile(r"<([^<>]*)>")
_MAX_ID = 250  # provider ids are stored in 255 characters
_ADDRESS = re.compile(r"[^@\s<>()\[\]\\,;:\"]{1,64}@[^@\s<>()\[\]\\,;:\"]{1,253}")
_ADDRESS_IN_TEXT = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}@[\w-]+(?:\.[\w-]+)+")
_LOCAL_ONLY = {"mailer-daemon", "postmaster"}  # bounces sometimes come from a bare name


class Headers:
    """Decoded access to one message's headers, by lower-case name."""

    def __init__(self, message, hint: str | None = None):
        self._raw: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            self._raw.setdefault(str(name).strip().lower(), []).append(str(value))
        self.hint = hint  # a charset the message declares, for unlabelled 8-bit headers

    def has(self, name: str) -> bool:
        return name in self._raw

    def raw(self, name: str) -> list[str]:
        return [_FOLD.sub("", v) for v in self._raw.get(name, [])]

    def text(self, name: str) -> str:
        """The first value of a header, decoded, on one line."""
        values = self.raw(name)
        return _SPACES.sub(" ", decode_words(values[0], self.hint)).strip() if values else ""

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """(display name, lower-case address) pairs; a broken list falls back to a scan."""
        found = []
        for display, addr in _getaddresses(self.raw(name)):
            addr = charsets.decode(charsets.to_bytes(addr), None, self.hint).strip().strip("<>").lower()
            if _ADDRESS.fullmatch(addr) or addr in _LOCAL_ONLY:
                display = decode_words(display, self.hint)
                found.append((_SPACES.sub(" ", display).strip().strip('"').strip()[:200], addr))
        if not found:  # "From: Big Bug bb@bug.com" and other hand-written headers
            text = " ".join(decode_words(v, self.hint) for v in self.raw(name))
            found = [("", a.lower()) for a in _ADDRESS_IN_TEXT.findall(text)]
        return found

    def ids(self, name: str) -> list[str]:
        found: list[str] = []
        for value in self.raw(name):
            found += message_ids(value)
        return found

    def date(self) -> datetime | None:
        return parse_date(self.text("date"))


def _getaddresses(values: list[str]) -> list[tuple[str, str]]:
    try:
        return getaddresses(values)
    except Exception:  # the stdlib parser has raised on hostile input before
        return []


def decode_words(value: str, hint: str | None = None) -> str:
    """Decode RFC 2047 encoded words (adjacent words joined before decoding) and 8-bit text."""
    parts: list[tuple[str | None, bytes | str]] = []  # (charset, bytes) or (None, text)
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos:match.start()]
        if between and not (between.isspace() and parts and parts[-1][0] is not None):
            parts.append((None, between))
        charset = match.group(1).split("*", 1)[0]
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:  # undecodable word: keep it as written
            parts.append((None, match.group(0)))
        elif parts and parts[-1][0] == charset:
            parts[-1] = (charset, parts[-1][1] + data)  # a character may span two words
        else:
            parts.append((charset, data))
        pos = match.end()
    parts.append((None, value[pos:]))
    out = []
    for charset, data in parts:
        if charset is None:
            raw = charsets.to_bytes(data)
            out.append(data if raw.isascii() and b"\x1b" not in raw else charsets.decode(raw, None, hint))
        else:
            out.append(charsets.decode(data, charset, hint))
    return charsets.clean("".join(out))


def _word_bytes(encoding: str, text: str) -> bytes | None:
    data = charsets.to_bytes(text)
    try:
        if encoding in "bB":
            data = data.strip()
            return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
        return binascii.a2b_qp(data, header=True)
    except (binascii.Error, ValueError):
        return None


def message_ids(value: str) -> list[str]:
    """Every <id> in a header value, normalised; a bare id without brackets gets them."""
    value = charsets.clean(value)
    found = [normalise_id(m) for m in _MSGID.findall(value)]
    found = [i for i in found if i]
    if not found:
        bare = value.strip()
        if bare and not _SPACES.search(bare) and "@" in bare:
            found = [normalise_id(bare)]
    return found


def normalise_id(value: str) -> str:
    inner = _SPACES.sub("", value.strip().strip("<>"))
    if not inner:
        return ""
    if len(inner) + 2 > _MAX_ID:  # keep long ids comparable without truncating them blindly
        inner = hashlib.sha256(inner.encode("utf-8", "replace")).hexdigest() + "@long-id.invalid"
    return f"<{inner}>"


def parse_date(value: str) -> datetime | None:
    """An aware datetime, or None for a missing, unreadable or far-future date."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        if when.astimezone(UTC) > datetime.now(UTC) + timedelta(days=1):
            return None  # a clock or forgery far in the future would pin the thread on top
    except (OverflowError, ValueError):
        return None
    return when
