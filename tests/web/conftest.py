"""Fixtures for the agent workspace: two teams, their agents and channels, and conversations
created through the real webhook endpoints and ingestion pipeline."""

from __future__ import annotations

import itertools
import json

import pytest

from heedful.accounts.models import Profile, Role, Team
from heedful.conversations.models import Conversation
from heedful.devtools.fakeserver import FakeProviderServer, Reply
from heedful.realtime import broker
from tests.web.social_provider import WebTestServer

PASSWORD = "correct-horse-battery"
_ids = itertools.count(1)


class BrandEndpoint(FakeProviderServer):
    """The brand's endpoint that receives API-channel replies."""

    def setup_routes(self):
        self.route("POST", "/out", self._out)

    def _out(self, request, match):
        if "please fail" in request.json()["text"]:
            return Reply(422, {"error": "rejected"})
        return Reply(200, {"id": "brand-" + request.json()["id"][:10]})


@pytest.fixture(autouse=True)
def fresh_broker():
    """Each test gets its own in-memory broker, so notices never leak between tests."""
    memory = broker.MemoryBroker()
    broker.set_broker(memory)
    yield memory
    broker.set_broker(None)


@pytest.fixture
def brand(settings):
    settings.HEEDFUL_WEBHOOK_ALLOW_PRIVATE = True  # the brand's endpoint here is on loopback
    with BrandEndpoint() as server:
        yield server


@pytest.fixture
def social():
    with WebTestServer() as server:
        yield server


@pytest.fixture
def teams(db):
    return Team.objects.create(name="Team A", slug="team-a"), Team.objects.create(name="Team B", slug="team-b")


def make_user(django_user_model, username, role=Role.AGENT, teams=(), first_name=""):
    user = django_user_model.objects.create_user(username, f"{username}@example.com", PASSWORD,
                                                 first_name=first_name)
    profile = Profile.objects.create(user=user, role=role)
    profile.teams.set(teams)
    return user


@pytest.fixture
def agent_a(django_user_model, teams):
    return make_user(django_user_model, "ann", teams=[teams[0]], first_name="Ann")


@pytest.fixture
def agent_a2(django_user_model, teams):
    return make_user(django_user_model, "abe", teams=[teams[0]], first_name="Abe")


@pytest.fixture
def agent_b(django_user_model, teams):
    return make_user(django_user_model, "bob", teams=[teams[1]], first_name="Bob")


@pytest.fixture
def channel_a(make_channel, teams, brand):
    return make_channel("api", {"inbound_token": "tok-a", "outbound_url": brand.base_url + "/out",
                                "signing_secret": "s"}, name="Shop app", team=teams[0])


@pytest.fixture
def channel_b(make_channel, teams, brand):
    return make_channel("api", {"inbound_token": "tok-b", "outbound_url": brand.base_url + "/out",
                                "signing_secret": "s"}, name="B app", team=teams[1])


@pytest.fixture
def social_channel(make_channel, teams, social):
    return make_channel("webtest", {"token": "tok-s"}, {"api_base_url": social.base_url},
                        name="Brand on X", team=teams[0])


def post_api_message(client, channel, text, *, sender="u-1", name="Carla Customer", thread="", **extra):
    """A customer message through the API channel's real webhook endpoint."""
    body = {"id": f"m-{next(_ids)}", "from": {"id": sender, "name": name}, "text": text, **extra}
    if thread:
        body["thread"] = thread
    response = client.post(f"/hooks/api/{channel.pk}", json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {channel.credential('inbound_token')}")
    assert response.status_code == 200, response.content
    return body["id"]


def post_social_message(client, channel, text, *, sender="tw-1", name="Pat Public", username="pat",
                        followers=1200, public=True, **extra):
    body = {"id": f"t-{next(_ids)}", "from": {"id": sender, "name": name, "username": username,
                                              "followers": followers}, "text": text, "public": public, **extra}
    response = client.post(f"/hooks/webtest/{channel.pk}", json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {channel.credential('token')}")
    assert response.status_code == 200, response.content
    return body["id"]


@pytest.fixture
def conversation_a(client, channel_a):
    post_api_message(client, channel_a, "My parcel never arrived", thread="order-1")
    return Conversation.objects.get(channel=channel_a)


@pytest.fixture
def conversation_b(client, channel_b):
    post_api_message(client, channel_b, "Team B secret problem", sender="u-b", name="Bea", thread="b-1")
    return Conversation.objects.get(channel=channel_b)


def login(client, user):
    client.force_login(user)
    return client
