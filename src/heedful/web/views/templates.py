"""The reply box's message templates: offered when the channel accepts only an approved template
now (WhatsApp outside its 24-hour window), each with a form for its variables. Plain forms:
they work without JavaScript."""

from __future__ import annotations

import re

from django.contrib import messages
from django.shortcuts import redirect

from heedful.accounts.access import access_conversation
from heedful.channels import registry, templates
from heedful.core.errors import ValidationError
from heedful.outbound import template_replies
from heedful.outbound.replies import reply_payload
from heedful.web.views.helpers import command_view

_FIELD = re.compile(r"^var-(header|body|button-\d+)-(\d+)$")


def offer(conversation) -> dict:
    """Context for the reply box: `template_offer` is None while free text may be sent."""
    provider = registry.get(conversation.channel.provider)
    if not provider.has_templates or not provider.needs_template(conversation.channel, reply_payload(conversation)):
        return {"template_offer": None}
    try:
        found = templates.approved(conversation.channel)
    except ValidationError as exc:
        return {"template_offer": {"templates": [], "error": str(exc)}}
    return {"template_offer": {"templates": [_form(t) for t in found], "error": ""}}


def _form(template: dict) -> dict:
    fields = []
    for c in template["components"]:
        part = f"button-{c['index']}" if c["type"] == "BUTTON" else c["type"].lower()
        fields += [{"name": f"var-{part}-{n}", "label": f"{part.replace('-', ' ').capitalize()} variable {n}"}
                   for n in range(1, c["parameters"] + 1)]
    preview = "\n\n".join(c["text"] for c in template["components"] if c["type"] in ("HEADER", "BODY", "FOOTER"))
    return {**template, "fields": fields, "preview": preview}


def _components(post) -> list[dict]:
    """Form fields `var-<part>-<n>` -> the provider's components, variables in order."""
    parts: dict[str, dict[int, str]] = {}
    for key in post:
        match = _FIELD.match(key)
        if match:
            parts.setdefault(match.group(1), {})[int(match.group(2))] = post[key]
    out = []
    for part, values in parts.items():
        component = {"type": "button" if part.startswith("button-") else part,
                     "parameters": [{"type": "text", "text": values[n]} for n in sorted(values)]}
        if part.startswith("button-"):
            component.update(sub_type="url", index=part.split("-", 1)[1])
        out.append(component)
    return out


@command_view
def send(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    template = {"name": request.POST.get("name", ""), "language": request.POST.get("language", ""),
                "components": _components(request.POST)}
    template_replies.send_template(request.user, conversation, template)
    messages.success(request, f"Template {template['name']} sent.")
    return redirect(f"/conversations/{conversation.pk}/")


@command_view
def refresh(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    templates.approved(conversation.channel, refresh=True)
    return redirect(f"/conversations/{conversation.pk}/")
