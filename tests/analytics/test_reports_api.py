"""Resolution reports through the API, read from the rollups: FCR across channels, one-touch,
reopen, repeats, bypass, CSV, and the permission gate."""

import json

import pytest

from heedful.accounts.models import Profile, Role
from heedful.contacts.models import Contact
from heedful.conversations import actions
from heedful.conversations.models import Conversation


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
    body = api.get("/api/v1/reports/resolution").json()
    assert body["report"] == "resolution" and body["since"] < body["until"]
    (row,) = body["rows"]
    assert {k: row[k] for k in ("channel", "conversations", "resolved", "fcr_rate", "one_touch_rate",
                                "reopen_rate", "contacts_per_resolution", "value_demand", "failure_demand")} == {
        "channel": "api", "conversations": 3, "resolved": 2, "fcr_rate": 1.0, "one_touch_rate": 0.5,
        "reopen_rate": 0.0, "contacts_per_resolution": 1.0, "value_demand": 3, "failure_demand": 0}
    assert row["first_responses"] == 2 and row["first_response_median_seconds"] is not None


def test_customer_coming_back_turns_fcr_off(client, api, desk):
    post(client, desk, "a-2", "ann", text="still broken", in_reply_to="a-1")
    row = api.get("/api/v1/reports/resolution").json()["rows"][0]
    assert row["resolved"] == 2 and row["fcr_rate"] == 0.5 and row["reopen_rate"] == 0.5


def test_contact_on_another_channel_is_a_bypass_and_a_repeat(client, api, make_channel, desk):
    twitter = make_channel("twitter", name="Brand on X")
    ann = Contact.objects.get(name="ann")
    actions.open_conversation(twitter, ann, public=True)
    assert api.get("/api/v1/reports/channel-bypass").json()["rows"] == [
        {"from_channel": "api", "to_channel": "twitter", "customers": 1, "conversations": 1}]
    repeats = {r["channel"]: r for r in api.get("/api/v1/reports/repeat-contacts").json()["rows"]}
    assert repeats["twitter"]["repeat_72h"] == 1 and repeats["api"]["repeat_30d"] == 0
    new = Conversation.objects.get(channel=twitter)
    assert api.get(f"/api/v1/conversations/{new.pk}").json()["bypass"] == {
        "from_conversation": Conversation.objects.get(contact=ann, channel=desk).pk, "from_channel": "api"}
    old = Conversation.objects.get(contact=ann, channel=desk)
    assert api.get(f"/api/v1/conversations/{old.pk}").json()["bypass"] is None


def test_filters_period_channel_and_csv(api, desk):
    assert api.get("/api/v1/reports/resolution?channel=twitter").json()["rows"] == []
    assert api.get(f"/api/v1/reports/resolution?channel={desk.pk}").json()["rows"][0]["channel"] == "api"
    past = api.get("/api/v1/reports/resolution?since=2020-01-01&until=2020-02-01").json()
    assert past["rows"] == [] and past["since"].startswith("2020-01-01")
    response = api.get("/api/v1/reports/volume?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines()[0] == "day,channel,conversations,messages_in,messages_out,resolved"
    assert api.get("/api/v1/reports/nope").status_code == 404
    assert api.get("/api/v1/reports/resolution?since=yesterday").status_code == 422
    assert api.get("/api/v1/reports/resolution?since=2021-01-01&until=2020-01-01").json()["rows"] == []


def test_agents_may_not_read_reports(api, desk, agent):
    Profile.objects.filter(user=agent).update(role=Role.AGENT)
    assert api.get("/api/v1/reports/resolution").status_code in (403, 404)
