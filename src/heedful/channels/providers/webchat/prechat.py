"""The optional pre-chat form: what a brand asks before the first message (a name, an email,
a few fields of its own such as an order number), from the channel's settings.

Settings: `ask_name` (bool) and `prechat_fields`, a list of at most five
`{"key": "order", "label": "Order number", "required": false}`. The widget shows them before
the visitor's first message; the answers travel with that message and are kept on it, so the
agent reads them beside the conversation.
"""

from __future__ import annotations

import re

KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_FIELDS = 5
MAX_VALUE = 200


def fields_of(settings: dict) -> list[dict]:
    """The channel's pre-chat fields, cleaned (a bad entry is dropped, not fatal to the widget)."""
    found = []
    for entry in (settings or {}).get("prechat_fields") or []:
        if not isinstance(entry, dict) or not KEY.match(str(entry.get("key", ""))):
            continue
        found.append({"key": entry["key"], "label": str(entry.get("label") or entry["key"])[:80],
                      "required": bool(entry.get("required"))})
    return found[:MAX_FIELDS]


def answers(settings: dict, sent) -> dict[str, str]:
    """The visitor's answers, by the channel's own keys. Raises ValueError naming the problem:
    an unknown key, a value that is not short text."""
    if sent in (None, ""):
        return {}
    if not isinstance(sent, dict):
        raise ValueError("fields must be an object of the channel's pre-chat fields")
    known = {f["key"] for f in fields_of(settings)}
    unknown = sorted(set(sent) - known)
    if unknown:
        raise ValueError(f"unknown pre-chat field: {unknown[0][:40]}")
    cleaned = {}
    for key, value in sent.items():
        if not isinstance(value, str) or len(value) > MAX_VALUE:
            raise ValueError(f"fields.{key} must be text of at most {MAX_VALUE} characters")
        if value.strip():
            cleaned[key] = value.strip()
    return cleaned


def missing(settings: dict, given: dict[str, str]) -> str | None:
    """The label of the first required field left empty, if any."""
    for field in fields_of(settings):
        if field["required"] and not given.get(field["key"]):
            return field["label"]
    return None
