"""SLA policies: which one applies, when each target is due, and where a conversation stands.

Targets are counted in the policy's business hours (`routing.hours`). The first response and
resolution clocks start when the conversation opens; the next-response clock when the customer
writes again after an answer. While a conversation is pending or snoozed its clocks stand
still: the SLA sweep (`routing.sweep`) notes the pause and, on return, moves each due time by
the working time the pause took.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from heedful.core.kept import Kept
from heedful.routing import conf, hours
from heedful.routing.models import SlaPolicy

TARGETS = ("first_response", "next_response", "resolution")
LABELS = {"first_response": "first response", "next_response": "next response", "resolution": "resolution"}


KEEP_SECONDS = 5.0
_kept = Kept(KEEP_SECONDS)
forget = _kept.forget


@dataclass
class Policies:
    """Every SLA policy with its calendar, read once (a batch, a sweep)."""

    rows: list[SlaPolicy]
    calendars: dict[int, hours.Calendar | None]

    @classmethod
    def load(cls) -> Policies:
        rows = list(SlaPolicy.objects.select_related("business_hours").order_by("id"))
        return cls(rows, {p.pk: hours.Calendar.of(p.business_hours) for p in rows})

    @classmethod
    def recent(cls) -> Policies:
        """`load()`, kept in the process for KEEP_SECONDS: every batch of the pipeline needs
        them. A policy or calendar saved here is seen at once (`forget` on save), elsewhere
        within KEEP_SECONDS."""
        return _kept.get("policies", cls.load)

    def match(self, team_id, channel_id, priority) -> SlaPolicy | None:
        """The most specific policy for a conversation (null fields match all; oldest first on ties)."""
        best, best_rank = None, -1
        for p in self.rows:
            if ((p.team_id is not None and p.team_id != team_id)
                    or (p.channel_id is not None and p.channel_id != channel_id)
                    or (p.priority is not None and p.priority != priority)):
                continue
            rank = (p.team_id is not None) + (p.channel_id is not None) + (p.priority is not None)
            if rank > best_rank:
                best, best_rank = p, rank
        return best

    def by_id(self, pk) -> SlaPolicy | None:
        return next((p for p in self.rows if p.pk == pk), None)

    def due(self, policy: SlaPolicy, target: str, start: datetime) -> datetime | None:
        minutes = getattr(policy, f"{target}_minutes")
        if minutes is None:
            return None
        return hours.add(self.calendars.get(policy.pk), start, minutes)


def standing(conversation, state, at: datetime) -> tuple[dict[str, datetime], list[str]]:
    """(unmet targets with their due time, targets breached) of one conversation at `at`."""
    open_targets, breached = {}, set(state.breached or ())
    checks = (
        ("first_response", state.first_response_due, conversation.first_response_at),
        ("next_response", state.next_response_due,
         at if conversation.replies_count > state.replies_seen else None),
        ("resolution", state.resolution_due, conversation.resolved_at),
    )
    for target, due, met_at in checks:
        if due is None:
            continue
        if target == "next_response" and met_at is not None:
            continue  # answered: the time of the answer is not kept here, only that it came
        if met_at is not None:
            if met_at > due:
                breached.add(target)
            continue
        open_targets[target] = due
        if state.paused_at is None and at > due:
            breached.add(target)
    return open_targets, [t for t in TARGETS if t in breached]


def minutes_words(seconds: float) -> str:
    minutes = max(1, round(abs(seconds) / 60))
    if minutes < 120:
        return f"{minutes} min"
    hours_ = minutes / 60
    return f"{hours_:.0f} h" if hours_ < 48 else f"{hours_ / 24:.0f} days"


def reason(conversation, state, at: datetime, weight: float) -> dict | None:
    """The SLA factor in words ("first response due in 10 min"), fresh at `at`."""
    if state is None:
        return None
    open_targets, _ = standing(conversation, state, at)
    if not open_targets:
        return None
    target, due = min(open_targets.items(), key=lambda item: item[1])
    left = (due - at).total_seconds()
    if state.paused_at is not None:
        detail = f"{LABELS[target]} clock paused"
    elif left >= 0:
        detail = f"{LABELS[target]} due in {minutes_words(left)}"
    else:
        detail = f"{LABELS[target]} overdue by {minutes_words(left)}"
    return {"factor": "sla", "weight": weight, "detail": detail}


def level(conversation, state, policies: Policies, at: datetime) -> int:
    """0 on track, 1 near breach (less than the near-breach share of a target left), 2 breached."""
    open_targets, breached = standing(conversation, state, at)
    if breached:
        return 2
    if state.paused_at is not None or not open_targets:
        return 0
    policy = policies.by_id(state.sla_policy_id)
    fraction = conf.near_breach_fraction()
    for target, due in open_targets.items():
        minutes = getattr(policy, f"{target}_minutes", None) if policy else None
        if not minutes:
            continue
        threshold, wall_left = minutes * 60 * fraction, (due - at).total_seconds()
        if wall_left < threshold:
            return 1
        calendar = policies.calendars.get(policy.pk)
        # working time left is at most the wall time left: measure it only when it could matter
        if calendar is not None and wall_left < threshold + 5 * 86400 and hours.between(calendar, at, due) < threshold:
            return 1
    return 0
