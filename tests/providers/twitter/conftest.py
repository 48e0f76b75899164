"""Twitter test fixtures: a connected brand account, signed webhook posts, the fake v2 API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from heedful.channels.providers.twitter.fake import FakeTwitterAPI
from heedful.channels.providers.twitter.signing import SIGNATURE_HEADER, webhook_signature

FIXTURES = Path(__file__).parent / "fixtures"
BRAND = {"user_id": "4000", "screen_name": "heedfulhelp", "consumer_key": "ck-heedful",
         "consumer_secret": "cs-heedful-secret", "access_token": "4000-at-heedful",
         "access_token_secret": "ats-heedful"}


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def signed_post(client, channel, body: bytes, secret: str | None = None):
    secret = secret if secret is not None else channel.credential("consumer_secret")
    return client.post(f"/hooks/twitter/{channel.pk}", body, content_type="application/json",
                       headers={SIGNATURE_HEADER: webhook_signature(secret, body)})


def post_fixture(client, channel, name: str) -> dict:
    response = signed_post(client, channel, fixture_bytes(name))
    assert response.status_code == 200, response.content
    return response.json()


def event_result(api, event_id: int) -> dict:
    return api.get(f"/api/v1/inbound-events/{event_id}").json()


@pytest.fixture
def twitter_api():
    with FakeTwitterAPI(consumer_key=BRAND["consumer_key"], consumer_secret=BRAND["consumer_secret"],
                        access_token=BRAND["access_token"],
                        access_token_secret=BRAND["access_token_secret"],
                        user_id=BRAND["user_id"]) as fake:
        yield fake


@pytest.fixture
def channel(make_channel, twitter_api):
    return make_channel("twitter", dict(BRAND), {"api_base_url": twitter_api.base_url},
                        name="@heedfulhelp")


def messages_by_provider_id(api) -> dict[str, dict]:
    found, url = {}, "/api/v1/messages?page_size=200"
    while url:
        page = api.get(url).json()
        found.update({m["provider_message_id"]: m for m in page["results"]})
        url = page["next"]
    return found


def dumps(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()
