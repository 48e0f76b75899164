"""Facebook and Instagram channels, signed Graph webhooks and the local Graph API fake."""

from __future__ import annotations

import json

import pytest

from heedful.channels.providers.meta.fake import FakeGraphAPI

from .meta_hooks import APP_SECRET, IG_USER_ID, PAGE_ID, PAGE_TOKEN, VERIFY_TOKEN, sign


@pytest.fixture
def facebook(make_channel):
    return make_channel("facebook", {"page_id": PAGE_ID, "app_secret": APP_SECRET,
                                     "verify_token": VERIFY_TOKEN, "page_access_token": PAGE_TOKEN},
                        name="Acme Page")


@pytest.fixture
def instagram(make_channel):
    return make_channel("instagram", {"ig_user_id": IG_USER_ID, "page_id": PAGE_ID, "app_secret": APP_SECRET,
                                      "verify_token": VERIFY_TOKEN, "page_access_token": PAGE_TOKEN},
                        name="Acme Instagram")


@pytest.fixture
def post_hook(client):
    """POST a body to a channel's Meta webhook URL, signed unless told otherwise."""

    def post(channel, payload, *, signature: str | None = None, signed: bool = True):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"HTTP_X_HUB_SIGNATURE_256": signature or sign(body)} if signed else {}
        return client.post(f"/hooks/meta/{channel.pk}", body, content_type="application/json", **headers)

    return post


@pytest.fixture
def hook(post_hook, api):
    """Deliver a signed payload and return the processed inbound event as the API shows it."""

    def deliver(channel, payload) -> dict:
        response = post_hook(channel, payload)
        assert response.status_code == 200, response.content
        return api.get(f"/api/v1/inbound-events/{response.json()['event_id']}").json()

    return deliver


@pytest.fixture
def find_message(api):
    def find(provider_message_id: str) -> dict | None:
        results = api.get("/api/v1/messages", {"provider_message_id": provider_message_id}).json()["results"]
        return results[0] if results else None

    return find


@pytest.fixture
def graph(facebook, instagram):
    """The Graph API fake, with both channels pointed at it."""
    with FakeGraphAPI(token=PAGE_TOKEN) as fake:
        for channel in (facebook, instagram):
            channel.settings = {"api_base_url": fake.base_url}
            channel.save()
        yield fake
