"""Routing on the conversation page: why it sorts where it does, in words, with each weight."""

from __future__ import annotations

from django import template

from heedful.routing import explain

register = template.Library()


@register.inclusion_tag("heedful/conversation/_priority.html")
def priority_reasons(conversation):
    reasons = explain.reasons(conversation)
    state = explain.state_of(conversation)
    return {"reasons": reasons, "words": explain.words(conversation),
            "score": state.score if state else conversation.score,
            "sla": explain.sla_json(conversation)}
