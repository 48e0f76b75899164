"""A conversation's priority and SLA as the API and the workspace show them.

The stored reasons are those of the last scoring; the SLA reason ("first response due in 10
min") is worded afresh at each read, since the time left changes by the minute.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from heedful.core.clock import now
from heedful.routing import conf, priority, sla


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


def timers(conversation, state=False, at=None, policies: dict | None = None) -> list[dict]:
    """The SLA targets still to meet, and those missed, soonest first, for the workspace:
    `{"target", "label", "due", "state": "ok"|"warn"|"breach"|"paused", "words"}` with words
    such as "due in 10 min", "overdue by 2 h", "breached", "clock paused". Pass `state` when it
    was read already (None: the conversation has no routing row), and `policies` by id for a list.

    "warn" is less than the near-breach share of the target left in wall time (working time can
    only be less, so a target due after a night may warn only at opening time)."""
    state = state_of(conversation) if state is False else state
    if state is None or state.sla_policy_id is None:
        return []
    at = at or now()
    policy = (policies or {}).get(state.sla_policy_id) if policies is not None else state.sla_policy
    fraction = conf.near_breach_fraction()
    open_targets, breached = sla.standing(conversation, state, at)
    found = []
    for target in sla.TARGETS:
        due = getattr(state, f"{target}_due")
        if target not in open_targets and target not in breached:
            continue  # met in time, or no target
        left = (due - at).total_seconds() if due else 0
        if target in breached:
            kind = "breach"
            words = f"overdue by {sla.minutes_words(left)}" if target in open_targets and left < 0 else "breached"
        elif state.paused_at is not None:
            kind, words = "paused", "clock paused"
        else:
            minutes = getattr(policy, f"{target}_minutes", None) if policy else None
            kind = "warn" if minutes and left < minutes * 60 * fraction else "ok"
            words = f"due in {sla.minutes_words(left)}"
        found.append({"target": target, "label": sla.LABELS[target].capitalize(), "due": due, "state": kind,
                      "words": words})
    return sorted(found, key=lambda t: (t["state"] != "breach", t["due"] or at))


def preload_timers(conversations, at=None) -> None:
    """Set `sla_timers` on each conversation of a list (an inbox page) with one query."""
    from heedful.routing.models import ConversationRouting

    at = at or now()
    ids = [c.pk for c in conversations]
    rows = (ConversationRouting.objects.filter(pk__in=ids).select_related("sla_policy")
            .only("sla_policy", "first_response_due", "next_response_due", "resolution_due", "replies_seen",
                  "breached", "paused_at", *(f"sla_policy__{t}_minutes" for t in sla.TARGETS)))
    states = {s.pk: s for s in rows} if ids else {}
    policies = {s.sla_policy_id: s.sla_policy for s in states.values() if s.sla_policy_id}
    for c in conversations:
        c.sla_timers = timers(c, states.get(c.pk), at, policies)
