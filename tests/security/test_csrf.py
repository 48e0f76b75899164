"""The REST API accepts a logged-in browser session only with Django's CSRF check on unsafe
methods, like every workspace form; token calls need no CSRF token.

The attack it stops: a page on a same-site origin (another port, a sibling subdomain) posts with
`fetch(..., {credentials: "include", body: "...", headers: {"Content-Type": "text/plain"}})`,
which needs no CORS preflight and carries the agent's session cookie.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from heedful.accounts.models import Role
from heedful.api.v1.router import api as ninja_api
from heedful.audit.models import AuditEntry
from heedful.conversations.models import Conversation, Note
from tests.contacts.support import channel, post_api_message, team, token_client, user

pytestmark = pytest.mark.django_db

# A same-site page on another port sends its own Origin; a request with no Origin at all still
# lacks the CSRF token. Both must fail.
FORGERIES = ({"HTTP_ORIGIN": "http://127.0.0.1:8001", "content_type": "text/plain"},
             {"content_type": "text/plain"})


def unsafe_api_routes() -> list[tuple[str, str]]:
    """(method, path template) of every authenticated REST operation that changes something.
    Public operations (no authentication, e.g. help-centre counters) act for nobody, so a forged
    request gains nothing there."""
    document = ninja_api.get_openapi_schema(path_prefix="/api/v1")
    return sorted((method.upper(), path) for path, operations in document["paths"].items()
                  for method, operation in operations.items()
                  if method.upper() not in ("GET", "HEAD", "OPTIONS") and operation.get("security"))


@pytest.fixture
def world(django_user_model):
    support = team("support")
    admin = user(django_user_model, "ada", Role.ADMIN, [support])
    agent = user(django_user_model, "sam", Role.AGENT, [support])
    api_channel = channel("api", team=support)
    post_api_message(Client(), api_channel, {"id": "m-1", "from": {"id": "u-1", "name": "Ann"}, "text": "Hi"})
    conversation = Conversation.objects.get()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)
    return {"admin": admin, "agent": agent, "conversation": conversation, "browser": browser,
            "ids": {"conversation_id": conversation.pk, "contact_id": conversation.contact_id,
                    "channel_id": api_channel.pk, "user_id": agent.pk, "event_id": 1, "suggestion_id": 1,
                    "name": "resolution", "topic_id": 1, "post_id": 1}}


def _fill(path: str, ids: dict) -> str:
    # The CSRF check runs before any lookup, so an id with no object behind it still proves it.
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)


def test_every_unsafe_api_route_refuses_a_session_without_the_csrf_token(world):
    routes = unsafe_api_routes()
    assert len(routes) >= 15  # the routers really were walked
    audit_before = AuditEntry.objects.count()
    tried = []
    for method, path in routes:
        url = _fill(path, world["ids"])
        for forgery in FORGERIES:
            response = world["browser"].generic(method, url, json.dumps({"text": "forged", "role": "admin"}),
                                                **forgery)
            tried.append((method, url, response.status_code))
            assert response.status_code == 403, (method, url, response.status_code, response.content)
            assert "CSRF" in response.json()["detail"]
    print(f"\nCSRF: {len(routes)} unsafe routes x {len(FORGERIES)} forgeries with a session and no token: "
          f"{sum(s == 403 for *_, s in tried)} of {len(tried)} refused with 403")
    assert Note.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before
    world["agent"].profile.refresh_from_db()
    assert world["agent"].profile.role == Role.AGENT  # the forged role change did nothing
    world["conversation"].refresh_from_db()
    assert world["conversation"].status != "resolved"


def test_the_workspaces_own_session_calls_pass_with_the_token(world):
    browser = world["browser"]
    page = browser.get("/inbox/")
    assert page.status_code == 200
    token = browser.cookies["csrftoken"].value
    url = f"/api/v1/conversations/{world['conversation'].pk}/notes"
    response = browser.post(url, json.dumps({"text": "from the workspace"}), content_type="application/json",
                            HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content
    assert browser.get(url).status_code == 200  # reads never needed the token


def test_token_calls_need_no_csrf_token(world):
    api = token_client(lambda: Client(enforce_csrf_checks=True), world["admin"])
    url = f"/api/v1/conversations/{world['conversation'].pk}/notes"
    response = api.post(url, json.dumps({"text": "from an integration"}), content_type="application/json")
    assert response.status_code == 201, response.content
    resolved = api.post(f"/api/v1/conversations/{world['conversation'].pk}/resolve")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
