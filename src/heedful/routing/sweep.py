"""The periodic routing sweep: SLA time passing, paused clocks, idle agents, webhook retries.

`sla_sweep()` reads every unresolved conversation that has SLA timers in one query (its routing
row joined to the few conversation columns it needs), works out each one's level in memory and
writes only the rows whose level, breaches or pause changed, in one statement. A level change
moves the priority score (and the priority band, up only, in one statement); a new near breach
or breach raises an alert to supervisors (one INSERT). 10,000 conversations take well
under a second, also when thousands of them change at once (`bench/routing_cost.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from heedful.conversations import actions as conversation_actions
from heedful.conversations.models import Status
from heedful.core.bulk_update import update_values
from heedful.core.clock import now
from heedful.routing import actions, conf, hours, priority, rescore, sla
from heedful.routing.models import AgentState, Alert, ConversationRouting, Presence

SWEEP_FIELDS = ["score", "sla_level", "breached", "near_breach", "paused_at", "first_response_due",
                "next_response_due", "resolution_due"]


@dataclass
class _Conv:
    """The conversation columns the SLA needs (a stand-in for the model in `sla.standing`)."""

    pk: int
    status: str
    first_response_at: datetime | None
    replies_count: int
    resolved_at: datetime | None
    priority: int


@dataclass
class _State:
    """A routing row's SLA columns, read as a tuple (building 10,000 model instances would cost
    more than the whole sweep)."""

    pk: int
    score: float
    base_score: float
    sla_policy_id: int | None
    first_response_due: datetime | None
    next_response_due: datetime | None
    resolution_due: datetime | None
    replies_seen: int
    breached: list
    near_breach: list
    sla_level: int
    paused_at: datetime | None


# breached and near_breach are read as text: nearly always "[]", which needs no JSON decoding
STATE_COLUMNS = ("pk", "score", "base_score", "sla_policy_id", "first_response_due", "next_response_due",
                 "resolution_due", "replies_seen", "breached_text", "near_text", "sla_level", "paused_at")
CONVERSATION_COLUMNS = ("conversation__status", "conversation__first_response_at", "conversation__replies_count",
                        "conversation__resolved_at", "conversation__priority")


def sla_sweep(at: datetime | None = None) -> dict[str, int]:
    at = at or now()
    policies = sla.Policies.load()
    rows = (ConversationRouting.objects.filter(Q(first_response_due__isnull=False) | Q(next_response_due__isnull=False)
                                               | Q(resolution_due__isnull=False))
            .exclude(conversation__status=Status.RESOLVED)
            .annotate(breached_text=Cast("breached", TextField()), near_text=Cast("near_breach", TextField()))
            .values_list(*STATE_COLUMNS, *CONVERSATION_COLUMNS))
    split = len(STATE_COLUMNS)
    changed, alerts, raise_to = [], [], {}
    seen = 0
    for row in rows:
        seen += 1
        state = _State(*row[:split])
        state.breached, state.near_breach = _list(state.breached), _list(state.near_breach)
        conversation = _Conv(state.pk, *row[split:])
        dirty = _pause(state, conversation, policies, at)
        level = sla.level(conversation, state, policies, at)
        open_targets, breached = sla.standing(conversation, state, at)
        near = sorted(set(state.near_breach) | (set(open_targets) if level == 1 else set()))
        if level != state.sla_level or breached != state.breached or near != state.near_breach:
            for target in set(breached) - set(state.breached):
                alerts.append(_alert("sla_breached", state, target, "breached"))
            for target in set(near) - set(state.near_breach) - set(breached):
                alerts.append(_alert("sla_near_breach", state, target, "near breach"))
            state.sla_level, state.breached, state.near_breach = level, breached, near
            state.score = round(state.base_score + priority.sla_weight(level), 4)
            band = priority.band(state.score)
            if band > conversation.priority:
                raise_to[state.pk] = band
            dirty = True
        if dirty:
            changed.append({f: getattr(state, f) for f in ("pk", *SWEEP_FIELDS)})
    with rescore.quiet(), transaction.atomic():
        update_values(ConversationRouting, changed, SWEEP_FIELDS)
        actions.raise_alerts(alerts)
        raise_bands(raise_to)
    return {"checked": seen, "changed": len(changed), "alerts": len(alerts), "raised": len(raise_to)}


def raise_bands(raise_to: dict[int, int]) -> None:
    """The band only goes up. One statement, not a save per conversation: thousands can cross
    a band in the same sweep (a morning's first responses all due at opening time)."""
    if raise_to:
        conversation_actions.raise_priorities(None, raise_to)


def _list(text) -> list:
    return [] if text in (None, "[]") else json.loads(text)


def _pause(state, conversation, policies, at) -> bool:
    """Pending or snoozed: the clock stands. On return every due time moves on by the working
    time the pause took. Returns whether the state changed."""
    if conversation.status == Status.PENDING and state.paused_at is None:
        state.paused_at = at
        return True
    if conversation.status != Status.PENDING and state.paused_at is not None:
        calendar = policies.calendars.get(state.sla_policy_id)
        for name in ("first_response_due", "next_response_due", "resolution_due"):
            due = getattr(state, name)
            if due is not None and due > state.paused_at:
                left = hours.between(calendar, state.paused_at, due)
                setattr(state, name, hours.add(calendar, at, left / 60) or due)
        state.paused_at = None
        return True
    return False


def _alert(kind: str, state, target: str, words: str) -> Alert:
    due = getattr(state, f"{target}_due", None)
    return Alert(kind=kind, key=f"{kind}:{state.pk}:{target}:{due.isoformat() if due else ''}"[:120],
                 conversation_id=state.pk, detail=f"{sla.LABELS[target]} {words}")


def idle_to_away(at: datetime | None = None) -> int:
    """Online agents not seen for HEEDFUL_IDLE_AWAY_SECONDS are away (and get no new work)."""
    at = at or now()
    cutoff = at - timedelta(seconds=conf.idle_away_seconds())
    return AgentState.objects.filter(status=Presence.ONLINE, last_seen_at__lt=cutoff).update(
        status=Presence.AWAY, changed_at=at)
