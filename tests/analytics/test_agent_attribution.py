"""The agents report credits a resolution to the agent who resolved the conversation and a first
response to the agent who wrote it, whoever the conversation is assigned to."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from heedful.accounts.models import Role
from heedful.conversations.models import Conversation
from tests.contacts.support import token_client, user

pytestmark = pytest.mark.django_db


def inbound(client, channel, mid, sender):
    body = json.dumps({"id": mid, "from": {"id": sender, "name": sender}, "text": "help", "thread": mid})
    assert client.post(f"/hooks/api/{channel.pk}", body, content_type="application/json",
                       HTTP_AUTHORIZATION="Bearer t").status_code == 200
    return Conversation.objects.get(messages__provider_message_id=mid)


def test_resolution_and_first_response_go_to_who_did_them(client, api, agent, make_channel, django_user_model):
    bob = user(django_user_model, "bob", Role.ADMIN)
    as_bob = token_client(Client, bob)
    channel = make_channel("api", {"inbound_token": "t"})
    first, second = inbound(client, channel, "m-1", "cy"), inbound(client, channel, "m-2", "di")
    for conv in (first, second):  # both are the first agent's
        assert api.post(f"/api/v1/conversations/{conv.pk}/assign", {"assignee": agent.pk},
                        content_type="application/json").status_code == 200
    # Bob answers and resolves the first; the assignee answers the second and Bob resolves it.
    for who, conv in ((as_bob, first), (api, second)):
        assert who.post(f"/api/v1/conversations/{conv.pk}/messages", {"text": "on it"},
                        content_type="application/json").status_code == 201
    for conv in (first, second):
        assert as_bob.post(f"/api/v1/conversations/{conv.pk}/resolve").status_code == 200
    rows = {r["agent"]: r for r in api.get("/api/v1/reports/agents").json()["rows"]}
    assert {k: rows["agent"][k] for k in ("messages_out", "first_responses", "resolved")} == {
        "messages_out": 1, "first_responses": 1, "resolved": 0}
    assert {k: rows["bob"][k] for k in ("messages_out", "first_responses", "resolved")} == {
        "messages_out": 1, "first_responses": 1, "resolved": 2}
    # The channel's totals are the same whoever did the work.
    (total,) = api.get("/api/v1/reports/resolution").json()["rows"]
    assert total["resolved"] == 2 and total["first_responses"] == 2
