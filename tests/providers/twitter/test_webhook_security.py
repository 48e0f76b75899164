"""CRC challenge and payload signatures on /hooks/twitter/<channel>."""

import json

from heedful.channels.providers.twitter.signing import (
    SIGNATURE_HEADER,
    crc_response_token,
    webhook_signature,
)
from heedful.conversations.models import Conversation
from heedful.ingestion.models import InboundEvent
from tests.conftest import shared_data

from .conftest import fixture_bytes, signed_post

SHARED = ("webhooks", "twitter_account_activity")


def test_crc_documented_vector():
    # The vector published with the Account Activity API examples.
    assert crc_response_token("DDD", "some_random") == "sha256=VE19eUk6krbdSqWPdvH71xtFhApBAU81uPW3UT65vOs="


def test_crc_answer_over_http(client, make_channel):
    channel = make_channel("twitter", {"user_id": "123", "consumer_secret": "DDD"})
    response = client.get(f"/hooks/twitter/{channel.pk}", {"crc_token": "some_random"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"response_token": "sha256=VE19eUk6krbdSqWPdvH71xtFhApBAU81uPW3UT65vOs="}


def test_crc_without_token_is_rejected(client, channel):
    assert client.get(f"/hooks/twitter/{channel.pk}").status_code == 400


def test_signature_reproduces_captured_vectors():
    vectors = json.loads(shared_data(*SHARED, "signature_test_vectors.json").read_text())
    assert vectors["signature_header"] == SIGNATURE_HEADER
    checked = 0
    for case in vectors["cases"]:
        if case.get("raw_body_file"):
            body = shared_data(*SHARED, case["raw_body_file"]).read_bytes()
        else:
            body = case["raw_body_inline"].encode()
        assert webhook_signature(vectors["consumer_secret"], body) == case["expected_signature"], case
        checked += 1
    assert checked == 6


def test_valid_signature_is_accepted_and_stored(client, channel):
    response = signed_post(client, channel, fixture_bytes("mention_tweet.json"))
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert InboundEvent.objects.count() == 1 and Conversation.objects.count() == 1


def test_missing_signature_is_401_and_nothing_stored(client, channel):
    response = client.post(f"/hooks/twitter/{channel.pk}", fixture_bytes("mention_tweet.json"),
                           content_type="application/json")
    assert response.status_code == 401
    assert InboundEvent.objects.count() == 0


def test_wrong_secret_is_401_and_nothing_stored(client, channel):
    response = signed_post(client, channel, fixture_bytes("mention_tweet.json"), secret="not-the-secret")
    assert response.status_code == 401
    assert InboundEvent.objects.count() == 0 and Conversation.objects.count() == 0


def test_signature_covers_exact_bytes(client, channel):
    body = fixture_bytes("mention_tweet.json")
    headers = {SIGNATURE_HEADER: webhook_signature(channel.credential("consumer_secret"), body)}
    tampered = body.replace(b"3 weeks", b"4 weeks")
    response = client.post(f"/hooks/twitter/{channel.pk}", tampered, content_type="application/json",
                           headers=headers)
    assert response.status_code == 401


def test_replayed_payload_creates_nothing_new(client, channel):
    first = signed_post(client, channel, fixture_bytes("mention_tweet.json")).json()
    again = signed_post(client, channel, fixture_bytes("mention_tweet.json")).json()
    assert again["duplicate"] is True and again["event_id"] == first["event_id"]
    assert InboundEvent.objects.count() == 1 and Conversation.objects.count() == 1
