"""Queues per team: round robin, by load, by skill; presence; previous agent; reassignment."""

from __future__ import annotations

import pytest
from django.test import Client

from heedful.accounts.models import Role
from heedful.conversations import actions as conversation_actions
from heedful.conversations.models import Conversation, Label
from heedful.routing import assignment
from heedful.routing.models import AssignmentDecision, TeamQueue
from tests.contacts.support import channel, ingest, message, team, token_client, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(django_user_model, api):
    """Team "care" with four agents (ann, bob, cat, dan) and an email channel of its own."""
    care = team("care")
    people = {name: user(django_user_model, name, Role.AGENT, teams=[care]) for name in ("ann", "bob", "cat", "dan")}
    clients = {name: token_client(Client, person) for name, person in people.items()}
    return {"team": care, "people": people, "clients": clients, "channel": channel("email", team=care), "admin": api}


def configure(desk, **body):
    response = desk["admin"].patch(f"/api/v1/teams/{desk['team'].pk}", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def presence(desk, name, status):
    response = desk["clients"][name].post("/api/v1/presence", {"status": status}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == status


def arrive(desk, handle, text="Hello, I need help with my order please"):
    ingest(desk["channel"], message("email", handle, text, thread=handle))
    return Conversation.objects.filter(contact__identities__handle=handle).latest("created_at")


def assignee(conversation):
    conversation.refresh_from_db()
    return conversation.assignee.username if conversation.assignee else None


def test_manual_is_the_default_and_nobody_gets_work(desk):
    presence(desk, "ann", "online")
    assert assignee(arrive(desk, "x@example.com")) is None
    assert not AssignmentDecision.objects.exists()


def test_round_robin_cycles_through_online_agents_only(desk):
    assert configure(desk, assignment="round_robin", capacity=10)["assignment"] == "round_robin"
    for name in ("ann", "bob", "dan"):
        presence(desk, name, "online")
    presence(desk, "cat", "away")  # away: no new work
    got = [assignee(arrive(desk, f"c{i}@example.com")) for i in range(6)]
    assert got == ["ann", "bob", "dan", "ann", "bob", "dan"]
    decision = AssignmentDecision.objects.filter(agent__username="bob").first()
    assert decision.mode == "round_robin" and "round robin" in decision.reason


def test_load_uses_open_work_and_each_agents_capacity(desk):
    configure(desk, assignment="load", capacity=2)
    for name in ("ann", "bob"):
        presence(desk, name, "online")
    presence(desk, "cat", "offline")
    admin = desk["admin"]
    assert admin.patch(f"/api/v1/agents/{desk['people']['bob'].pk}/routing", {"capacity": 1},
                       content_type="application/json").status_code == 200
    got = [assignee(arrive(desk, f"l{i}@example.com")) for i in range(4)]
    # ann 0 open, bob 0 -> ann; then bob (0 < 1); then ann (1 < 2); then nobody has room
    assert got == ["ann", "bob", "ann", None]
    waiting = AssignmentDecision.objects.filter(agent=None).get()
    assert "no online agent with room" in waiting.reason
    # resolving frees a slot: the next conversation goes to bob again
    conversation_actions.resolve(None, Conversation.objects.filter(assignee__username="bob").get())
    assert assignee(arrive(desk, "l9@example.com")) == "bob"


def test_capacity_per_channel_kind(desk):
    configure(desk, assignment="load", capacity=5, capacity_per_kind={"email": 1})
    presence(desk, "ann", "online")
    assert [assignee(arrive(desk, f"k{i}@example.com")) for i in range(2)] == ["ann", None]


def test_skill_prefers_the_language_then_the_topic(desk):
    configure(desk, assignment="skill", capacity=5)
    admin, people = desk["admin"], desk["people"]
    for name, body in (("ann", {"languages": ["en"], "skills": ["billing"]}),
                       ("bob", {"languages": ["fr"]}),
                       ("cat", {"languages": ["en"], "skills": ["outage"]}),
                       ("dan", {"languages": ["fr", "en"]})):
        assert admin.patch(f"/api/v1/agents/{people[name].pk}/routing", body,
                           content_type="application/json").status_code == 200
    for name in ("ann", "bob", "cat"):
        presence(desk, name, "online")  # dan offline: speaks French but gets nothing
    french = arrive(desk, "f@example.com", "Bonjour, ma commande est arrivée cassée et je voudrais un remboursement")
    assert assignee(french) == "bob"
    assert "speaks fr" in AssignmentDecision.objects.get(conversation_id=french.pk).reason
    # an English conversation labelled "outage" before assignment goes to the outage expert
    english = arrive(desk, "e@example.com", "The whole service has been down for an hour, nothing loads at all")
    assert assignee(english) == "ann"  # both English speakers are free: the first of them
    conversation_actions.assign(None, english, assignee=None)
    Label.objects.create(name="Outage").conversations.add(english)
    assignment.assign_conversations([english.pk])
    assert assignee(english) == "cat"
    assert "knows outage" in AssignmentDecision.objects.filter(conversation_id=english.pk).first().reason


def test_returning_customer_prefers_their_previous_agent_when_free(desk):
    configure(desk, assignment="round_robin", capacity=5)
    for name in ("ann", "bob"):
        presence(desk, name, "online")
    first = arrive(desk, "back@example.com")
    assert assignee(first) == "ann"
    conversation_actions.resolve(None, first)
    arrive(desk, "other@example.com")  # bob's turn in the rotation
    again = arrive(desk, "back@example.com", "Hello again, the replacement is broken as well")
    assert again.pk != first.pk and assignee(again) == "ann"
    assert "previous agent ann" in AssignmentDecision.objects.filter(conversation_id=again.pk).first().reason
    presence(desk, "ann", "offline")
    conversation_actions.resolve(None, again)
    third = arrive(desk, "back@example.com", "Hello, one more problem with the same order")
    assert assignee(third) == "bob"  # the previous agent is not online


def test_going_offline_hands_open_work_to_online_agents(desk):
    configure(desk, assignment="load", capacity=5)
    presence(desk, "ann", "online")
    held = [arrive(desk, f"h{i}@example.com") for i in range(2)]
    assert [assignee(c) for c in held] == ["ann", "ann"]
    presence(desk, "bob", "online")
    presence(desk, "ann", "offline")
    assert [assignee(c) for c in held] == ["bob", "bob"]
    reasons = list(AssignmentDecision.objects.filter(conversation_id=held[0].pk).values_list("reason", flat=True))
    assert any("reassigned: ann went offline" in r for r in reasons)
    # coming online pulls the work nobody could take
    presence(desk, "bob", "offline")
    assert [assignee(c) for c in held] == [None, None]
    presence(desk, "cat", "online")
    assert [assignee(c) for c in held] == ["cat", "cat"]


def test_decisions_are_visible_in_the_api(desk):
    configure(desk, assignment="round_robin")
    presence(desk, "ann", "online")
    conversation = arrive(desk, "api@example.com")
    listed = desk["clients"]["bob"].get(f"/api/v1/assignment-decisions?conversation={conversation.pk}").json()
    (row,) = listed["results"]
    assert row["agent_name"] == "ann" and row["mode"] == "round_robin" and row["reason"]


def test_only_admins_configure_teams_and_bad_values_are_refused(desk):
    agent = desk["clients"]["ann"]
    assert agent.patch(f"/api/v1/teams/{desk['team'].pk}", {"assignment": "load"},
                       content_type="application/json").status_code == 403
    admin = desk["admin"]
    assert admin.patch(f"/api/v1/teams/{desk['team'].pk}", {"assignment": "fastest"},
                       content_type="application/json").status_code == 422
    assert admin.patch(f"/api/v1/teams/{desk['team'].pk}", {"capacity": 0},
                       content_type="application/json").status_code == 422
    assert admin.patch("/api/v1/teams/999999", {"capacity": 3}, content_type="application/json").status_code == 404
    assert desk["clients"]["ann"].post("/api/v1/presence", {"status": "busy"},
                                       content_type="application/json").status_code == 422
    assert TeamQueue.objects.filter(team=desk["team"]).count() == 0
