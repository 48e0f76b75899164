"""WhatsApp message templates: the approved list from the Graph API, and checking a template
message against it before it is queued.

Outside the 24-hour customer service window WhatsApp delivers only templates the business had
approved, each in its languages, with numbered ({{1}}) or named ({{order}}) variables in the
header, the body and URL buttons. The list is read from `GET /{waba-id}/message_templates`.
"""

from __future__ import annotations

import re

from heedful.channels.base import PermanentSendError
from heedful.channels.providers.meta import graph_client
from heedful.channels.providers.meta.graph_webhook import as_dict, as_list, as_str
from heedful.core.errors import InvalidFields

FIELDS = "name,language,status,category,components"
PAGE_SIZE = 100
MAX_PAGES = 10  # a thousand templates is more than any business keeps
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
WITH_VARIABLES = ("HEADER", "BODY")


def fetch(channel) -> list[dict]:
    """The channel's APPROVED templates, normalized (see `BaseProvider.message_templates`)."""
    waba = channel.credential("waba_id")
    if not waba:
        raise PermanentSendError("set the channel's waba_id (WhatsApp Business Account id) to use templates")
    path = f"{graph_client.node(waba, 'WhatsApp Business Account id')}/message_templates"
    params: dict = {"fields": FIELDS, "limit": PAGE_SIZE, "status": "APPROVED"}
    found: list[dict] = []
    for _ in range(MAX_PAGES):
        answer = graph_client.get(channel, path, params, token=channel.credential("access_token"))
        found += [_normalized(t) for t in map(as_dict, as_list(answer.get("data")))
                  if as_str(t.get("status")).upper() == "APPROVED" and as_str(t.get("name"))]
        after = as_str(as_dict(as_dict(answer.get("paging")).get("cursors")).get("after"))
        if not after or not as_dict(answer.get("paging")).get("next"):
            break
        params = {**params, "after": after}
    return sorted(found, key=lambda t: (t["name"], t["language"]))


def _normalized(template: dict) -> dict:
    components = []
    for part in map(as_dict, as_list(template.get("components"))):
        kind = as_str(part.get("type")).upper()
        if kind == "BUTTONS":
            for index, button in enumerate(map(as_dict, as_list(part.get("buttons")))):
                url = as_str(button.get("url"))
                if as_str(button.get("type")).upper() == "URL" and _VARIABLE.search(url):
                    components.append({"type": "BUTTON", "sub_type": "url", "index": index,
                                       "text": as_str(button.get("text")), "parameters": 1})
            continue
        text = as_str(part.get("text"))
        count = len(dict.fromkeys(_VARIABLE.findall(text))) if kind in WITH_VARIABLES else 0
        components.append({"type": kind, "format": as_str(part.get("format")).upper(), "text": text,
                           "parameters": count})
    return {"name": as_str(template.get("name")), "language": as_str(template.get("language")),
            "category": as_str(template.get("category")), "components": components}


def _find(template: dict, approved: list[dict]) -> dict:
    name, language = str(template.get("name") or ""), str(template.get("language") or "")
    same_name = [t for t in approved if t["name"] == name]
    if not same_name:
        known = ", ".join(sorted({t["name"] for t in approved})) or "none"
        raise InvalidFields(f"template: unknown template {name!r} (approved on this channel: {known})")
    if not language and len(same_name) == 1:
        return same_name[0]
    for candidate in same_name:
        if candidate["language"] == language:
            return candidate
    languages = ", ".join(t["language"] for t in same_name)
    raise InvalidFields(f"template.language: {name!r} is approved in {languages}, not {language or '(none given)'!r}")


def _given(template: dict) -> dict[tuple, list]:
    """The request's components by (type, button index), each with its parameters."""
    given: dict[tuple, list] = {}
    components = template.get("components") or []
    if not isinstance(components, list):
        raise InvalidFields("template.components: a list of {type, parameters}")
    for n, part in enumerate(components):
        if not isinstance(part, dict) or not isinstance(part.get("parameters", []), list):
            raise InvalidFields(f"template.components.{n}: an object with a type and a list of parameters")
        kind = str(part.get("type") or "").upper()
        key = (kind, int(part["index"]) if kind == "BUTTON" and str(part.get("index", "")).isdigit() else None)
        for m, parameter in enumerate(part.get("parameters", [])):
            if not isinstance(parameter, dict) or not parameter.get("type"):
                raise InvalidFields(f"template.components.{n}.parameters.{m}: an object with a type")
            if parameter["type"] == "text" and not str(parameter.get("text") or "").strip():
                raise InvalidFields(f"template.components.{n}.parameters.{m}: an empty text variable")
        given[key] = part.get("parameters", [])
    return given


def check(template: dict, approved: list[dict]) -> tuple[dict, str]:
    """(The Graph `template` object to send, the text the customer reads), or InvalidFields."""
    found = _find(template, approved)
    given = _given(template)
    wanted = {(c["type"], c.get("index")): c for c in found["components"] if c["parameters"]}
    for key in given:
        if key not in wanted:
            raise InvalidFields(f"template.components: {found['name']!r} has no variables in {_label(key)}")
    for key, component in wanted.items():
        got = len(given.get(key, []))
        if got != component["parameters"]:
            raise InvalidFields(f"template.components: {found['name']!r} needs {component['parameters']} "
                                f"variable(s) in {_label(key)}, got {got}")
    components = [{"type": kind.lower(), **({"sub_type": "url", "index": str(index)} if kind == "BUTTON" else {}),
                   "parameters": given[(kind, index)]} for kind, index in wanted]
    body = {"name": found["name"], "language": found["language"], "components": components}
    return body, _readable(found, given)


def _label(key: tuple) -> str:
    kind, index = key
    return f"button {index}" if kind == "BUTTON" else kind.lower()


def _readable(found: dict, given: dict) -> str:
    """The header, body and footer with the variables filled in, as the customer reads them."""
    lines = []
    for component in found["components"]:
        if component["type"] not in ("HEADER", "BODY", "FOOTER") or not component["text"]:
            continue
        values = [str(p.get("text") or p.get("type")) for p in given.get((component["type"], None), [])]
        names = list(dict.fromkeys(_VARIABLE.findall(component["text"])))
        filled = dict(zip(names, values, strict=False))
        lines.append(_VARIABLE.sub(lambda m, filled=filled: filled.get(m.group(1), m.group(0)), component["text"]))
    return "\n\n".join(lines) or f"[Template {found['name']}]"
