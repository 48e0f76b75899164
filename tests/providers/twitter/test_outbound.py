"""Agent replies through the REST API, delivered to a loopback fake of the Twitter v2 API."""

import json
import time

import pytest

from heedful.channels.providers.twitter.fake import TOO_MANY
from heedful.core.clock import now
from heedful.outbound.actions import sweep
from heedful.outbound.models import DeliveryAttempt, OutboundMessage

from .conftest import (
    BRAND,
    dumps,
    fixture_bytes,
    messages_by_provider_id,
    post_fixture,
    signed_post,
)

MENTION = "1900000000000000001"


@pytest.fixture
def public_conversation(api, channel):
    post_fixture(api, channel, "mention_tweet.json")
    return api.get("/api/v1/conversations").json()["results"][0]


@pytest.fixture
def dm_conversation(api, channel):
    post_fixture(api, channel, "dm_inbound.json")
    return api.get("/api/v1/conversations").json()["results"][0]


def reply(api, conversation, text="Sorry about this, Ann. We are checking now.", **extra):
    return api.post(f"/api/v1/conversations/{conversation['id']}/messages", {"text": text, **extra},
                    content_type="application/json")


def sent_message(api, conversation):
    listing = api.get(f"/api/v1/conversations/{conversation['id']}/messages").json()["results"]
    return [m for m in listing if m["direction"] == "out"]


def test_public_reply_is_a_signed_v2_reply_tweet(api, public_conversation, twitter_api):
    assert reply(api, public_conversation).status_code == 201
    [request] = twitter_api.requests_to("POST", r"^/2/tweets$")
    assert request.json() == {"text": "Sorry about this, Ann. We are checking now.",
                              "reply": {"in_reply_to_tweet_id": MENTION}}
    assert twitter_api.signature_ok(request)
    assert request.headers["authorization"].startswith("OAuth ")
    assert f'oauth_consumer_key="{BRAND["consumer_key"]}"' in request.headers["authorization"]
    assert request.headers["x-idempotency-key"] == OutboundMessage.objects.get().idempotency_key
    [message] = sent_message(api, public_conversation)
    assert message["delivery_status"] == "sent"
    assert message["provider_message_id"] == twitter_api.tweets[0]["id"]


def test_echo_of_our_own_reply_is_not_stored_twice(api, channel, public_conversation, twitter_api):
    reply(api, public_conversation)
    tweet_id = twitter_api.tweets[0]["id"]
    echo = json.loads(fixture_bytes("brand_reply_tweet.json"))
    echo["tweet_create_events"][0]["id_str"] = tweet_id
    assert signed_post(api, channel, dumps(echo)).status_code == 200
    assert len(sent_message(api, public_conversation)) == 1


def test_reply_in_a_dm_conversation_is_a_direct_message(api, dm_conversation, twitter_api):
    reply(api, dm_conversation, "Thanks, refund issued.")
    [request] = twitter_api.requests_to("POST", r"^/2/dm_conversations/with/1111/messages$")
    assert request.json() == {"text": "Thanks, refund issued."}
    assert twitter_api.signature_ok(request)
    assert not twitter_api.requests_to("POST", r"^/2/tweets$")
    [message] = sent_message(api, dm_conversation)
    assert message["delivery_status"] == "sent"
    assert message["provider_message_id"] == twitter_api.dm_events[0]["id"]


def test_move_to_private_sends_a_dm_pointing_at_the_tweet(api, channel, public_conversation, twitter_api):
    response = api.post(f"/api/v1/conversations/{public_conversation['id']}/move-to-private",
                        {"text": "Could you send us your order number here?"},
                        content_type="application/json")
    assert response.status_code == 201
    [ack] = twitter_api.requests_to("POST", r"^/2/tweets$")
    assert ack.json()["reply"] == {"in_reply_to_tweet_id": MENTION}
    [dm] = twitter_api.requests_to("POST", r"^/2/dm_conversations/with/1111/messages$")
    assert dm.json()["text"] == ("Could you send us your order number here?\n\n"
                                 f"https://twitter.com/i/web/status/{MENTION}")
    conversation = api.get(f"/api/v1/conversations/{public_conversation['id']}").json()
    assert conversation["public"] is False
    # The customer's DM answer continues the same conversation.
    post_fixture(api, channel, "dm_inbound.json")
    assert messages_by_provider_id(api)["1900000000000000100"]["conversation"] == conversation["id"]
    assert api.get("/api/v1/conversations").json()["count"] == 1


def test_rate_limit_is_retried_after_retry_after(api, public_conversation, twitter_api):
    twitter_api.rate_limit_next(retry_after=1)
    started = time.monotonic()
    reply(api, public_conversation)  # jobs run inline: the retry waits Retry-After, then sends
    assert time.monotonic() - started >= 1.0
    assert len(twitter_api.requests_to("POST", r"^/2/tweets$")) == 2
    assert len(twitter_api.tweets) == 1
    outcomes = list(DeliveryAttempt.objects.order_by("number").values_list("outcome", flat=True))
    assert outcomes == ["retry", "sent"]
    assert sent_message(api, public_conversation)[0]["delivery_status"] == "sent"


def test_rate_limit_reset_header_sets_the_next_attempt(api, public_conversation, twitter_api):
    twitter_api.fail_next(429, TOO_MANY, {"x-rate-limit-reset": str(int(time.time()) + 300)})
    reply(api, public_conversation)
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "queued"
    assert 240 <= (outbound.next_attempt_at - now()).total_seconds() <= 301
    assert len(twitter_api.requests_to("POST", r"^/2/tweets$")) == 1


def test_expired_token_marks_channel_needs_reauth(api, channel, public_conversation, twitter_api):
    twitter_api.expire_token_next()
    reply(api, public_conversation)
    [message] = sent_message(api, public_conversation)
    assert message["delivery_status"] == "failed"
    assert "Invalid or expired token" in message["delivery_error"]
    assert api.get(f"/api/v1/channels/{channel.pk}").json()["status"] == "needs_reauth"
    sweep()
    assert len(twitter_api.requests_to("POST", r"^/2/tweets$")) == 1


def test_bad_signature_is_refused_and_needs_reauth(api, channel, public_conversation, twitter_api):
    channel.credentials = {**channel.credentials, "access_token_secret": "revoked"}
    channel.save()
    reply(api, public_conversation)
    assert twitter_api.tweets == []
    assert api.get(f"/api/v1/channels/{channel.pk}").json()["status"] == "needs_reauth"


def test_refusal_is_permanent_with_the_providers_detail(api, public_conversation, twitter_api):
    twitter_api.fail_next(403, {"title": "Forbidden", "type": "about:blank", "status": 403,
                                "detail": "You are not allowed to create a Tweet with duplicate content."})
    reply(api, public_conversation)
    [message] = sent_message(api, public_conversation)
    assert message["delivery_status"] == "failed"
    assert "duplicate content" in message["delivery_error"]
    OutboundMessage.objects.update(next_attempt_at=now())
    sweep()
    assert len(twitter_api.requests_to("POST", r"^/2/tweets$")) == 1  # never sent twice


def test_server_error_is_temporary(api, public_conversation, twitter_api):
    twitter_api.fail_next(503, {"title": "Service Unavailable", "status": 503})
    reply(api, public_conversation)
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "queued" and "503" in outbound.last_error
    OutboundMessage.objects.update(next_attempt_at=now())
    sweep()
    assert sent_message(api, public_conversation)[0]["delivery_status"] == "sent"
    assert len(twitter_api.tweets) == 1


def test_unreachable_api_is_temporary(api, channel, public_conversation, twitter_api):
    twitter_api.stop()
    channel.settings = {"api_base_url": twitter_api.base_url}
    reply(api, public_conversation)
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "queued" and "could not reach" in outbound.last_error


def test_public_reply_longer_than_a_tweet_is_refused(api, public_conversation, twitter_api):
    response = reply(api, public_conversation, "x" * 281)
    assert response.status_code == 400
    assert twitter_api.requests == []
