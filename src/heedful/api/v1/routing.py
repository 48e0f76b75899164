"""Routing: team queues, presence, assignment log, SLA policies, business hours, automation
rules and their runs, supervisor alerts. Thin views: each write is one `routing.actions` call."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from zoneinfo import available_timezones

from django.contrib.auth import get_user_model
from django.db import transaction
from ninja import Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict, Field
from pydantic import ValidationError as PydanticError

from heedful.accounts.access import (
    can_manage_automation,
    can_manage_teams,
    conversations_for,
    require_text_reader,
    role_of,
)
from heedful.accounts.models import Role, Team
from heedful.api.v1.errors import answers
from heedful.api.v1.pagination import paginate
from heedful.channels.models import Channel
from heedful.core.errors import InvalidFields, NotFound, PermissionDenied
from heedful.routing import actions, automation
from heedful.routing.models import (
    Alert,
    Assignment,
    AssignmentDecision,
    AutomationRule,
    BusinessHours,
    LabelRule,
    Presence,
    SlaPolicy,
    TeamQueue,
)

router = Router(tags=["routing"])
FIELD_PATTERN = r"^(" + "|".join(f for f in automation.FIELDS if f != "contact") + r"|contact(\.[A-Za-z0-9_]+)?)$"


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422, never dropped


# JSON's own types, no coercion: false is no 0, "5" no number, 0 no date (1.0 is an integer).
def _json_number(value):
    if isinstance(value, (bool, str)):
        raise ValueError("a JSON number")
    return value


def _json_text(value):
    if not isinstance(value, str):
        raise ValueError("a JSON string")
    return value


def _json_bool(value):
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


def number(kind, **limits):
    """A JSON number with its limits in the schema (the limits apply before the type check)."""
    return Annotated[kind, Field(**limits), BeforeValidator(_json_number)]


Bool = Annotated[bool, BeforeValidator(_json_bool)]
IsoDate = Annotated[date, BeforeValidator(_json_text)]
Id = number(int, ge=1, le=2**63 - 1)
Minutes = number(int, ge=1, le=2**31 - 1)
Capacity = number(int, ge=1, le=1000)


class TeamRoutingIn(Strict):
    assignment: Literal[tuple(Assignment.values)] | None = None
    capacity: Capacity | None = Field(None, description="open conversations per agent")
    capacity_per_kind: dict[str, number(int, ge=0, le=1000)] | None = Field(None, description='e.g. {"twitter": 3}')


class PresenceIn(Strict):
    status: Literal[tuple(Presence.values)]


class AgentRoutingIn(Strict):
    languages: list[str] | None = None
    skills: list[str] | None = None
    capacity: Capacity | None = None


HHMM = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
ZONES = tuple(sorted(available_timezones()))


class Period(Strict):
    weekday: number(int, ge=0, le=6) = Field(..., description="0 Monday ... 6 Sunday")
    start: str = Field(..., pattern=HHMM, description="HH:MM local time")
    end: str = Field(..., pattern=HHMM, description="HH:MM; before start: the period runs on past midnight")


class BusinessHoursIn(Strict):
    name: str = Field(..., min_length=1, max_length=120)
    timezone: Literal[ZONES] = "UTC"
    periods: list[Period]
    holidays: list[IsoDate] = []


class SlaPolicyIn(Strict):
    name: str = Field(..., min_length=1, max_length=120)
    team: Id | None = None
    channel: Id | None = None
    priority: number(int, ge=0, le=3) | None = None
    first_response_minutes: Minutes | None = None
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    business_hours: Id | None = None


class Condition(Strict):
    field: str = Field(..., pattern=FIELD_PATTERN, description="contact.<attribute> reads one attribute")
    op: Literal[automation.OPS]
    value: object = None
    calendar: str | None = Field(None, description="business hours by name, for field business_hours")


class AddLabel(Strict):
    type: Literal["add_label"]
    label: str = Field(..., pattern=r"\S", max_length=60)


class Reply(Strict):
    type: Literal["reply"]
    text: str = Field(..., pattern=r"\S", description="{expected_wait} is filled in with the honest wait")


class Note(Strict):
    type: Literal["note"]
    text: str = Field(..., pattern=r"\S")


class Assign(Strict):
    type: Literal["assign"]
    user: Id


class SetTeam(Strict):
    type: Literal["set_team"]
    team: Id


class SetPriority(Strict):
    type: Literal["set_priority"]
    priority: number(int, ge=0, le=3)


class Webhook(Strict):
    type: Literal["webhook"]
    url: str = Field(..., pattern=r"^https?://[^/?#\s]+", max_length=1000,
                     description="refused (403) when it resolves to a loopback, private or link-local address")


class Snooze(Strict):
    type: Literal["snooze"]
    minutes: number(float, gt=0, le=525600)


class Resolve(Strict):
    type: Literal["resolve"]


Action = Annotated[AddLabel | Reply | Note | Assign | SetTeam | SetPriority | Webhook | Snooze | Resolve,
                   Field(discriminator="type")]


class RuleIn(Strict):
    name: str = Field(..., min_length=1, max_length=120)
    event: Literal[automation.EVENTS]
    conditions: list[Condition] = []
    actions: list[Action] = Field(..., min_length=1)
    enabled: Bool = True
    position: number(int, ge=0, le=1_000_000) = 0


def _admin(request) -> None:
    if not can_manage_teams(request.auth):
        raise PermissionDenied("only admins change routing")


def _automation(request) -> None:
    if not can_manage_automation(request.auth):
        raise PermissionDenied("only supervisors and admins change automation rules")


def _supervisor(request) -> None:
    if role_of(request.auth) not in (Role.ADMIN, Role.SUPERVISOR):
        raise PermissionDenied("only supervisors and admins read this")


def _iso(v):
    return v.isoformat() if v else None


def _queue(q: TeamQueue) -> dict:
    return {"id": q.team_id, "name": q.team.name, "assignment": q.assignment, "capacity": q.capacity,
            "capacity_per_kind": q.capacity_per_kind}


def _hours(h: BusinessHours) -> dict:
    return {"id": h.pk, "name": h.name, "timezone": h.timezone, "periods": h.periods, "holidays": h.holidays}


def _policy(p: SlaPolicy) -> dict:
    return {"id": p.pk, "name": p.name, "team": p.team_id, "channel": p.channel_id, "priority": p.priority,
            "first_response_minutes": p.first_response_minutes, "next_response_minutes": p.next_response_minutes,
            "resolution_minutes": p.resolution_minutes, "business_hours": p.business_hours_id}


def _rule(r: AutomationRule) -> dict:
    return {"id": r.pk, "name": r.name, "event": r.event, "conditions": r.conditions, "actions": r.actions,
            "enabled": r.enabled, "position": r.position, "created_at": _iso(r.created_at)}


def _body(request, schema):
    """The request body checked against `schema` after the caller's role: a non-admin learns
    nothing from the answer about what the body should hold."""
    try:
        return schema.model_validate_json(request.body or b"{}")
    except PydanticError as exc:
        raise InvalidFields("; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())) from None


def _documented(schema) -> dict:
    """The body a view reads itself (after its role check), as the document's requestBody: required
    when the schema has required fields, so a client that sends none is told, not surprised."""
    body = schema.model_json_schema()
    return {"requestBody": {"required": bool(body.get("required")),
                            "content": {"application/json": {"schema": body}}}}


@router.patch("/teams/{team_id}", openapi_extra=_documented(TeamRoutingIn))
@answers(403, 422)
def configure_team(request, team_id: int):
    """How a team's queue hands out work: manual, round_robin, load or skill, and its capacity."""
    _admin(request)
    body = _body(request, TeamRoutingIn)
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound("team not found")
    with transaction.atomic():
        queue = actions.configure_team(request.auth, team, assignment=body.assignment, capacity=body.capacity,
                                       capacity_per_kind=body.capacity_per_kind)
    return _queue(queue)


@router.post("/presence")
def set_presence(request, body: PresenceIn):
    """The calling agent is online, away or offline. Only online agents get work; going offline
    hands open conversations back to the team's queue."""
    with transaction.atomic():
        state = actions.set_presence(request.auth, body.status)
    from heedful.realtime import presence

    presence.announce(request.auth, state.status)
    return {"user": request.auth.pk, "status": state.status, "changed_at": _iso(state.changed_at)}


@router.patch("/agents/{user_id}/routing", openapi_extra=_documented(AgentRoutingIn))
@answers(403, 422)
def agent_routing(request, user_id: int):
    """An agent's languages (ISO 639-1), skills (topic labels) and own capacity."""
    _admin(request)
    body = _body(request, AgentRoutingIn)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("user not found")
    with transaction.atomic():
        state = actions.set_skills(user, languages=body.languages, skills=body.skills, capacity=body.capacity)
    return {"user": user.pk, "status": state.status, "languages": state.languages, "skills": state.skills,
            "capacity": state.capacity}


@router.get("/assignment-decisions")
def assignment_decisions(request, conversation: int | None = None):
    """Why each conversation went to whom (or waited), newest first; the caller's conversations only."""
    require_text_reader(request.auth)
    qs = AssignmentDecision.objects.filter(conversation_id__in=conversations_for(request.auth).values("pk"))
    if conversation is not None:
        qs = qs.filter(conversation_id=conversation)
    return paginate(request, qs.select_related("agent"), lambda d: {
        "id": d.pk, "conversation": d.conversation_id, "team": d.team_id, "agent": d.agent_id,
        "agent_name": d.agent.get_username() if d.agent else None, "mode": d.mode, "reason": d.reason,
        "created_at": _iso(d.created_at)})


@router.get("/business-hours")
def list_business_hours(request):
    require_text_reader(request.auth)
    return paginate(request, BusinessHours.objects.order_by("name"), _hours)


@router.post("/business-hours", response={201: dict})
@answers(403, 409)
def create_business_hours(request, body: BusinessHoursIn):
    _admin(request)
    with transaction.atomic():
        row = actions.create_business_hours(request.auth, name=body.name, timezone=body.timezone,
                                            periods=[p.dict() for p in body.periods],
                                            holidays=[d.isoformat() for d in body.holidays])
    return Status(201, _hours(row))


@router.get("/sla-policies")
def list_sla_policies(request):
    require_text_reader(request.auth)
    return paginate(request, SlaPolicy.objects.order_by("id"), _policy)


@router.post("/sla-policies", response={201: dict})
@answers(403, 404)
def create_sla_policy(request, body: SlaPolicyIn):
    _admin(request)
    refs = {"team": (Team, body.team), "channel": (Channel, body.channel), "business_hours": (BusinessHours, body.business_hours)}
    found = {}
    for key, (model, pk) in refs.items():
        found[key] = model.objects.filter(pk=pk).first() if pk is not None else None
        if pk is not None and found[key] is None:
            raise NotFound(f"{key.replace('_', ' ')} not found")
    with transaction.atomic():
        policy = actions.create_policy(
            request.auth, name=body.name, priority=body.priority, first_response_minutes=body.first_response_minutes,
            next_response_minutes=body.next_response_minutes, resolution_minutes=body.resolution_minutes, **found)
    return Status(201, _policy(policy))


@router.get("/automation-rules")
@answers(403)
def list_rules(request):
    _automation(request)
    return paginate(request, AutomationRule.objects.order_by("position", "id"), _rule)


@router.post("/automation-rules", response={201: dict})
@answers(403)
def create_rule(request, body: RuleIn):
    _automation(request)
    with transaction.atomic():
        rule = actions.create_rule(
            request.auth, name=body.name, event=body.event, enabled=body.enabled, position=body.position,
            conditions=[c.dict(exclude_none=True) for c in body.conditions],
            actions=[a.dict() for a in body.actions])
    return Status(201, _rule(rule))


@router.get("/automation-rules/{rule_id}/runs")
@answers(403)
def rule_runs(request, rule_id: int):
    """Each firing of the rule, newest first: its outcome, hop in the chain and what it did."""
    _automation(request)
    rule = AutomationRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("rule not found")
    return paginate(request, rule.runs.order_by("-created_at", "-id"), lambda r: {
        "id": r.pk, "rule": r.rule_id, "event": r.event, "conversation": r.conversation_id, "outcome": r.outcome,
        "hop": r.hop, "detail": r.detail, "created_at": _iso(r.created_at)})


@router.get("/alerts")
@answers(403)
def list_alerts(request):
    """SLA near breaches and breaches, virality spikes: what supervisors were told."""
    _supervisor(request)
    return paginate(request, Alert.objects.all(), lambda a: {
        "id": a.pk, "kind": a.kind, "conversation": a.conversation_id, "channel": a.channel_id,
        "detail": a.detail, "created_at": _iso(a.created_at)})


Keyword = Annotated[str, Field(min_length=1, max_length=100, pattern=r"\S")]


class LabelRuleIn(Strict):
    label: str = Field(..., min_length=1, max_length=60, pattern=r"\S")
    keywords: list[Keyword] = Field(..., min_length=1, max_length=200, description="words or phrases, any case")
    channel: Id | None = Field(None, description="only this channel's messages; null: every channel")
    enabled: Bool = True


class LabelRulePatch(Strict):
    label: str | None = Field(None, min_length=1, max_length=60, pattern=r"\S")
    keywords: list[Keyword] | None = Field(None, min_length=1, max_length=200)
    channel: Id | None = None
    enabled: Bool | None = None


def _label_rule(r: LabelRule) -> dict:
    return {"id": r.pk, "label": r.label, "keywords": r.keywords, "channel": r.channel_id, "enabled": r.enabled,
            "created_at": _iso(r.created_at), "updated_at": _iso(r.updated_at)}


def _label_rule_or_404(rule_id: int) -> LabelRule:
    rule = LabelRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("label rule not found")
    return rule


def _channel_or_404(pk):
    channel = Channel.objects.filter(pk=pk).first()
    if channel is None:
        raise NotFound("channel not found")
    return channel


@router.get("/label-rules")
def list_label_rules(request):
    """Topic labels given to conversations whose customer messages hold a keyword (whole words, any case)."""
    require_text_reader(request.auth)
    return paginate(request, LabelRule.objects.order_by("label", "id"), _label_rule)


@router.post("/label-rules", response={201: dict}, openapi_extra=_documented(LabelRuleIn))
@answers(403, 404, 422)
def create_label_rule(request):
    _admin(request)
    body = _body(request, LabelRuleIn)
    channel = _channel_or_404(body.channel) if body.channel is not None else None
    with transaction.atomic():
        rule = actions.save_label_rule(request.auth, label=body.label, keywords=body.keywords, channel=channel,
                                       enabled=body.enabled)
    return Status(201, _label_rule(rule))


@router.patch("/label-rules/{rule_id}", openapi_extra=_documented(LabelRulePatch))
@answers(403, 404, 422)
def change_label_rule(request, rule_id: int):
    _admin(request)
    body = _body(request, LabelRulePatch)
    rule = _label_rule_or_404(rule_id)
    given = body.model_fields_set
    channel = (_channel_or_404(body.channel) if body.channel is not None else None) if "channel" in given else False
    with transaction.atomic():
        rule = actions.save_label_rule(request.auth, rule, label=body.label, keywords=body.keywords,
                                       channel=channel, enabled=body.enabled)
    return _label_rule(rule)


@router.delete("/label-rules/{rule_id}", response={204: None})
@answers(403, 404)
def delete_label_rule(request, rule_id: int):
    _admin(request)
    rule = _label_rule_or_404(rule_id)
    with transaction.atomic():
        actions.delete_label_rule(request.auth, rule)
    return Status(204, None)
