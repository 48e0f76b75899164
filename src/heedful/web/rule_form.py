"""The automation rule form: posted rows of conditions and actions <-> a rule's JSON.

The form has a fixed number of condition and action rows (no script needed; blank rows are
skipped). Each action row has one value box, read by the action's one parameter (`label`,
`text`, `user`, ...). What is well formed is decided by `routing.automation.validate`, the same
check the API's rules pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from heedful.core.errors import ValidationError
from heedful.routing import automation

CONDITION_ROWS = 4
ACTION_ROWS = 3
NUMBER_KEYS = {"user": int, "team": int, "priority": int, "minutes": float}
NUMBER_FIELDS = ("priority", "priority_score", "sentiment", "contact.followers")  # compared as numbers
OP_WORDS = {"eq": "is", "neq": "is not", "contains": "contains", "not_contains": "does not contain",
            "in": "is one of (comma-separated)", "gt": "is more than", "lt": "is less than",
            "is": "is true / false", "matches": "matches (regular expression)"}
ACTION_WORDS = {"add_label": "Add label", "reply": "Reply with text", "assign": "Assign to agent (id)",
                "set_team": "Move to team (id)", "set_priority": "Set priority (0-3)",
                "webhook": "Call webhook (URL)", "note": "Add note", "snooze": "Snooze (minutes)",
                "resolve": "Resolve"}


@dataclass
class RuleForm:
    name: str = ""
    event: str = automation.EVENTS[0]
    enabled: bool = True
    conditions: list[dict] = field(default_factory=list)  # [{"field", "op", "value"}] as text
    actions: list[dict] = field(default_factory=list)  # [{"type", "value"}] as text

    def rows(self) -> tuple[list[dict], list[dict]]:
        """The rows the template draws: the rule's own, then blank ones."""
        conditions = self.conditions + [{"field": "", "op": "eq", "value": ""}] * (CONDITION_ROWS - len(self.conditions))
        actions = self.actions + [{"type": "", "value": ""}] * (ACTION_ROWS - len(self.actions))
        return conditions, actions


def from_rule(rule) -> RuleForm:
    conditions = [{"field": c.get("field", ""), "op": c.get("op", "eq"), "value": _text(c.get("value"))}
                  for c in rule.conditions]
    actions = []
    for a in rule.actions:
        keys = automation.ACTIONS.get(a.get("type"), ())
        actions.append({"type": a.get("type", ""), "value": _text(a.get(keys[0])) if keys else ""})
    return RuleForm(rule.name, rule.event, rule.enabled, conditions, actions)


def from_post(post) -> RuleForm:
    form = RuleForm(name=post.get("name", "").strip()[:120], event=post.get("event", ""),
                    enabled=post.get("enabled") == "on")
    for i in range(CONDITION_ROWS):
        row = {k: post.get(f"condition-{i}-{k}", "").strip() for k in ("field", "op", "value")}
        if row["field"]:
            form.conditions.append(row)
    for i in range(ACTION_ROWS):
        row = {k: post.get(f"action-{i}-{k}", "").strip() for k in ("type", "value")}
        if row["type"]:
            form.actions.append(row)
    return form


def to_fields(form: RuleForm) -> dict:
    """The rule's fields for `routing.actions`; raises ValidationError naming the row."""
    if not form.name:
        raise ValidationError("a rule needs a name")
    conditions = [{"field": c["field"], "op": c["op"], "value": _value(c["field"], c["op"], c["value"])}
                  for c in form.conditions]
    actions = []
    for i, a in enumerate(form.actions, 1):
        keys = automation.ACTIONS.get(a["type"])
        if keys is None:
            raise ValidationError(f"action {i}: unknown type")
        action = {"type": a["type"]}
        for key in keys:
            action[key] = _number(key, a["value"], i)
        actions.append(action)
    fields = {"name": form.name, "event": form.event, "enabled": form.enabled, "conditions": conditions,
              "actions": actions}
    automation.validate(fields["event"], conditions, actions)
    return fields


def _value(field: str, op: str, text: str):
    if op == "in":
        return [part.strip() for part in text.split(",") if part.strip()]
    if op in ("gt", "lt") or (op in ("eq", "neq") and field in NUMBER_FIELDS):
        try:
            return float(text)
        except ValueError:
            raise ValidationError(f"{OP_WORDS[op]} needs a number") from None
    if op == "is":
        return text.casefold() in ("true", "yes", "1", "on")
    return text


def _number(key: str, text: str, i: int):
    kind = NUMBER_KEYS.get(key)
    if kind is None:
        return text
    try:
        return kind(text)
    except ValueError:
        raise ValidationError(f"action {i}: {key} is a number") from None


def _text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def describe(rule) -> dict:
    """A rule in words for the list: "text contains refund" -> "Add label refunds"."""
    when = [f"{c.get('field')} {OP_WORDS.get(c.get('op'), c.get('op'))} {_text(c.get('value'))}".strip()
            for c in rule.conditions]
    then = []
    for a in rule.actions:
        keys = automation.ACTIONS.get(a.get("type"), ())
        then.append(" ".join([ACTION_WORDS.get(a.get("type"), a.get("type", "")), *(_text(a.get(k)) for k in keys)]))
    return {"when": when, "then": then}
