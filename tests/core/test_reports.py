"""Resolution reports through the API: first-contact resolution, repeats, channel bypass, CSV."""

import json
from datetime import timedelta

import pytest

from heedful.contacts.models import Contact
from heedful.conversations import actions
from heedful.conversations.models import Conversation
from heedful.core.clock import now


def post(client, channel, mid, sender, text="help", **extra):
    body = json.dumps({"id": mid, "from": {"id": sender, "name": sender}, "text": text, **extra})
    assert client.post(f"/hooks/api/{channel.pk}", body, content_type="application/json",
                       HTTP_AUTHORIZATION="Bearer t").status_code == 200


@pytest.fixture
def desk(client, make_channel, api, agent):
    channel = make_channel("api", {"inbound_token": "t"})
    post(client, channel, "a-1", "ann", thread="a")        # answered once, resolved: first contact
    post(client, channel, "b-1", "bo", thread="b")         # answered twice, resolved
    post(client, channel, "c-1", "cy", thread="c")         # still open
    convs = {c.contact.name: c for c in Conversation.objects.select_related("contact")}
    for name, replies in (("ann", 1), ("bo", 2)):
        for i in range(replies):
            api.post(f"/api/v1/conversations/{convs[name].pk}/messages", {"text": f"reply {i}"},
                     content_type="application/json")
        api.post(f"/api/v1/conversations/{convs[name].pk}/resolve")
    return channel


def test_resolution_report(api, desk):
    rows = api.get("/api/v1/reports/resolution").json()["rows"]
    assert rows == [{
        "channel": "api", "conversations": 3, "resolved": 2, "resolution_rate": 0.6667,
        "first_contact_resolution": 0.5, "reopen_rate": 0.0, "contacts_per_resolution": 1.0,
        "first_response_avg_seconds": rows[0]["first_response_avg_seconds"],
    }]
    assert rows[0]["first_response_avg_seconds"] is not None


def test_reopen_counts_against_first_contact_resolution(client, api, desk):
    post(client, desk, "a-2", "ann", text="still broken", in_reply_to="a-1")
    row = api.get("/api/v1/reports/resolution").json()["rows"][0]
    assert row["resolved"] == 1 and row["first_contact_resolution"] == 0.0 and row["reopen_rate"] == 0.3333


def test_channel_bypass_and_repeat_contacts(api, make_channel, agent, desk):
    twitter = make_channel("twitter", name="Brand on X")
    ann = Contact.objects.get(name="ann")
    actions.open_conversation(twitter, ann, public=True, at=now() + timedelta(hours=2))
    bypass = api.get("/api/v1/reports/channel-bypass").json()["rows"]
    assert bypass == [{"from_channel": "api", "to_channel": "twitter", "customers": 1, "share_of_public": 1.0}]
    repeats = {r["channel"]: r for r in api.get("/api/v1/reports/repeat-contacts").json()["rows"]}
    assert repeats["twitter"]["repeat_contacts"] == 1 and repeats["api"]["repeat_contacts"] == 0


def test_csv_and_unknown_report(api, desk):
    response = api.get("/api/v1/reports/volume?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines()[0] == "day,channel,conversations,messages"
    assert api.get("/api/v1/reports/nope").status_code == 404
