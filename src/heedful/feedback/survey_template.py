"""The survey as an approved template, for a channel that refuses free text now (WhatsApp
outside its 24-hour window).

The channel setting `survey_template` names the template: `"survey_invite"`, or
`{"name": "survey_invite", "language": "es"}`. Without a language the template's version in the
survey's language is taken (`es` matches `es` and `es_MX`), else the first one approved. The
template must have exactly one variable, in its body: the survey link goes there.
"""

from __future__ import annotations

from heedful.channels import templates
from heedful.core.errors import ValidationError


def configured(channel) -> dict | None:
    setting = (channel.settings or {}).get("survey_template")
    if isinstance(setting, str) and setting.strip():
        return {"name": setting.strip(), "language": ""}
    if isinstance(setting, dict) and setting.get("name"):
        return {"name": str(setting["name"]), "language": str(setting.get("language") or "")}
    return None


def build(channel, wanted: dict, language: str, link: str) -> dict:
    """The template message carrying `link`. Reads (and caches) the approved templates, so call
    outside a transaction; raises ValidationError when the template cannot carry the survey."""
    approved = [t for t in templates.approved(channel) if t["name"] == wanted["name"]]
    chosen = wanted["language"]
    if not chosen and approved:
        same = [t for t in approved if t["language"].lower().replace("-", "_").split("_")[0] == language]
        chosen = (same or approved)[0]["language"]
    variables = [c for t in approved if t["language"] == chosen for c in t["components"] if c["parameters"]]
    if approved and [(c["type"], c["parameters"]) for c in variables] != [("BODY", 1)]:
        raise ValidationError(f"template {wanted['name']!r} must have exactly one variable, in its body, "
                              "for the survey link")
    return {"name": wanted["name"], "language": chosen,
            "components": [{"type": "body", "parameters": [{"type": "text", "text": link}]}]}
