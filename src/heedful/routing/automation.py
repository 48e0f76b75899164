"""Automation rules as data: when (an event) + if (conditions) -> then (actions).

Rules are evaluated in order after commit, as a job, each firing logged as a `RuleRun` with its
outcome. Two guards keep rules from feeding themselves:
- the events a rule's own actions cause (its reply's `message.created`, its label's
  `conversation.updated` ...) are heard while `_acting` is set and never evaluated;
- loops through the outside world (a rule answers a bot that answers back, a webhook whose
  receiver posts a message) are caught by counting firings on a conversation that follow each
  other within HEEDFUL_AUTOMATION_CHAIN_SECONDS: past HEEDFUL_AUTOMATION_MAX_HOPS (10, as
  Zammad) the chain stops and the stop is logged (`loop_stopped`).
"""

from __future__ import annotations

import contextvars
import logging
import re
from contextlib import contextmanager
from datetime import timedelta

from django.db import transaction

from heedful.conversations.models import Conversation, Message
from heedful.core import jobs
from heedful.core.clock import now
from heedful.core.errors import InvalidFields, PermissionDenied
from heedful.core.kept import Kept
from heedful.events import names
from heedful.routing import conf, hours
from heedful.routing.models import AutomationRule, BusinessHours, ConversationRouting, RuleRun

log = logging.getLogger(__name__)

EVENTS = (names.MESSAGE_CREATED, names.CONVERSATION_CREATED, names.CONVERSATION_RESOLVED,
          names.CONVERSATION_REOPENED, names.SLA_NEAR_BREACH, names.SLA_BREACHED)
FIELDS = ("channel", "text", "direction", "contact", "labels", "business_hours", "language", "public",
          "sentiment", "priority", "priority_score", "automated")
OPS = ("eq", "neq", "contains", "not_contains", "in", "gt", "lt", "is", "matches")
ACTIONS = {"add_label": ("label",), "reply": ("text",), "assign": ("user",), "set_team": ("team",),
           "set_priority": ("priority",), "webhook": ("url",), "note": ("text",), "snooze": ("minutes",),
           "resolve": ()}

_acting: contextvars.ContextVar = contextvars.ContextVar("heedful_rule_acting", default=None)
CACHE_SECONDS = 5.0
_rules: Kept[list[int]] = Kept(CACHE_SECONDS)


def validate(event: str, conditions: list, actions: list) -> None:
    errors, refused = [], []
    if event not in EVENTS:
        errors.append({"loc": ["event"], "msg": f"event is one of {', '.join(EVENTS)}"})
    for i, c in enumerate(conditions):
        field = str(c.get("field", "")) if isinstance(c, dict) else ""
        if field.split(".", 1)[0] not in FIELDS:
            errors.append({"loc": ["conditions", i, "field"], "msg": f"field is one of {', '.join(FIELDS)}"})
        if not isinstance(c, dict) or c.get("op") not in OPS:
            errors.append({"loc": ["conditions", i, "op"], "msg": f"op is one of {', '.join(OPS)}"})
    if not actions:
        errors.append({"loc": ["actions"], "msg": "a rule needs at least one action"})
    for i, a in enumerate(actions):
        kind = a.get("type") if isinstance(a, dict) else None
        if kind not in ACTIONS:
            errors.append({"loc": ["actions", i, "type"], "msg": f"type is one of {', '.join(ACTIONS)}"})
            continue
        for key in ACTIONS[kind]:
            if a.get(key) in (None, ""):
                errors.append({"loc": ["actions", i, key], "msg": f"{kind} needs {key}"})
        if kind == "webhook" and a.get("url"):
            from heedful.core.safe_urls import refusal

            problem = refusal(a["url"])
            if problem:
                refused.append(problem)
    if errors:
        raise InvalidFields("; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors))
    if refused:  # a well-formed URL Heedful will not call: forbidden, whatever the body says
        raise PermissionDenied(refused[0])


def forget_rules() -> None:
    _rules.forget()


def rules_for(event: str) -> list[int]:
    """Ids of the enabled rules for an event, in order (cached a few seconds per process)."""
    return _rules.get(event, lambda: list(AutomationRule.objects.filter(event=event, enabled=True)
                                          .values_list("pk", flat=True)))


def on_event(name: str, payload: dict) -> None:
    """Listener (after commit). Rules never hear the events of a rule's own actions."""
    if _acting.get() is not None or not payload.get("conversation_id") or not rules_for(name):
        return
    jobs.enqueue_now("heedful.routing.automation", name, dict(payload))


@contextmanager
def acting(rule_id: int):
    token = _acting.set(rule_id)
    try:
        yield
    finally:
        _acting.reset(token)


def run_rules(event: str, payload: dict) -> list[RuleRun]:
    """Evaluate the event's rules in order against its conversation; fire the ones that match."""
    from heedful.routing import rule_actions

    conversation = (Conversation.objects.select_related("channel", "contact")
                    .filter(pk=payload.get("conversation_id")).first())
    if conversation is None:
        return []
    message = Message.objects.filter(pk=payload["message_id"]).first() if payload.get("message_id") else None
    facts = Facts(conversation, message)
    runs, hop = [], None
    for rule in AutomationRule.objects.filter(pk__in=rules_for(event), enabled=True).order_by("position", "id"):
        if not all(matches(c, facts) for c in rule.conditions):
            continue
        if hop is None:
            hop = _next_hop(conversation.pk)
        if hop > conf.max_hops():
            runs.append(RuleRun.objects.create(
                rule=rule, event=event, conversation_id=conversation.pk, outcome="loop_stopped", hop=hop,
                detail={"reason": f"more than {conf.max_hops()} rule firings in a row on this conversation"}))
            log.warning("automation chain stopped on conversation %s at hop %s (rule %s)", conversation.pk, hop, rule.pk)
            break
        run = RuleRun(rule=rule, event=event, conversation_id=conversation.pk, hop=hop, outcome="fired")
        results = []
        with acting(rule.pk):
            for action in rule.actions:
                try:
                    with transaction.atomic():
                        results.append(rule_actions.perform(action, conversation, message, run))
                except Exception as exc:  # one failing action is logged, the others still run
                    run.outcome = "failed"
                    results.append({"type": action.get("type"), "error": f"{type(exc).__name__}: {exc}"[:300]})
                conversation.refresh_from_db()
        run.detail = {"actions": results}
        if run.pk is None:
            run.save()
        else:
            run.save(update_fields=["detail", "outcome"])
        runs.append(run)
    return runs


def _next_hop(conversation_id: int) -> int:
    """This firing's place in the conversation's current chain of rule firings."""
    with transaction.atomic():
        state, _ = ConversationRouting.objects.select_for_update().get_or_create(pk=conversation_id)
        at = now()
        if state.chain_at and at - state.chain_at <= timedelta(seconds=conf.chain_seconds()):
            state.chain_hops = min(state.chain_hops + 1, 32000)
        else:
            state.chain_hops = 1
        state.chain_at = at
        ConversationRouting.objects.filter(pk=conversation_id).update(chain_hops=state.chain_hops, chain_at=at)
        return state.chain_hops


class Facts:
    """What conditions read, each looked up only when a condition asks."""

    def __init__(self, conversation, message):
        self.conversation, self.message = conversation, message
        self._cache = {}

    def get(self, field: str):
        if field not in self._cache:
            self._cache[field] = self._read(field)
        return self._cache[field]

    def _read(self, field: str):
        c, m = self.conversation, self.message
        head, _, rest = field.partition(".")
        if head == "channel":
            return [c.channel.provider, str(c.channel_id), c.channel.name]
        if head == "text":
            return (m.display_text or m.text) if m else c.preview
        if head == "direction":
            return m.direction if m else ""
        if head == "automated":
            return bool(m and m.automated)
        if head == "contact":
            if not rest:
                return c.contact.name
            if rest == "followers":
                return c.contact.followers_count
            return (c.contact.attributes or {}).get(rest)
        if head == "labels":
            return [n.casefold() for n in c.labels.values_list("name", flat=True)]
        if head == "language":
            return ConversationRouting.objects.filter(pk=c.pk).values_list("language", flat=True).first() or ""
        if head == "public":
            return m.public if m else c.public
        if head == "sentiment":
            return m.sentiment if m and m.sentiment is not None else c.sentiment
        if head == "priority":
            return c.priority
        if head == "priority_score":
            return ConversationRouting.objects.filter(pk=c.pk).values_list("score", flat=True).first() or c.score
        if head == "business_hours":
            return _open_now(rest)
        return None


def _open_now(name: str) -> bool:
    row = (BusinessHours.objects.filter(name=name).first() if name else BusinessHours.objects.order_by("id").first())
    calendar = hours.Calendar.of(row)
    return True if calendar is None else calendar.is_open(now())


def matches(condition: dict, facts: Facts) -> bool:
    field, op, value = condition.get("field", ""), condition.get("op"), condition.get("value")
    if field == "business_hours" and condition.get("calendar"):
        field = f"business_hours.{condition['calendar']}"
    actual = facts.get(field)
    many = isinstance(actual, list)

    def norm(v):
        return v.casefold() if isinstance(v, str) else v

    if op == "eq":
        return norm(value) in [norm(a) for a in actual] if many else norm(actual) == norm(value)
    if op == "neq":
        return norm(value) not in [norm(a) for a in actual] if many else norm(actual) != norm(value)
    if op in ("contains", "not_contains"):
        found = (norm(value) in [norm(a) for a in actual] if many
                 else str(norm(value)) in str(norm(actual) or ""))
        return found if op == "contains" else not found
    if op == "in":
        options = [norm(v) for v in (value if isinstance(value, list) else [value])]
        return any(norm(a) in options for a in actual) if many else norm(actual) in options
    if op == "is":
        return bool(actual) == bool(value)
    if op == "matches":
        return bool(re.search(str(value), str(actual or ""), re.IGNORECASE))
    try:
        if op == "gt":
            return actual is not None and float(actual) > float(value)
        if op == "lt":
            return actual is not None and float(actual) < float(value)
    except (TypeError, ValueError):
        return False
    return False
