"""Channel metadata and the assignment pickers follow the team gate: an agent reads their teams'
channels (and shared ones) and can assign only within their teams."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from heedful.accounts.models import Role
from heedful.conversations.models import Conversation
from tests.contacts.support import channel, post_api_message, team, token_client, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(django_user_model):
    team_a, team_b = team("team-a"), team("team-b")
    a_channel, b_channel, shared = channel("api", team=team_a), channel("email", team=team_b), channel("twitter")
    ann = user(django_user_model, "ann", Role.AGENT, [team_a])
    abe = user(django_user_model, "abe", Role.AGENT, [team_a])
    bob = user(django_user_model, "bob", Role.AGENT, [team_b])
    admin = user(django_user_model, "ada", Role.ADMIN)
    post_api_message(Client(), a_channel, {"id": "m-1", "from": {"id": "u-1", "name": "Ann Kay"}, "text": "Hi"})
    return {"team_a": team_a, "team_b": team_b, "a": a_channel, "b": b_channel, "shared": shared,
            "ann": ann, "abe": abe, "bob": bob, "admin": admin, "conversation": Conversation.objects.get()}


def test_an_agent_reads_only_their_teams_and_shared_channels(desk):
    ann = token_client(Client, desk["ann"])
    listed = {c["id"] for c in ann.get("/api/v1/channels").json()["results"]}
    assert listed == {desk["a"].pk, desk["shared"].pk}
    assert ann.get(f"/api/v1/channels/{desk['b'].pk}").status_code == 404
    assert ann.get(f"/api/v1/channels/{desk['a'].pk}").status_code == 200
    assert ann.patch(f"/api/v1/channels/{desk['b'].pk}", {"name": "x"}, content_type="application/json").status_code == 404
    admin = token_client(Client, desk["admin"])
    assert admin.get("/api/v1/channels").json()["count"] == 3


def _options(html: str, select_id: str) -> set[str]:
    block = re.search(rf'<select id="{select_id}".*?</select>', html, re.S).group(0)
    return set(re.findall(r'<option value="(\d+)"', block))


def test_the_pickers_list_only_what_the_agent_may_assign(desk):
    web = Client()
    web.force_login(desk["ann"])
    html = web.get(f"/conversations/{desk['conversation'].pk}/").content.decode()
    assert _options(html, "side-assignee") == {str(desk["ann"].pk), str(desk["abe"].pk)}
    # Any team may receive a transfer (tests/web: test_transfer_to_another_team_leaves_the_conversation)
    assert _options(html, "side-team") == {str(desk["team_a"].pk), str(desk["team_b"].pk)}
    # the inbox's team filter lists only the agent's own queues
    inbox = web.get("/inbox/").content.decode()
    assert "Team-B" not in inbox and "Team-A" in inbox


def test_assigning_outside_the_agents_teams_is_refused(desk):
    conversation = desk["conversation"]
    before = (conversation.assignee_id, conversation.team_id)
    web = Client()
    web.force_login(desk["ann"])
    hx = {"HTTP_HX_REQUEST": "true"}
    assert web.post(f"/conversations/{conversation.pk}/assign/", {"assignee": desk["bob"].pk}, **hx).status_code == 400
    api = token_client(Client, desk["ann"])
    url = f"/api/v1/conversations/{conversation.pk}/assign"
    assert api.post(url, json.dumps({"assignee": desk["bob"].pk}), content_type="application/json").status_code == 404
    assert api.post(url, json.dumps({"team": 10**9}), content_type="application/json").status_code == 404
    conversation.refresh_from_db()
    assert (conversation.assignee_id, conversation.team_id) == before
    assert api.post(url, json.dumps({"assignee": desk["abe"].pk}), content_type="application/json").status_code == 200
    # an admin may hand it to anyone
    admin = token_client(Client, desk["admin"])
    assert admin.post(url, json.dumps({"assignee": desk["bob"].pk, "team": desk["team_b"].pk}),
                      content_type="application/json").status_code == 200
