"""Property-based checks of the whole REST API against its own OpenAPI document.

Every operation in /api/v1/openapi.json gets generated requests, valid and invalid, with a fixed
seed and budget (deterministic, so CI runs the same requests each time): no 5xx, every status and
body as documented, valid data accepted and invalid data refused. Path ids, and the ids a body
names (team, channel, business hours, user), are pointed at real objects part of the time, so the
operations' success paths run too. The run ends with a tally of what was sent and answered, per
status, and what was found (tests/security/conftest.py prints it).

Generated text holds no NUL character: PostgreSQL text cannot store one, and the API answers it
with a documented 400 (tests/security/test_bad_input.py), which the acceptance check would count
as a refused valid body.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter, defaultdict

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from heedful.accounts.models import ApiToken, Profile, Role, Team
from heedful.conversations.models import Conversation
from heedful.routing.models import AutomationRule, BusinessHours, SlaPolicy
from tests.contacts.support import channel, post_api_message

BUDGET = 12  # generated requests per operation and phase
SEED = 14

KEY = secrets.token_hex(20)  # the admin's API key for this run, made fresh each time
CONFIG = schemathesis.config.SchemathesisConfig.from_dict({
    "seed": SEED,
    "auth": {"openapi": {"TokenAuth": {"api_key": f"Token {KEY}"}}},
    "generation": {"max-examples": BUDGET, "allow-x00": False, "deterministic": True, "no-shrink": True},
})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(), config=CONFIG)

# What the run tried and found, printed at the end of the session: operation -> status -> requests,
# and operation -> the first line of each failure.
TRIED: dict[str, Counter] = defaultdict(Counter)
FOUND: dict[str, list[str]] = defaultdict(list)


# Operations whose valid-looking bodies can still be refused with a 400, because the rule depends
# on the object's state or on two fields together, which a JSON schema cannot say. Only the
# "valid data is accepted" check is skipped for them; every other check still runs. Turning one
# of these rules into a 409 (state) or into the schema (fields) removes its line.
STATE_OR_CROSS_FIELD_RULES = {
    "POST /api/v1/conversations/{conversation_id}/messages": "a reply needs text or an attachment",
    "POST /api/v1/conversations/{conversation_id}/move-to-private": "refused when already private",
    "POST /api/v1/contacts/{contact_id}/merge": "a contact cannot be merged into itself",
    "POST /api/v1/contacts/{contact_id}/unmerge": "refused when the contact is not merged",
    "POST /api/v1/link-suggestions/{suggestion_id}/confirm": "refused once the suggestion is decided",
    "POST /api/v1/link-suggestions/{suggestion_id}/dismiss": "refused once the suggestion is decided",
    # The body's credentials are one schema per provider; which one applies is the stored channel's.
    "PATCH /api/v1/channels/{channel_id}": "credentials must be the keys of the channel's own provider",
    # A well-formed URL must also resolve, and only to public addresses (DNS at request time, SSRF).
    "POST /api/v1/webhooks": "the URL's host must resolve to a public address",
    "PATCH /api/v1/webhooks/{webhook_id}": "the URL's host must resolve to a public address",
}


@pytest.fixture
def desk(django_user_model, settings):
    # The ignored-auth check sends wrong credentials on purpose: keep the lockout out of the way.
    settings.HEEDFUL_AUTH_MAX_FAILURES_PER_IP = settings.HEEDFUL_AUTH_MAX_FAILURES = 10**6
    admin = django_user_model.objects.create_user("ada", "ada@staff.example", "a-long-password")
    Profile.objects.create(user=admin, role=Role.ADMIN)
    team = Team.objects.create(name="Support", slug="support")
    api_channel = channel("api", team=team)
    post_api_message(Client(), api_channel, {"id": "m-1", "from": {"id": "u-1", "name": "Ann Kay"}, "text": "Hi"})
    conversation = Conversation.objects.get()
    ids = {"conversation_id": conversation.pk, "contact_id": conversation.contact_id, "channel_id": api_channel.pk,
           "user_id": admin.pk, "event_id": conversation.messages.get().inbound_event_id or 1}
    ApiToken.objects.create(user=admin, digest=ApiToken.hash(KEY), prefix=KEY[:8])
    hours = BusinessHours.objects.create(name="Office", timezone="Europe/Berlin", holidays=["2026-12-25"],
                                         periods=[{"weekday": 0, "start": "09:00", "end": "17:00"}])
    SlaPolicy.objects.create(name="Standard", team=team, first_response_minutes=60, business_hours=hours)
    rule = AutomationRule.objects.create(name="Tag refunds", event="message.created", actions=[
        {"type": "add_label", "label": "refund"}], conditions=[{"field": "text", "op": "contains", "value": "refund"}])
    ids.update(team_id=team.pk, rule_id=rule.pk)
    refs = {"team": team.pk, "channel": api_channel.pk, "business_hours": hours.pk, "user": admin.pk}
    return {"ids": ids, "refs": refs}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=BUDGET, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_the_api_keeps_its_documented_contract(case, desk):
    # Every other valid example aims at an object that exists, the rest at ids that do not.
    positive = case.meta is None or case.meta.generation.mode.is_positive
    if positive and case.path_parameters and _digest(case.path_parameters) % 2:
        case.path_parameters = {k: desk["ids"].get(k, v) for k, v in case.path_parameters.items()}
    if positive and isinstance(case.body, dict) and _digest(case.body) % 2:
        case.body = _pointed(case.body, desk["refs"])
    excluded = [positive_data_acceptance] if case.operation.label in STATE_OR_CROSS_FIELD_RULES else []
    label = case.operation.label
    try:
        response = case.call_and_validate(excluded_checks=excluded)
    except BaseException as exc:  # schemathesis raises its failures as a BaseExceptionGroup
        TRIED[label]["failed"] += 1
        FOUND[label] += [f"{getattr(e, 'code', '')} {getattr(e, 'title', type(e).__name__)}"
                         for e in getattr(exc, "exceptions", [exc])]
        raise
    TRIED[label][str(response.status_code)] += 1


def test_every_documented_operation_is_driven():
    """An operation schemathesis cannot read would silently drop out of the run above."""
    documented = {f"{method.upper()} {path}" for path, ops in schema.raw_schema["paths"].items() for method in ops}
    results = list(schema.get_all_operations())
    unreadable = [str(r.err()) for r in results if not isinstance(r, Ok)]
    assert not unreadable, unreadable
    assert {r.ok().label for r in results} == documented


def _pointed(value, refs: dict):
    """The body with every integer under a reference key (team, channel, ...) set to a real id."""
    if isinstance(value, dict):
        return {k: refs[k] if k in refs and type(v) is int else _pointed(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_pointed(v, refs) for v in value]
    return value


def _digest(value) -> int:
    return int(hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest(), 16)
