"""Bad input is a 4xx with a clear `detail`, never a 500: deeply nested JSON on the API channel,
a non-numeric Content-Length on a webhook, a channel with a team id that does not exist or does
not fit a database id."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from heedful.accounts.models import Team
from heedful.channels.models import Channel
from heedful.ingestion.models import InboundEvent

pytestmark = pytest.mark.django_db

TOKEN = "inbound-secret-token"
DEEP = ("[" * 50_000 + "]" * 50_000).encode()  # 100 kB: far below the body limit


@pytest.fixture
def api_channel(make_channel):
    return make_channel("api", {"inbound_token": TOKEN, "outbound_url": "", "signing_secret": "s"})


@pytest.mark.parametrize("path", ["/api/v1/channels/{pk}/messages", "/hooks/api/{pk}"])
@pytest.mark.parametrize("body", [DEEP, b'{"id": "m-1", "from": ' + b'{"a": ' * 30_000 + b"1" + b"}" * 30_001],
                         ids=["deep-array", "deep-object"])
def test_deeply_nested_json_on_the_api_channel_is_a_400(client, api_channel, path, body):
    response = client.post(path.format(pk=api_channel.pk), body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 400, response.content[:200]
    assert "nested too deeply" in response.json()["detail"]
    assert InboundEvent.objects.count() == 0


def test_a_non_numeric_content_length_on_a_webhook_is_a_400(client, api_channel):
    body = json.dumps({"id": "m-1", "from": {"id": "u-1"}, "text": "hi"})
    response = client.generic("POST", f"/hooks/api/{api_channel.pk}", body, content_type="application/json",
                              CONTENT_LENGTH="twelve", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 400
    assert response.json()["detail"] == "Content-Length is not a number"


@pytest.mark.parametrize("team", [999_999, 2**63 - 1, 2**70, -1, 0])
def test_a_channel_with_a_team_that_does_not_exist_or_overflows_is_a_4xx(api, team):
    response = api.post("/api/v1/channels", {"provider": "api", "name": "Shop", "team": team},
                        content_type="application/json")
    assert response.status_code in (404, 422), response.content
    assert response.json()["detail"]
    assert Channel.objects.count() == 0


@pytest.mark.parametrize("team", [999_999, 2**70])
def test_moving_a_channel_to_a_missing_team_is_a_4xx(api, api_channel, team):
    response = api.patch(f"/api/v1/channels/{api_channel.pk}", {"team": team}, content_type="application/json")
    assert response.status_code in (404, 422), response.content
    api_channel.refresh_from_db()
    assert api_channel.team_id is None


def test_a_channel_with_a_real_team_is_created(api):
    team = Team.objects.create(name="Support", slug="support")
    response = api.post("/api/v1/channels", {"provider": "api", "name": "Shop", "team": team.pk},
                        content_type="application/json")
    assert response.status_code == 201 and response.json()["team"] == team.pk


def test_text_the_database_cannot_hold_is_a_400_not_a_500(api):
    """PostgreSQL text cannot hold NUL; the API says so instead of failing."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite stores NUL characters")
    team = api.post("/api/v1/teams", {"name": "Sup\x00port"}, content_type="application/json")
    assert team.status_code in (400, 422) and team.json()["detail"]
    assert Team.objects.count() == 0


def test_ids_past_a_bigint_are_missing_not_a_crash(api):
    for path in ("/api/v1/conversations/{}", "/api/v1/contacts/{}", "/api/v1/channels/{}"):
        response = api.get(path.format(2**80))
        assert response.status_code in (404, 422), (path, response.status_code)
