"""Roles and teams: what each role reads, the teams/roles API, the audit log, and the CLI."""

from __future__ import annotations

import json
import sys

import pytest
from django.test import Client

from heedful import cli
from heedful.accounts.models import Role, Team
from heedful.audit.models import AuditEntry
from heedful.contacts.models import Contact
from heedful.conversations.models import Conversation
from tests.contacts.support import channel, ingest, message, team, token_client, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_teams(db):
    team_a, team_b = team("team-a"), team("team-b")
    chan_a, chan_b = channel("email", team=team_a), channel("email", team=team_b)
    ingest(chan_a, message("email", "alma@example.com", "team A question", name="Alma"))
    ingest(chan_b, message("email", "bea@example.com", "team B question", name="Bea"))
    conv_a, conv_b = Conversation.objects.get(channel=chan_a), Conversation.objects.get(channel=chan_b)
    return {"team_a": team_a, "team_b": team_b, "a": conv_a, "b": conv_b}


def client_for(django_user_model, username, role, teams=()):
    return token_client(Client, user(django_user_model, username, role, teams))


def test_supervisor_reads_other_teams_contacts_audited_but_not_their_conversations(django_user_model, two_teams):
    sup = client_for(django_user_model, "sup", Role.SUPERVISOR, [two_teams["team_a"]])
    bea = two_teams["b"].contact_id
    contact = sup.get(f"/api/v1/contacts/{bea}")
    assert contact.status_code == 200
    assert contact.json()["timeline"] == []  # the contact, not team B's conversations
    assert contact.json()["open_elsewhere"] == {"count": 1, "providers": ["email"]}
    assert sup.get(f"/api/v1/conversations/{two_teams['b'].pk}").status_code == 404
    entry = AuditEntry.objects.get(action="contact.cross_team_read")
    assert (entry.object_id, entry.actor.username) == (str(bea), "sup")
    assert sup.get(f"/api/v1/contacts/{two_teams['a'].contact_id}").status_code == 200
    assert AuditEntry.objects.filter(action="contact.cross_team_read").count() == 1  # own team: no entry
    edit = sup.patch(f"/api/v1/contacts/{bea}", json.dumps({"name": "x"}), content_type="application/json")
    assert edit.status_code == 404  # reading across teams, yes; changing, no
    assert sup.get("/api/v1/contacts", {"q": "Bea"}).json()["count"] == 0  # no cross-team search


def test_analyst_sees_aggregates_but_no_conversation_message_or_contact(django_user_model, two_teams):
    analyst = client_for(django_user_model, "ana", Role.ANALYST)
    for path in ("/api/v1/conversations", "/api/v1/messages", "/api/v1/contacts",
                 f"/api/v1/conversations/{two_teams['a'].pk}", f"/api/v1/conversations/{two_teams['a'].pk}/messages",
                 f"/api/v1/contacts/{two_teams['a'].contact_id}"):
        assert analyst.get(path).status_code == 404, path
    assert analyst.get("/api/v1/reports").status_code == 200


def test_admin_reads_everything_and_agents_read_what_is_assigned_to_them(django_user_model, two_teams, api):
    assert api.get("/api/v1/conversations").json()["count"] == 2
    agent = user(django_user_model, "amy", Role.AGENT, [two_teams["team_a"]])
    amy = token_client(Client, agent)
    assert amy.get("/api/v1/conversations").json()["count"] == 1
    Conversation.objects.filter(pk=two_teams["b"].pk).update(assignee=agent)
    assert amy.get("/api/v1/conversations").json()["count"] == 2
    assert amy.get(f"/api/v1/contacts/{two_teams['b'].contact_id}").status_code == 200


def test_a_conversation_handed_to_another_team_leaves_the_first_teams_view(django_user_model, two_teams, api):
    amy = client_for(django_user_model, "amy", Role.AGENT, [two_teams["team_a"]])
    conv = two_teams["a"]
    moved = api.post(f"/api/v1/conversations/{conv.pk}/assign", json.dumps({"team": two_teams["team_b"].pk}),
                     content_type="application/json")
    assert moved.status_code == 200
    assert amy.get(f"/api/v1/conversations/{conv.pk}").status_code == 404
    bob = client_for(django_user_model, "bob", Role.AGENT, [two_teams["team_b"]])
    assert bob.get(f"/api/v1/conversations/{conv.pk}").status_code == 200


def test_teams_and_roles_api_is_for_admins_and_role_changes_are_audited(django_user_model, api, agent):
    created = api.post("/api/v1/teams", json.dumps({"name": "Support"}), content_type="application/json")
    assert created.status_code == 201 and created.json()["slug"] == "support"
    assert api.post("/api/v1/teams", json.dumps({"name": "Support"}), content_type="application/json").status_code == 409
    assert api.get("/api/v1/teams").json()["count"] == 1
    sam = user(django_user_model, "sam", Role.AGENT)
    changed = api.post(f"/api/v1/users/{sam.pk}/role", json.dumps({"role": "supervisor", "teams": [created.json()["id"]]}),
                       content_type="application/json")
    assert changed.status_code == 200
    assert changed.json() | {"id": 0} == {"id": 0, "username": "sam", "name": "", "is_active": True,
                                          "role": "supervisor", "teams": [created.json()["id"]]}
    # the roles are an enum in the schema: an unknown one does not fit it
    assert api.post(f"/api/v1/users/{sam.pk}/role", json.dumps({"role": "wizard"}),
                    content_type="application/json").status_code == 422
    log = api.get("/api/v1/audit", {"action": "user.role_changed"}).json()
    assert log["count"] == 1
    assert log["results"][0]["detail"] == {"before": {"role": "agent", "teams": []},
                                           "after": {"role": "supervisor", "teams": [created.json()["id"]]}}
    assert log["results"][0]["actor"] == agent.pk
    sam_api = token_client(Client, sam)
    assert sam_api.post("/api/v1/teams", json.dumps({"name": "Mine"}), content_type="application/json").status_code == 403
    assert sam_api.post(f"/api/v1/users/{sam.pk}/role", json.dumps({"role": "admin"}),
                        content_type="application/json").status_code == 403
    assert sam_api.get("/api/v1/audit").status_code == 403


def test_audit_log_in_the_django_admin_is_for_admins(django_user_model, api, client):
    api.post("/api/v1/teams", json.dumps({"name": "Support"}), content_type="application/json")
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-pw-pw-pw")
    client.force_login(boss)
    page = client.get("/admin/audit/auditentry/")
    assert page.status_code == 200 and b"team.created" in page.content
    entry = AuditEntry.objects.get()
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    staff_agent = user(django_user_model, "staffer", Role.AGENT)
    staff_agent.is_staff = True
    staff_agent.save()
    client.force_login(staff_agent)
    assert client.get("/admin/audit/auditentry/").status_code == 403


def run_cli(monkeypatch, capsys, *args) -> str:
    monkeypatch.setattr(sys, "argv", ["heedful", *args])
    cli.main()
    return capsys.readouterr().out


def test_create_agent_and_create_token_commands(monkeypatch, capsys, db):
    out = run_cli(monkeypatch, capsys, "create-agent", "sam", "--role", "supervisor", "--team", "support",
                  "--team", "billing", "--password", "a-long-password")
    assert "created sam (supervisor; support, billing)" in out
    sam = Team.objects.get(slug="support").members.get().user
    assert sam.check_password("a-long-password")
    assert sorted(sam.profile.teams.values_list("slug", flat=True)) == ["billing", "support"]
    key = run_cli(monkeypatch, capsys, "create-token", "sam").strip()
    assert len(key) == 40
    assert Client().get("/api/v1/conversations", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    with pytest.raises(SystemExit):
        run_cli(monkeypatch, capsys, "create-token", "nobody")
    with pytest.raises(SystemExit):
        run_cli(monkeypatch, capsys, "create-agent", "sam")  # exists
    assert AuditEntry.objects.filter(action="user.created").count() == 1
    assert Contact.objects.count() == 0
