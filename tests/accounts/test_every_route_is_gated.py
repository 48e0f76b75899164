"""An agent of team A gets 404 for team B's conversations, contacts and messages on EVERY path.

The routes are enumerated from Django's URL resolver (the REST API's routes included, with their
HTTP methods read from django-ninja's routers). Every route with a path parameter must appear in
ROUTES below, so adding a route with an id and no decision about its gate fails this test.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from heedful.accounts.models import Role
from heedful.api.v1.router import api as ninja_api
from heedful.channels.base import InboundAttachment
from heedful.contacts.models import Contact, LinkSuggestion
from heedful.conversations import actions as conversation_actions
from heedful.conversations.models import Attachment, Conversation, Message
from tests.contacts.support import channel, ingest, message, team, token_client, user

pytestmark = pytest.mark.django_db

SECRET = "zebra-unicorn-4711"  # only in team B's messages


@dataclass(frozen=True)
class Gated:
    """Reads/writes a conversation, contact, message, note, attachment or link suggestion."""

    methods: tuple[str, ...] = ()  # web routes say which methods they answer; API ones are read


@dataclass(frozen=True)
class AdminOnly:
    """Not team data: only admins may use it (403 or 404 for everyone else)."""


@dataclass(frozen=True)
class Exempt:
    reason: str


GET, POST = ("GET",), ("POST",)
ROUTES = {
    # REST API
    "api/v1/conversations/<conversation_id>": Gated(),
    "api/v1/conversations/<conversation_id>/messages": Gated(),
    "api/v1/conversations/<conversation_id>/notes": Gated(),
    "api/v1/conversations/<conversation_id>/resolve": Gated(),
    "api/v1/conversations/<conversation_id>/reopen": Gated(),
    "api/v1/conversations/<conversation_id>/assign": Gated(),
    "api/v1/conversations/<conversation_id>/move-to-private": Gated(),
    "api/v1/contacts/<contact_id>": Gated(),
    "api/v1/contacts/<contact_id>/export": Gated(),
    "api/v1/contacts/<contact_id>/merge": Gated(),
    "api/v1/contacts/<contact_id>/unmerge": Gated(),
    "api/v1/contacts/<contact_id>/identities/<identity_id>/unlink": Gated(),
    "api/v1/conversations/<conversation_id>/templates": Gated(),
    "api/v1/conversations/<conversation_id>/survey": Gated(),
    "api/v1/contacts/<contact_id>/merges": Gated(),
    "api/v1/contacts/<contact_id>/suggestions": Gated(),
    "api/v1/contacts/<contact_id>/notes": Gated(),
    "api/v1/contacts/<contact_id>/calls": Gated(),
    "api/v1/link-suggestions/<suggestion_id>/confirm": Gated(),
    "api/v1/link-suggestions/<suggestion_id>/dismiss": Gated(),
    "api/v1/inbound-events/<event_id>": AdminOnly(),
    "api/v1/inbound-events/<event_id>/retry": AdminOnly(),
    "api/v1/users/<user_id>/role": AdminOnly(),
    "api/v1/teams/<team_id>": AdminOnly(),
    "api/v1/agents/<user_id>/routing": AdminOnly(),
    "api/v1/automation-rules/<rule_id>/runs": AdminOnly(),
    "api/v1/label-rules/<rule_id>": AdminOnly(),
    "api/v1/webhooks/<webhook_id>": AdminOnly(),
    "api/v1/webhooks/<webhook_id>/deliveries": AdminOnly(),
    "api/v1/webhooks/<webhook_id>/deliveries/<delivery_id>/redeliver": AdminOnly(),
    "api/v1/channels/<channel_id>": Gated(),  # a team's connected account is that team's business
    "api/v1/reports/<name>": Exempt("aggregates only, scoped by analytics.access.report_scope"),
    "api/v1/channels/<int:channel_id>/messages": Exempt("inbound webhook, authenticated by the channel token"),
    "hooks/<str:family>/<int:channel_id>": Exempt("provider webhooks, authenticated by signatures"),
    "hooks/<str:family>/<int:channel_id>/data-deletion": Exempt("provider data deletion callback, signed_request"),
    "privacy/deletion/<str:code>/": Exempt("public deletion status page, found by its unguessable code"),
    # help centre: articles are the brand's own content, not team data
    **{f"api/v1/knowledge/articles/<article_id>{tail}": Exempt("help-centre articles; agents only (403 else)")
       for tail in ("", "/revisions", "/publish", "/diff")},
    "help/articles/<int:article_id>-<slug:slug>/": Exempt("public help-centre article page"),
    "help/articles/<int:article_id>/vote/": Exempt("public 'was this helpful?' form"),
    # community forum: public topics; who may write is the forum's rule (community.actions)
    **{route: Exempt("public community forum; members and staff by community.actions' rules")
       for route in ("api/v1/community/topics/<topic_id>", "api/v1/community/topics/<topic_id>/posts",
                     "api/v1/community/posts/<post_id>/accept",
                     "community/c/<slug:slug>/", "community/c/<slug:slug>/new/",
                     "community/c/<slug:slug>/feed.rss", "community/c/<slug:slug>/feed.atom",
                     "community/t/<int:topic_id>/", "community/t/<int:topic_id>/<slug:slug>/",
                     "community/topics/<int:topic_id>/reply/", "community/topics/<int:topic_id>/subscribe/",
                     "community/topics/<int:topic_id>/reading/",
                     *(f"community/posts/<int:post_id>/{verb}/"
                       for verb in ("accept", "vote", "flag", "approve", "hide", "restore")))},
    "community/password-reset/<str:uidb64>/<str:token>/": Exempt("member password reset link, signed"),
    # contact pages
    "contacts/<int:contact_id>/": Gated(GET),
    "contacts/<int:contact_id>/notes/": Gated(POST),
    "contacts/<int:contact_id>/calls/": Gated(POST),
    "contacts/<int:contact_id>/unmerge/": Gated(POST),
    "contacts/<int:contact_id>/identities/<int:identity_id>/unlink/": Gated(POST),
    "contacts/suggestions/<int:suggestion_id>/confirm/": Gated(POST),
    "contacts/suggestions/<int:suggestion_id>/dismiss/": Gated(POST),
    # agent workspace
    "inbox/rows/<int:conversation_id>/": Gated(GET),
    "inbox/filters/<int:filter_id>/delete/": Exempt("a user's own saved inbox filter"),
    "conversations/<int:conversation_id>/": Gated(GET),
    "conversations/<int:conversation_id>/older/": Gated(GET),
    "conversations/<int:conversation_id>/chrome/": Gated(GET),
    "conversations/<int:conversation_id>/messages/<int:message_id>/": Gated(GET),
    "conversations/<int:conversation_id>/messages/<int:message_id>/retry/": Gated(POST),
    "conversations/<int:conversation_id>/notes/<int:note_id>/": Gated(GET),
    "conversations/<int:conversation_id>/messages/<int:message_id>/article/": Gated(("GET", "POST")),
    "conversations/<int:conversation_id>/articles/": Gated(GET),
    **{f"conversations/<int:conversation_id>/{name}/": Gated(POST) for name in (
        "reply", "note", "resolve", "reopen", "snooze", "assign", "team", "priority", "labels",
        "move-to-private", "merge", "typing", "template", "templates-refresh")},
    "attachments/<int:attachment_id>/": Gated(GET),
    "files/<str:token>/<str:filename>": Exempt("a reply's file for the provider to fetch (Twilio MMS): a signed, "
                                               "expiring link; forged or expired is 404 (tests/providers/twilio)"),
    # settings: rules, not team data; the role gates are tested in tests/web/test_rule_pages.py
    **{route: Exempt("automation rules: supervisors and admins only (403 else)")
       for route in ("settings/automation/<int:rule_id>/", "settings/automation/<int:rule_id>/enabled/",
                     "settings/automation/<int:rule_id>/runs/")},
    **{route: Exempt("topic label rules: admins only change them (403 else)")
       for route in ("settings/labels/<int:rule_id>/", "settings/labels/<int:rule_id>/delete/")},
    "settings/channels/<int:channel_id>/sign-in/": Exempt(
        "channel sign-in: admins only (403 else, tests/providers/email/test_email_oauth.py)"),
    # insight
    "reports/<slug:name>.<str:fmt>": Exempt("aggregates only, scoped by analytics.access.rollup_teams"),
    "s/<str:token>": Exempt("public survey page, authenticated by its unguessable token"),
    # web chat visitor API: the visitor's signed token, read through widget.gate (tests/widget)
    "widget/v1/attachments/<int:attachment_id>": Exempt("a visitor's own file, by their token (widget.gate)"),
    "widget/v1/surveys/<int:message_id>": Exempt("a visitor's own survey, by their token (widget.gate)"),
}
# The Django admin is for staff only (checked below); its many <path:object_id> routes are not
# team-scoped views.
SKIP_PREFIXES = ("admin/",)
PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _walk(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def routes_with_parameters() -> set[str]:
    return {r for r in _walk(get_resolver()) if "<" in r and not r.startswith(SKIP_PREFIXES)}


def api_methods() -> dict[str, set[str]]:
    """HTTP methods of each REST route, from django-ninja's routers."""
    methods: dict[str, set[str]] = {}
    prefix = "api/v1"
    for router_prefix, router in ninja_api._routers:
        for path, view in router.path_operations.items():
            route = prefix + (router_prefix and "/" + router_prefix) + re.sub(r"\{(\w+)\}", r"<\1>", path)
            for operation in view.operations:
                methods.setdefault(route, set()).update(operation.methods)
    return methods


def test_every_route_with_a_parameter_is_in_the_table(db):
    found = routes_with_parameters()
    missing = sorted(found - set(ROUTES))
    assert not missing, f"routes with an id but no gate decision in ROUTES: {missing}"
    stale = sorted(set(ROUTES) - found)
    assert not stale, f"ROUTES lists routes that no longer exist: {stale}"


@pytest.fixture
def world(django_user_model, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    team_a, team_b = team("team-a"), team("team-b")
    objects = {}
    for label, owner, name in (("a", team_a, "Alma Own"), ("b", team_b, "Bea Smith")):
        twitter = channel("twitter", team=owner)
        secret = SECRET if label == "b" else "nothing to see"
        ingest(twitter, message("twitter", f"{label}-1", f"my order {secret}", username=f"{name.split()[0].lower()}smith",
                                name=name, thread=f"dm:{label}", pid=f"provider-{label}",
                                attachments=[InboundAttachment("receipt.txt", "text/plain", content=b"receipt " + secret.encode())]))
        email = channel("email", team=owner)
        ingest(email, message("email", f"{name.split()[0].lower()}.smith@example.org", "hello", name=name))
        conversation = Conversation.objects.get(channel=twitter)
        objects[label] = {
            "conversation_id": conversation.pk,
            "channel_id": twitter.pk,
            "contact_id": conversation.contact_id,
            "message_id": Message.objects.get(conversation=conversation).pk,
            "note_id": conversation_actions.add_note(None, conversation, f"note {secret}").pk,
            "attachment_id": Attachment.objects.get(message__conversation=conversation).pk,
            "suggestion_id": LinkSuggestion.objects.get(contact__conversations__channel=email).pk,
            "identity_id": conversation.contact.identities.order_by("pk").first().pk,
        }
    agent = user(django_user_model, "agent-a", Role.AGENT, [team_a])
    web = Client()
    web.force_login(agent)
    return {"a": objects["a"], "b": objects["b"], "agent": agent, "web": web,
            "api": token_client(Client, agent), "team_a": team_a, "team_b": team_b}


def _url(route: str, values: dict) -> str:
    def fill(match):
        return str(values[match.group("name")])
    return "/" + PARAM.sub(fill, route)


def _call(world, route: str, method: str, values: dict):
    body = {"text": "probe", "into": world["a"]["contact_id"], "acknowledgement": "probe"}
    if route.startswith("api/"):
        client = world["api"]
        return client.generic(method, _url(route, values), json.dumps(body), content_type="application/json")
    client = world["web"]
    if method == "GET":
        return client.get(_url(route, values))
    return client.post(_url(route, values), {"text": "probe", "assignee": "", "team": world["team_a"].pk})


def _gated_cases():
    methods = api_methods()
    for route, rule in ROUTES.items():
        if isinstance(rule, Gated):
            for method in sorted(methods.get(route, ())) or rule.methods:
                yield route, method


def test_team_a_agent_gets_404_for_team_b_objects_on_every_route(world):
    """One world, every route: collected, so a failure names every leaking route at once."""
    failures = []
    for route, method in _gated_cases():
        names = [m.group("name") for m in PARAM.finditer(route)]
        response = _call(world, route, method, {n: world["b"][n] for n in names})
        if response.status_code != 404 or SECRET.encode() in response.content:
            failures.append((method, route, response.status_code))
        if "conversation_id" in names and len(names) > 1:
            # Their own conversation with team B's message or note in it: still 404.
            mixed = {n: world["a"][n] if n == "conversation_id" else world["b"][n] for n in names}
            if (status := _call(world, route, method, mixed).status_code) != 404:
                failures.append((method, route + " (own conversation, B's object)", status))
    assert not failures, failures
    assert len(list(_gated_cases())) >= 40  # the table really was walked


def test_the_same_routes_answer_for_their_own_team(world):
    """The control: team A's own objects are not 404, so the 404s above come from the gates."""
    failures = []
    for route in [r for r, m in _gated_cases() if m == "GET"]:
        names = [m.group("name") for m in PARAM.finditer(route)]
        response = _call(world, route, "GET", {n: world["a"][n] for n in names})
        if response.status_code == 404:
            failures.append(route)
    assert not failures, failures


def test_admin_only_routes_refuse_agents(world):
    values = {"event_id": 1, "user_id": world["agent"].pk, "team_id": world["team_a"].pk, "rule_id": 1,
              "webhook_id": 1, "delivery_id": "00000000-0000-0000-0000-000000000001"}
    for route in [r for r, rule in ROUTES.items() if isinstance(rule, AdminOnly)]:
        for method in sorted(api_methods()[route]):
            body = json.dumps({"role": "admin"})
            response = world["api"].generic(method, _url(route, values), body, content_type="application/json")
            assert response.status_code in (403, 404), (route, method)
    world["agent"].refresh_from_db()
    assert world["agent"].profile.role == Role.AGENT


def test_searches_lists_and_streams_hide_team_b(world):
    api, web, b = world["api"], world["web"], world["b"]
    for path, params in (("/api/v1/conversations", {"q": SECRET}),
                         ("/api/v1/conversations", {"contact": b["contact_id"]}),
                         ("/api/v1/conversations", {"team": world["team_b"].pk}),
                         ("/api/v1/messages", {"provider_message_id": "provider-b"}),
                         ("/api/v1/messages", {"conversation": b["conversation_id"]}),
                         ("/api/v1/contacts", {"q": "Bea"}),
                         ("/api/v1/inbound-events", {})):
        body = api.get(path, params).json()
        assert body["count"] == 0, (path, params, body)
    # the control: the same searches find team A's own
    assert api.get("/api/v1/messages", {"provider_message_id": "provider-a"}).json()["count"] == 1
    assert api.get("/api/v1/contacts", {"q": "Alma"}).json()["count"] == 2  # not linked yet
    # Pages echo the query, so search words both teams' messages share and look for B's secret.
    for path in ("/inbox/?q=order&status=any", "/contacts/?q=smith", "/inbox/?status=any", "/contacts/"):
        response = web.get(path)
        assert response.status_code == 200
        assert SECRET.encode() not in response.content and b"Bea Smith" not in response.content
    stream = web.get(f"/realtime/stream?topics=conversation:{b['conversation_id']}")
    assert stream.status_code == 404
    for path in ("/api/v1/audit", "/api/v1/teams", "/api/v1/users"):
        assert api.get(path).status_code == 403
    merge_into_b = api.post(f"/api/v1/contacts/{world['a']['contact_id']}/merge",
                            json.dumps({"into": b["contact_id"]}), content_type="application/json")
    assert merge_into_b.status_code == 404
    assert Contact.objects.filter(merged_into__isnull=False).count() == 0


def test_django_admin_is_for_staff_only(world):
    response = world["web"].get(f"/admin/conversations/conversation/{world['b']['conversation_id']}/change/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
