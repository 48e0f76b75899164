"""Account Activity payloads through the webhook: what agents see in conversations."""

import json

from heedful.conversations.models import Message
from heedful.web import inbox_query

from .conftest import (
    dumps,
    event_result,
    fixture_bytes,
    messages_by_provider_id,
    post_fixture,
    signed_post,
)

MENTION = "1900000000000000001"


def conversation_of(api, provider_message_id):
    results = api.get(f"/api/v1/messages?provider_message_id={provider_message_id}").json()["results"]
    assert len(results) == 1, results
    return results[0]


def test_mention_opens_public_conversation_with_full_plain_text(api, channel):
    post_fixture(api, channel, "mention_tweet.json")
    message = conversation_of(api, MENTION)
    assert message["direction"] == "in" and message["public"] is True
    # extended_tweet.full_text, entities unescaped, t.co expanded, media link dropped
    assert message["text"] == ("@heedfulhelp my order #A-981 & the refund <still> missing after 3 weeks, "
                               "nobody answers my emails. Tried phone too, 40 minutes on hold. "
                               "Details: https://example.com/orders/A-981")
    assert message["html"] == ""
    assert message["sent_at"].startswith("2026-03-02T09:15:00")
    urls = [a["url"] for a in message["attachments"]]
    assert urls == ["https://pbs.twimg.com/media/Fq1AbCdEfGh.jpg",
                    "https://video.twimg.com/ext_tw_video/1900000000000000051/pu/vid/1280x720/high.mp4?tag=12"]
    assert [a["content_type"] for a in message["attachments"]] == ["image/jpeg", "video/mp4"]
    conversation = api.get(f"/api/v1/conversations/{message['conversation']}").json()
    assert conversation["public"] is True and conversation["channel"] == channel.pk


def test_sender_identity_carries_reach(api, channel):
    post_fixture(api, channel, "mention_tweet.json")
    conversation = api.get(f"/api/v1/conversations/{conversation_of(api, MENTION)['conversation']}").json()
    contact = api.get(f"/api/v1/contacts/{conversation['contact']}").json()
    [twitter] = [i for i in contact["identities"] if i["kind"] == "twitter"]
    expected = {"handle": "1111", "username": "ann_k", "display_name": "Ann K",
                "followers_count": 25400, "verified": True}
    assert {k: twitter[k] for k in expected} == expected


def test_quote_and_engagement_are_kept(client, channel):
    post_fixture(client, channel, "mention_tweet.json")
    metadata = Message.objects.get(provider_message_id=MENTION).metadata
    assert metadata["quoted_tweet"]["id"] == "1899999999999999990"
    assert metadata["quoted_tweet"]["screen_name"] == "heedfulhelp"
    assert metadata["engagement"] == {"retweets": 14, "likes": 31, "replies": 5, "quotes": 2}


def awaiting(provider_message_id) -> bool:
    conversation = Message.objects.get(provider_message_id=provider_message_id).conversation
    return inbox_query.awaiting_reply(conversation)


def test_brand_reply_is_an_echo_and_customer_reply_threads(api, channel):
    post_fixture(api, channel, "mention_tweet.json")
    assert awaiting(MENTION)
    post_fixture(api, channel, "brand_reply_tweet.json")
    assert not awaiting(MENTION)  # the echo is the brand's answer, whoever sent it
    post_fixture(api, channel, "customer_reply_tweet.json")
    assert awaiting(MENTION)
    messages = messages_by_provider_id(api)
    root = messages[MENTION]["conversation"]
    echo = messages["1900000000000000002"]
    assert echo["conversation"] == root and echo["direction"] == "out"
    assert echo["text"].endswith("order A-981 right now & will update you here.")
    assert echo["reply_to_provider_id"] == MENTION
    reply = messages["1900000000000000003"]
    assert reply["conversation"] == root and reply["direction"] == "in"
    assert api.get("/api/v1/conversations").json()["count"] == 1


def test_same_customer_new_mention_is_a_new_conversation(api, channel):
    post_fixture(api, channel, "mention_tweet.json")
    body = json.loads(fixture_bytes("customer_reply_tweet.json"))
    body["tweet_create_events"][0].update(id_str="1900000000000000020", in_reply_to_status_id_str=None,
                                          text="@heedfulhelp another thing")
    assert signed_post(api, channel, dumps(body)).status_code == 200
    assert api.get("/api/v1/conversations").json()["count"] == 2


def test_retweet_and_like_update_engagement_only(api, channel):
    post_fixture(api, channel, "mention_tweet.json")
    retweet = post_fixture(api, channel, "retweet.json")
    result = event_result(api, retweet["event_id"])
    assert result["result"]["created"] == [] and result["result"]["engagements"] == 1
    assert "retweet" in result["result"]["ignored"][0]
    assert Message.objects.get(provider_message_id=MENTION).metadata["engagement"]["retweets"] == 15
    like = post_fixture(api, channel, "favorite.json")
    assert event_result(api, like["event_id"])["result"]["engagements"] == 1
    assert Message.objects.get(provider_message_id=MENTION).metadata["engagement"]["likes"] == 52
    assert Message.objects.count() == 1


def test_direct_messages_thread_by_customer_and_echo(api, channel):
    post_fixture(api, channel, "dm_inbound.json")
    post_fixture(api, channel, "dm_echo.json")
    messages = messages_by_provider_id(api)
    dm, echo = messages["1900000000000000100"], messages["1900000000000000102"]
    assert dm["public"] is False and dm["direction"] == "in"
    assert dm["text"] == "Here is my receipt & the order number A-981"
    assert [a["url"] for a in dm["attachments"]] == [
        "https://ton.twitter.com/1.1/ton/data/dm/1900000000000000100/1900000000000000101/receipt.png"]
    assert echo["conversation"] == dm["conversation"] and echo["direction"] == "out"
    assert echo["text"] == "Thanks Ann, refund issued > 3-5 days."
    conversation = api.get(f"/api/v1/conversations/{dm['conversation']}").json()
    assert conversation["public"] is False


def test_mark_read_marks_the_brand_dm_read(api, channel):
    post_fixture(api, channel, "dm_inbound.json")
    post_fixture(api, channel, "dm_echo.json")
    read = post_fixture(api, channel, "mark_read.json")
    assert event_result(api, read["event_id"])["result"]["statuses"] == 1
    assert messages_by_provider_id(api)["1900000000000000102"]["delivery_status"] == "read"


def test_other_events_are_ignored_with_reasons(api, channel):
    answer = post_fixture(api, channel, "other_events.json")
    event = event_result(api, answer["event_id"])
    assert event["status"] == "ignored"
    reasons = event["result"]["ignored"]
    # the fixture's deletion is of a tweet Heedful never stored
    assert sorted(r.split(":")[0] for r in reasons) == [
        "block_events", "deleted on the provider", "direct_message_indicate_typing_events", "follow_events"]
    assert api.get("/api/v1/conversations").json()["count"] == 0


def test_payload_for_another_account_is_ignored(api, channel):
    channel.credentials = {**channel.credentials, "user_id": "9999"}
    channel.save()
    answer = post_fixture(api, channel, "mention_tweet.json")
    assert "another account" in event_result(api, answer["event_id"])["result"]["ignored"][0]
    assert api.get("/api/v1/conversations").json()["count"] == 0


def test_unreadable_body_fails_visibly(api, channel):
    answer = signed_post(api, channel, b"not json").json()
    event = event_result(api, answer["event_id"])
    assert event["status"] == "failed" and "JSON" in event["last_error"]
