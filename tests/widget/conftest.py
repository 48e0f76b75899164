"""Fixtures for the visitor API: a web chat channel, visitors with their own tokens, agents."""

from __future__ import annotations

import itertools
import json

import pytest

from heedful.accounts.models import Profile, Role
from heedful.channels.providers.webchat.provider import public_key
from heedful.realtime import broker

SITE = "https://shop.example"
SECRET = "brand-identity-secret"
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def fresh_broker():
    memory = broker.MemoryBroker()
    broker.set_broker(memory)
    yield memory
    broker.set_broker(None)


@pytest.fixture(autouse=True)
def _no_shared_counts():
    """Rate-limit counters and the agents-online figure live in the cache: start clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def webchat(make_channel):
    return make_channel("webchat", {"identity_secret": SECRET},
                        {"allowed_origins": [SITE], "greeting": "Hi! How can we help?"}, name="Shop chat")


class Visitor:
    """A browser on the brand's site talking to the visitor API with its own token."""

    def __init__(self, client, channel, *, origin: str = SITE, identity: dict | None = None):
        self.client, self.channel, self.origin = client, channel, origin
        body = {"channel": public_key(channel), **({"identity": identity} if identity else {})}
        response = self.post("/widget/v1/sessions", body, token=None)
        assert response.status_code == 201, response.content
        self.session = response.json()
        self.token = self.session["token"]

    def headers(self, token) -> dict:
        headers = {"HTTP_ORIGIN": self.origin}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return headers

    def post(self, path, body, *, token=...):
        token = self.token if token is ... else token
        return self.client.post(path, json.dumps(body), content_type="application/json", **self.headers(token))

    def get(self, path, *, token=..., **params):
        token = self.token if token is ... else token
        return self.client.get(path, params, **self.headers(token))

    def say(self, text: str, **extra) -> dict:
        body = {"text": text, "client_id": f"client-{next(_ids):06d}", **extra}
        response = self.post("/widget/v1/messages", body)
        assert response.status_code == 202, response.content
        return {**response.json(), "client_id": body["client_id"]}

    def messages(self) -> list[dict]:
        response = self.get("/widget/v1/messages")
        assert response.status_code == 200, response.content
        return response.json()["results"]


@pytest.fixture
def visitor(client, webchat):
    return lambda **kw: Visitor(client, webchat, **kw)


@pytest.fixture
def agent_user(django_user_model):
    user = django_user_model.objects.create_user("alice", "alice@staff.example", "a-long-test-password",
                                                 first_name="Alice")
    Profile.objects.create(user=user, role=Role.ADMIN)
    return user
