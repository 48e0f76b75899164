"""A conversation's priority and SLA as the API and the workspace show them.

The stored reasons are those of the last scoring; the SLA reason ("first response due in 10
min") is worded afresh at each read, since the time left changes by the minute.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from heedful.core.clock import now
from heedful.routing import priority, sla


def state_of(conversation):
    try:
        return conversation.routing
    except ObjectDoesNotExist:
        return None


def reasons(conversation, at=None) -> list[dict]:
    state = state_of(conversation)
    if state is None:
        return []
    found = [dict(r) for r in state.reasons]
    timer = sla.reason(conversation, state, at or now(), priority.sla_weight(state.sla_level))
    if timer:
        found.append(timer)
    return found


def words(conversation) -> str:
    """"public, 12k followers, 40 retweets in the last hour, angry, second contact this week,
    first response due in 10 min"."""
    found = reasons(conversation)
    weighty = [r for r in found if r["weight"]]
    return ", ".join(r["detail"] for r in (weighty or found))


def sla_json(conversation, at=None) -> dict | None:
    state = state_of(conversation)
    if state is None or state.sla_policy_id is None:
        return None
    _, breached = sla.standing(conversation, state, at or now())
    iso = lambda v: v.isoformat() if v else None  # noqa: E731
    return {"policy": state.sla_policy_id, "first_response_due": iso(state.first_response_due),
            "next_response_due": iso(state.next_response_due), "resolution_due": iso(state.resolution_due),
            "breached": breached, "paused": state.paused_at is not None}


def fields(conversation) -> dict:
    """The conversation JSON's routing keys. Load `routing` with select_related and `labels`
    with prefetch_related for lists."""
    at = now()
    state = state_of(conversation)
    return {"priority_score": state.score if state else conversation.score,
            "priority_reasons": reasons(conversation, at),
            "labels": [label.name for label in conversation.labels.all()],
            "sla": sla_json(conversation, at)}
