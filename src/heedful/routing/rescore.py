"""Recompute a conversation's priority when an input changes after its messages were routed:
new engagement figures on its public post, a merge of contacts, a label."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.db import transaction

from heedful.conversations import actions as conversation_actions
from heedful.conversations.models import Conversation
from heedful.core.clock import now
from heedful.routing import priority, sla
from heedful.routing.models import ConversationRouting

_quiet: contextvars.ContextVar = contextvars.ContextVar("heedful_routing_quiet", default=False)


@contextmanager
def quiet():
    """Routing's own changes to conversations (a raised band, an assignment) are not new input:
    the `conversation.updated` they cause must not send the conversation back to `rescore`."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def wanted(payload: dict) -> bool:
    return bool(payload.get("conversation_id")) and not _quiet.get()


def rescore(conversation_id: int) -> float | None:
    """The new score (None when the conversation has no routing row yet)."""
    with quiet(), transaction.atomic():
        state = ConversationRouting.objects.select_for_update().filter(pk=conversation_id).first()
        conversation = Conversation.objects.filter(pk=conversation_id).first()
        if state is None or conversation is None:
            return None
        inputs = dict(state.inputs)
        if conversation.public:
            engagement = {}
            for figures in (conversation.messages.filter(direction="in").exclude(metadata__engagement=None)
                            .values_list("metadata__engagement", flat=True)[:50]):
                for key, value in (figures or {}).items():
                    engagement[key] = max(engagement.get(key, 0), int(value))
            inputs["engagement"] = engagement
        at = now()
        reasons = priority.factors(inputs, at)
        base = priority.total(reasons)
        level = sla.level(conversation, state, sla.Policies.load(), at)
        score = round(base + priority.sla_weight(level), 4)
        if (score, reasons, inputs) == (state.score, state.reasons, state.inputs):
            return score
        ConversationRouting.objects.filter(pk=conversation_id).update(
            inputs=inputs, reasons=reasons, base_score=base, score=score, sla_level=level, updated_at=at)
        band = priority.band(score)
        if score > state.score and band > conversation.priority:  # never undo an agent's lower choice
            conversation_actions.set_priority(None, conversation, band)
        return score
