"""Decode mail bytes in whatever charset a message declares, never failing.

Mail clients label text with a charset name but often write its Microsoft superset (cp932 for
Shift_JIS, cp949 for EUC-KR, windows-1252 for ISO-8859-1). Each label maps to a chain of codecs
tried strictly in order: the declared codec first (exact whenever the bytes are valid in it),
then its supersets; the last resort decodes with errors="replace".
"""

from __future__ import annotations

import codecs
import re

# Codec chains by Python codec name (what codecs.lookup() returns for a label).
_CHAINS: dict[str, tuple[str, ...]] = {
    "ascii": ("utf-8", "cp1252"),  # "us-ascii" mail with 8-bit bytes is usually UTF-8
    "iso8859-1": ("cp1252", "latin-1"),  # as browsers do: C1 controls are never meant
    "cp1252": ("cp1252", "latin-1"),
    "shift_jis": ("shift_jis", "cp932", "shift_jis_2004"),
    "cp932": ("cp932", "shift_jis_2004"),
    "euc_jp": ("euc_jp", "euc_jis_2004", "cp932"),
    "iso2022_jp": ("iso2022_jp", "iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_2004"),
    "euc_kr": ("euc_kr", "cp949"),
    "gb2312": ("gb2312", "gbk", "gb18030"),
    "gbk": ("gbk", "gb18030"),
    "big5": ("big5", "cp950", "big5hkscs"),
    "tis-620": ("tis-620", "cp874"),
}
# Labels Python does not know but mail uses.
_ALIASES = {
    "x-sjis": "cp932", "windows-31j": "cp932", "x-gbk": "gb18030", "iso-8859-8-i": "iso8859-8",
    "x-euc-jp": "euc_jp", "ks_c_5601": "cp949", "x-mac-roman": "mac_roman", "cp-850": "cp850",
}
_UNSAFE = re.compile(r"[\x00\ud800-\udfff]")  # NUL and lone surrogates cannot be stored
_ISO2022_ESCAPE = re.compile(rb"\x1b[$(][@BJ]")


def codec_chain(label: str | None) -> tuple[str, ...]:
    """The codecs to try for a charset label; empty when the label is unknown."""
    label = (label or "").strip().strip('"').lower()
    if not label or label in ("unknown-8bit", "x-unknown", "unknown", "default", "8bit"):
        return ()
    label = _ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return ()
    return _CHAINS.get(name, (name,))


def decode(data: bytes, label: str | None = None, hint: str | None = None) -> str:
    """Decode `data` labelled `label`; `hint` is another charset the message uses."""
    if not data:
        return ""
    chain = codec_chain(label)
    if not chain or chain[0] == "utf-8":
        if data.isascii() and not _ISO2022_ESCAPE.search(data):
            return clean(data.decode("ascii"))
        # Unlabelled 8-bit text: UTF-8 first, then what the rest of the message declares.
        guesses = ("utf-8",) + codec_chain(hint) + (("iso2022_jp",) if b"\x1b" in data else ())
        chain = guesses + tuple(c for c in chain if c not in guesses) + ("cp1252",)
    for codec in chain:
        try:
            return clean(data.decode(codec))
        except (UnicodeDecodeError, LookupError):
            continue
    return clean(data.decode(chain[0], errors="replace"))


def to_bytes(text: str) -> bytes:
    """Recover the raw bytes of a header or payload the email package read as ASCII."""
    return text.encode("utf-8", "surrogateescape") if _has_surrogates(text) else text.encode(
        "utf-8", "replace")


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return False
        return True
    return False


def clean(text: str) -> str:
    """Text safe to store: no NUL characters, no lone surrogates."""
    if _UNSAFE.search(text):
        text = _UNSAFE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)
    return text
