"""Small readers for Account Activity objects: text, times, users, media."""

from __future__ import annotations

import mimetypes
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from heedful.channels.base import Handle, InboundAttachment

_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITY_CHARS = {"amp": "&", "lt": "<", "gt": ">"}
_CREATED_AT = "%a %b %d %H:%M:%S %z %Y"  # "Thu Nov 15 23:31:30 +0000 2018"
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {m: n for n, m in enumerate(_MONTH_NAMES, 1)}
# The exact shape X sends: read by hand, since strptime was a tenth of parsing a tweet.
_CREATED_AT_SHAPE = re.compile(rf"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ({'|'.join(_MONTH_NAMES)}) "
                               r"(\d\d) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d) (\d{4})")


def unescape(text: str) -> str:
    """Twitter escapes &, < and > in text; agents get plain text (the UI escapes it again)."""
    return _ENTITY.sub(lambda m: _ENTITY_CHARS[m.group(1)], text or "")


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value) -> list:
    return value if isinstance(value, list) else []


def id_str(obj: dict, key: str = "id") -> str:
    """Twitter ids as strings: prefer `<key>_str` (64-bit ids overflow JavaScript numbers)."""
    value = obj.get(f"{key}_str") or obj.get(key)
    return "" if value is None or isinstance(value, bool) else str(value)


def readable_text(text: str, entities: dict, media: list | None = None) -> str:
    """Plain text with media links dropped (they become attachments) and t.co links expanded.

    `media` adds media objects kept outside `entities` (a DM's attachment).
    """
    for item in as_list(entities.get("media")) + (media or []):
        short = as_dict(item).get("url")
        if isinstance(short, str) and short:
            text = text.replace(short, "")
    for url in as_list(entities.get("urls")):
        short, expanded = as_dict(url).get("url"), as_dict(url).get("expanded_url")
        if isinstance(short, str) and short and isinstance(expanded, str) and expanded:
            text = text.replace(short, expanded)
    return unescape(text).strip()


def parse_created_at(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    try:
        shape = _CREATED_AT_SHAPE.fullmatch(value)
        if shape is None:
            return datetime.strptime(value, _CREATED_AT).astimezone(UTC)
        month, day, hour, minute, second, sign, off_h, off_m, year = shape.groups()
        offset = timedelta(hours=int(off_h), minutes=int(off_m)) * (-1 if sign == "-" else 1)
        return datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second),
                        tzinfo=timezone(offset) if offset else UTC).astimezone(UTC)
    except ValueError:
        return None


def parse_millis(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def format_created_at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_CREATED_AT)


def count(value) -> int:
    """A non-negative count; anything else (text, null, a float past range such as 1e400) is 0."""
    try:
        return max(0, int(value))
    except (TypeError, ValueError, OverflowError):
        return 0


def user_handle(user: dict, fallback_id: str = "") -> Handle:
    """A Handle from a v1.1 user object (tweets) or a `users` map entry (DMs)."""
    followers = user.get("followers_count")
    verified = user.get("verified")
    return Handle(
        kind="twitter", handle=id_str(user) or fallback_id,
        display_name=str(user.get("name") or ""), username=str(user.get("screen_name") or ""),
        followers_count=count(followers) if followers is not None else None,
        verified=verified if isinstance(verified, bool) else None,
    )


def media_attachment(media: dict) -> InboundAttachment | None:
    """Photos by their https URL; videos and GIFs by their best MP4 variant when listed."""
    url = media.get("media_url_https") or media.get("media_url")
    variants = [v for v in as_list(as_dict(media.get("video_info")).get("variants"))
                if isinstance(v, dict) and v.get("content_type") == "video/mp4" and v.get("url")]
    if variants:
        url = max(variants, key=lambda v: count(v.get("bitrate")))["url"]
    if not isinstance(url, str) or not url:
        return None
    filename = url.split("?", 1)[0].rsplit("/", 1)[-1] or "media"
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return InboundAttachment(filename=filename, content_type=content_type, url=url)


def attachments_from(media_list: list[Any]) -> list[InboundAttachment]:
    found = (media_attachment(m) for m in media_list if isinstance(m, dict))
    return [a for a in found if a is not None]
