"""Routing on the conversation page: why it sorts where it does, in words, with each weight."""

from __future__ import annotations

from django import template

from heedful.accounts.access import can_manage_automation
from heedful.routing import explain

register = template.Library()


@register.inclusion_tag("heedful/conversation/_priority.html")
def priority_reasons(conversation):
    reasons = explain.reasons(conversation)
    state = explain.state_of(conversation)
    return {"reasons": reasons, "words": explain.words(conversation),
            "score": state.score if state else conversation.score,
            "sla": explain.sla_json(conversation)}


@register.filter
def can_automate(user) -> bool:
    return can_manage_automation(user)


@register.inclusion_tag("heedful/conversation/_sla_timers.html")
def sla_timers(conversation, compact=False):
    """First response / next response / resolution: due in words, breached in red. An inbox
    page preloads `sla_timers` (`explain.preload_timers`); the conversation page reads its own."""
    found = getattr(conversation, "sla_timers", None)
    if found is None:
        found = explain.timers(conversation)
    return {"timers": found[:2] if compact else found, "more": len(found) - 2 if compact else 0,
            "compact": compact}
