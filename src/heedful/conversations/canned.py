"""Canned responses: which ones an agent may use, and filling in their variables."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from heedful.accounts.access import sees_everything, team_ids
from heedful.conversations.models import CannedResponse, Conversation

VARIABLE = re.compile(r"\{\{\s*(customer|agent|conversation)\.(\w+)\s*\}\}")


def available_to(user) -> QuerySet[CannedResponse]:
    qs = CannedResponse.objects.all()
    if sees_everything(user):
        return qs
    return qs.filter(Q(team__isnull=True) | Q(team_id__in=team_ids(user)))


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
