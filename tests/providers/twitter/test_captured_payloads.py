"""Replay captured Account Activity payloads with their real signatures.

The payloads are read from the shared real-data folder (skipped when absent): the exact signed
bytes and the signatures Twitter sent with them, for an account whose user id is 123.
"""

import json

import httpx
import pytest

from tests.conftest import shared_data

from .conftest import event_result, messages_by_provider_id

SHARED = ("webhooks", "twitter_account_activity")
# Time order of the captured events: customer tweet, brand tweet, customer DMs, brand DM.
ORDER = ["webhook2_tweet.json", "webhook1_tweet.json", "webhook2_direct_message.json",
         "webhook3_direct_message.json", "webhook1_direct_message.json"]


def captured() -> dict[str, tuple[bytes, str]]:
    vectors = json.loads(shared_data(*SHARED, "signature_test_vectors.json").read_text())
    return {case["fixture"]: (shared_data(*SHARED, case["raw_body_file"]).read_bytes(),
                              case["expected_signature"])
            for case in vectors["cases"] if case.get("fixture")}


@pytest.fixture
def zammad_channel(make_channel):
    return make_channel("twitter", {"user_id": "123", "screen_name": "zammadhq", "consumer_secret": "DDD"})


def test_captured_payloads_over_real_http(live_server, api, zammad_channel):
    payloads = captured()
    url = f"{live_server.url}/hooks/twitter/{zammad_channel.pk}"
    answers = {}
    with httpx.Client(timeout=30) as http:
        for name in ORDER:
            body, signature = payloads[name]
            response = http.post(url, content=body, headers={
                "Content-Type": "application/json", "x-twitter-webhooks-signature": signature})
            assert response.status_code == 200, (name, response.text)
            answers[name] = response.json()["event_id"]

    messages = messages_by_provider_id(api)
    mention = messages["1065035365336141825"]
    assert mention["direction"] == "in" and mention["public"] is True
    assert mention["text"].startswith("@znuny Lorem ipsum dolor sit amet")
    assert mention["text"].endswith("no sea takimata sanctus est Lore")  # extended_tweet.full_text

    # The brand's own standalone tweet answers nobody: an echo outside any conversation.
    brand_tweet = event_result(api, answers["webhook1_tweet.json"])
    assert brand_tweet["status"] == "ignored"
    assert "1063212927510081536" not in messages

    dm1, dm2 = messages["1063077238797725700"], messages["1063077238797725701"]
    echo = messages["1062015437679050760"]
    assert dm1["conversation"] == dm2["conversation"] == echo["conversation"] != mention["conversation"]
    assert (dm1["direction"], dm2["direction"], echo["direction"]) == ("in", "in", "out")
    assert dm1["text"] == "Hello Zammad #zammad @znuny\n\nYeah!"
    assert [a["url"] for a in dm1["attachments"]] == [
        "https://ton.twitter.com/1.1/ton/data/dm/1063077238797725700/1063077198536556545/9FZgsMdV.jpg"]
    assert echo["text"] == "Hey! Hello!"

    conversations = {c["id"]: c for c in api.get("/api/v1/conversations").json()["results"]}
    assert len(conversations) == 2
    assert conversations[mention["conversation"]]["public"] is True
    assert conversations[dm1["conversation"]]["public"] is False
    assert conversations[dm1["conversation"]]["messages_count"] == 3


def test_captured_signature_rejected_for_other_secret(client, make_channel):
    channel = make_channel("twitter", {"user_id": "123", "consumer_secret": "not-DDD"})
    body, signature = captured()["webhook2_tweet.json"]
    response = client.post(f"/hooks/twitter/{channel.pk}", body, content_type="application/json",
                           headers={"x-twitter-webhooks-signature": signature})
    assert response.status_code == 401
