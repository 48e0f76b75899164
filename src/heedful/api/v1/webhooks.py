"""Outgoing event webhooks (admins only): subscriptions, their deliveries with every attempt, and
redelivery. Thin views: each write is one `integrations.actions` call."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from ninja import Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict, Field
from pydantic import ValidationError as PydanticError

from heedful.accounts.access import can_manage_teams
from heedful.api.v1.errors import answers
from heedful.api.v1.pagination import paginate
from heedful.core.errors import InvalidFields, NotFound, PermissionDenied
from heedful.integrations import actions, catalog
from heedful.integrations.models import Webhook, WebhookDelivery

router = Router(tags=["webhooks"])


def _text(value):
    if not isinstance(value, str):
        raise ValueError("a JSON string")
    return value


# Scheme and host here; whether the host resolves outside the network is checked by the action.
Url = Annotated[str, BeforeValidator(_text), Field(min_length=8, max_length=1000, pattern=r"^https?://[^\s/?#@]+")]
Events = Annotated[list[Literal[catalog.EVENTS]], Field(min_length=1)]


class WebhookIn(Schema):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422, never dropped
    url: Url
    events: Events
    secret: Annotated[str, BeforeValidator(_text), Field(max_length=200)] = Field(
        "", description="signs every delivery; generated (and shown once) when empty")


class WebhookPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    url: Url | None = None
    events: Events | None = None
    secret: Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=200)] | None = None
    active: bool | None = None


def _admin(request) -> None:
    if not can_manage_teams(request.auth):
        raise PermissionDenied("only admins manage webhooks")


def _body(request, schema):
    """The body checked after the caller's role, so a non-admin learns nothing from the answer."""
    try:
        return schema.model_validate_json(request.body or b"{}")
    except PydanticError as exc:
        raise InvalidFields("; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                                      for e in exc.errors())) from None


def _documented(schema) -> dict:
    return {"requestBody": {"content": {"application/json": {"schema": schema.model_json_schema()}}}}


def _iso(value):
    return value.isoformat() if value else None


def _webhook(w: Webhook) -> dict:
    # The secret is write-only: shown once when generated, never read back.
    return {"id": w.pk, "url": w.url, "events": w.events, "active": w.active,
            "created_at": _iso(w.created_at), "updated_at": _iso(w.updated_at)}


def _delivery(d: WebhookDelivery) -> dict:
    return {"id": str(d.uid), "event": d.event, "status": d.status, "attempts": d.attempts,
            "next_attempt_at": _iso(d.next_attempt_at), "response_status": d.response_status,
            "last_error": d.last_error, "created_at": _iso(d.created_at),
            "attempt_log": [{"number": a.number, "started_at": _iso(a.started_at), "duration_ms": a.duration_ms,
                             "outcome": a.outcome, "response_status": a.response_status, "error": a.error}
                            for a in d.attempt_log.all()]}


def _get(webhook_id: int) -> Webhook:
    webhook = Webhook.objects.filter(pk=webhook_id).first()
    if webhook is None:
        raise NotFound("webhook not found")
    return webhook


@router.get("/webhooks")
@answers(403)
def list_webhooks(request):
    _admin(request)
    return paginate(request, Webhook.objects.order_by("pk"), _webhook)


@router.post("/webhooks", response={201: dict}, openapi_extra=_documented(WebhookIn))
@answers(403, 422)
def create_webhook(request):
    _admin(request)
    body = _body(request, WebhookIn)
    webhook, secret = actions.create_webhook(request.auth, url=body.url, events=body.events, secret=body.secret)
    answer = _webhook(webhook)
    if not body.secret:
        answer["secret"] = secret  # generated: this answer is the only place it is ever shown
    return Status(201, answer)


@router.get("/webhooks/{webhook_id}")
@answers(403)
def get_webhook(request, webhook_id: int):
    _admin(request)
    return _webhook(_get(webhook_id))


@router.patch("/webhooks/{webhook_id}", openapi_extra=_documented(WebhookPatch))
@answers(403, 422)
def update_webhook(request, webhook_id: int):
    _admin(request)
    webhook = _get(webhook_id)
    fields = _body(request, WebhookPatch).model_dump(exclude_unset=True)
    return _webhook(actions.update_webhook(request.auth, webhook, **fields))


@router.delete("/webhooks/{webhook_id}", response={204: None})
@answers(403)
def delete_webhook(request, webhook_id: int):
    _admin(request)
    actions.delete_webhook(request.auth, _get(webhook_id))
    return Status(204, None)


@router.get("/webhooks/{webhook_id}/deliveries")
@answers(403)
def list_deliveries(request, webhook_id: int, status: str = "", event: str = ""):
    """Newest first, each with every attempt (outcome, HTTP status, duration), never the body."""
    _admin(request)
    qs = _get(webhook_id).deliveries.order_by("-created_at", "-pk").prefetch_related("attempt_log")
    if status:
        qs = qs.filter(status=status)
    if event:
        qs = qs.filter(event=event)
    return paginate(request, qs, _delivery)


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver", response={202: dict})
@answers(403)
def redeliver(request, webhook_id: int, delivery_id: str):
    _admin(request)
    webhook = _get(webhook_id)
    try:
        uid = uuid.UUID(delivery_id)
    except ValueError:
        raise NotFound("delivery not found") from None
    found = webhook.deliveries.filter(uid=uid).first()
    if found is None:
        raise NotFound("delivery not found")
    actions.redeliver(request.auth, found)
    found.refresh_from_db()
    return Status(202, _delivery(found))
