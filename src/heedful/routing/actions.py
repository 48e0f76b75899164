"""Every write to routing's tables. Views, jobs and listeners call these; events go out after
commit. Conversations themselves change only through `conversations.actions`."""

from __future__ import annotations

import json
from datetime import datetime

from django.db import connection, transaction

from heedful.core import jobs
from heedful.core.clock import now
from heedful.core.errors import Conflict, ValidationError
from heedful.routing import hours
from heedful.routing.models import (
    AgentState,
    Alert,
    Assignment,
    AssignmentDecision,
    AutomationRule,
    BusinessHours,
    ConversationRouting,
    LabelRule,
    Presence,
    SlaPolicy,
    TeamQueue,
)

STATE_FIELDS = ["score", "base_score", "reasons", "inputs", "language", "sla_policy", "first_response_due",
                "next_response_due", "resolution_due", "replies_seen", "breached", "near_breach", "sla_level",
                "paused_at", "updated_at"]


def save_states(rows: list[ConversationRouting]) -> None:
    """Insert or update many conversations' routing rows in one statement.

    On PostgreSQL the rows travel as one JSON document (`jsonb_to_recordset`) into one
    `INSERT ... ON CONFLICT DO UPDATE`: Django's `bulk_create(update_conflicts=True)` adapts every
    JSON value on its own, which costs more than the rest of the route step."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        ConversationRouting.objects.bulk_create(rows, update_conflicts=True, unique_fields=["conversation"],
                                                update_fields=STATE_FIELDS)
        return
    at = now()
    meta = ConversationRouting._meta
    fields = list(meta.concrete_fields)  # the primary key (conversation) first
    document = []
    for row in rows:
        row.updated_at = at
        document.append({f.column: _plain(getattr(row, f.attname)) for f in fields})
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    record = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in (meta.get_field(n).column for n in STATE_FIELDS))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT {columns} "
                       f"FROM jsonb_to_recordset(%s::jsonb) AS r({record}) "
                       f"ON CONFLICT ({quote(fields[0].column)}) DO UPDATE SET {updates}", [json.dumps(document)])


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def configure_team(user, team, *, assignment: str | None = None, capacity: int | None = None,
                   capacity_per_kind: dict | None = None) -> TeamQueue:
    queue, _ = TeamQueue.objects.select_for_update().get_or_create(team=team)
    if assignment is not None:
        if assignment not in Assignment.values:
            raise ValidationError(f"assignment is one of {', '.join(Assignment.values)}")
        queue.assignment = assignment
    if capacity is not None:
        if not 0 < capacity <= 1000:
            raise ValidationError("capacity is 1 to 1000 open conversations per agent")
        queue.capacity = capacity
    if capacity_per_kind is not None:
        queue.capacity_per_kind = {str(k): int(v) for k, v in capacity_per_kind.items()}
    queue.save()
    return queue


def set_presence(user, status: str) -> AgentState:
    """An agent's presence. Going offline hands their open work back to the queue (after
    commit, as a job); coming online pulls waiting work."""
    if status not in Presence.values:
        raise ValidationError(f"status is one of {', '.join(Presence.values)}")
    state, _ = AgentState.objects.select_for_update().get_or_create(user=user)
    before = state.status
    state.status, state.last_seen_at = status, now()
    if before != status:
        state.changed_at = state.last_seen_at
    state.save()
    if status == Presence.OFFLINE and before != Presence.OFFLINE:
        jobs.enqueue("heedful.routing.reassign_from", user.pk)
    elif status == Presence.ONLINE and before != Presence.ONLINE:
        jobs.enqueue("heedful.routing.assign_waiting")
    return state


def set_skills(user, *, languages: list[str] | None = None, skills: list[str] | None = None,
               capacity: int | None = None) -> AgentState:
    state, _ = AgentState.objects.get_or_create(user=user)
    if languages is not None:
        state.languages = sorted({str(code).lower()[:8] for code in languages})
    if skills is not None:
        state.skills = sorted({str(s).casefold()[:60] for s in skills})
    if capacity is not None:
        state.capacity = capacity
    state.save()
    return state


def log_decisions(rows: list[AssignmentDecision]) -> None:
    AssignmentDecision.objects.bulk_create(rows)


def create_business_hours(user, *, name: str, timezone: str, periods: list[dict], holidays: list[str]) -> BusinessHours:
    hours.Calendar.build(timezone, periods, holidays)  # validates
    if BusinessHours.objects.filter(name=name).exists():
        raise Conflict(f"business hours named {name!r} exist already")
    return BusinessHours.objects.create(name=name, timezone=timezone, periods=periods, holidays=sorted(set(holidays)))


def add_holidays(hours_row: BusinessHours, days: list[str]) -> int:
    """Merge holidays (ISO dates) into a calendar; returns how many were new."""
    before = set(hours_row.holidays)
    hours_row.holidays = sorted(before | set(days))
    hours_row.save(update_fields=["holidays"])
    return len(set(hours_row.holidays) - before)


def create_policy(user, **fields) -> SlaPolicy:
    for key in ("first_response_minutes", "next_response_minutes", "resolution_minutes"):
        if fields.get(key) is not None and fields[key] <= 0:
            raise ValidationError(f"{key} is a positive number of minutes")
    return SlaPolicy.objects.create(**fields)


def create_rule(user, **fields) -> AutomationRule:
    from heedful.routing import automation

    automation.validate(fields["event"], fields.get("conditions") or [], fields.get("actions") or [])
    rule = AutomationRule.objects.create(**fields)
    transaction.on_commit(automation.forget_rules)
    automation.forget_rules()
    return rule


def _insert_new_alerts(alerts: list[Alert]) -> list[Alert]:
    """Insert the alerts whose key is new; returns those. On PostgreSQL one statement that
    says which rows it inserted (a sweep can raise thousands at once)."""
    if connection.vendor != "postgresql":
        known = set(Alert.objects.filter(key__in=[a.key for a in alerts]).values_list("key", flat=True))
        fresh = [a for a in alerts if a.key not in known]
        Alert.objects.bulk_create(fresh, ignore_conflicts=True)
        return fresh
    at = now()
    document = [{"kind": a.kind, "key": a.key, "conversation_id": a.conversation_id, "channel_id": a.channel_id,
                 "detail": a.detail, "created_at": at.isoformat()} for a in alerts]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {Alert._meta.db_table} (kind, key, conversation_id, channel_id, detail, created_at) "
                       "SELECT kind, key, conversation_id, channel_id, detail, created_at FROM jsonb_to_recordset(%s::jsonb) "
                       "AS r(kind varchar, key varchar, conversation_id bigint, channel_id bigint, detail varchar, "
                       "created_at timestamptz) ON CONFLICT (key) DO NOTHING RETURNING key", [json.dumps(document)])
        inserted = {key for (key,) in cursor.fetchall()}
    fresh, seen = [], set()
    for a in alerts:
        if a.key in inserted and a.key not in seen:
            seen.add(a.key)
            fresh.append(a)
    return fresh


def raise_alerts(alerts: list[Alert]) -> list[Alert]:
    """Store alerts (each key once) and notify supervisors after commit; returns the new ones."""
    if not alerts:
        return []
    fresh = _insert_new_alerts(alerts)
    if fresh:
        from heedful.routing import notify

        payload = [(a.kind, a.conversation_id, a.channel_id, a.detail) for a in fresh]
        transaction.on_commit(lambda: notify.supervisors(payload))
    return fresh


def update_rule(user, rule: AutomationRule, **fields) -> AutomationRule:
    """Change a rule (any of name, event, conditions, actions, enabled, position), checked as a new one."""
    from heedful.routing import automation

    for key, value in fields.items():
        setattr(rule, key, value)
    automation.validate(rule.event, rule.conditions or [], rule.actions or [])
    rule.save()
    transaction.on_commit(automation.forget_rules)
    automation.forget_rules()
    return rule


def save_label_rule(user, rule: LabelRule | None = None, *, label: str | None = None,
                    keywords: list[str] | None = None, channel=False, enabled: bool | None = None) -> LabelRule:
    """Create (no `rule`) or change a topic label rule; `channel=None` applies it to every channel.
    Every process drops its compiled rules (this one at once, the others within seconds)."""
    from heedful.routing import topics

    rule = rule or LabelRule()
    if label is not None:
        rule.label = " ".join(label.split())[:60]
    if keywords is not None:
        rule.keywords = topics.clean_keywords(keywords)
    if channel is not False:
        rule.channel = channel
    if enabled is not None:
        rule.enabled = enabled
    if not rule.label:
        raise ValidationError("a label rule needs a label")
    if not rule.keywords:
        raise ValidationError("a label rule needs at least one keyword or phrase")
    rule.save()
    transaction.on_commit(topics.forget)
    return rule


def delete_label_rule(user, rule: LabelRule) -> None:
    from heedful.routing import topics

    rule.delete()
    transaction.on_commit(topics.forget)
