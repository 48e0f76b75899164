"""Canned responses: filling in their variables. Which ones an agent may use is a permission
gate (`accounts.access.canned_responses_for`)."""

from __future__ import annotations

import re

from heedful.conversations.models import Conversation

VARIABLE = re.compile(r"\{\{\s*(customer|agent|conversation)\.(\w+)\s*\}\}")


def _values(conversation: Conversation, agent) -> dict[tuple[str, str], str]:
    customer = (conversation.contact.name or "").strip()
    agent_name = (agent.get_full_name() or agent.get_username()).strip() if agent else ""
    return {
        ("customer", "name"): customer,
        ("customer", "first_name"): customer.split(" ")[0] if customer else "",
        ("agent", "name"): agent_name,
        ("agent", "first_name"): (agent.first_name if agent and agent.first_name else agent_name.split(" ")[0]) if agent_name else "",
        ("conversation", "id"): str(conversation.pk),
        ("conversation", "subject"): conversation.subject,
    }


def render(text: str, conversation: Conversation, agent) -> str:
    """Fill in known variables; unknown ones stay as typed so the agent notices them."""
    values = _values(conversation, agent)
    return VARIABLE.sub(lambda m: values.get((m.group(1), m.group(2)), m.group(0)), text)
