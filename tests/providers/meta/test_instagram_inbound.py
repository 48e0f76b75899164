"""Instagram webhooks (DMs, comments, mentions) through the real endpoint and pipeline."""

from __future__ import annotations

import pytest

from .meta_hooks import cases

IG = cases("instagram_cases.json")


def test_dm_opens_a_private_conversation_for_the_instagram_identity(hook, api, instagram, find_message):
    event = hook(instagram, IG["dm"])
    assert event["status"] == "done", event
    message = find_message("aWdfZAG1fake_dm_1")
    assert message["text"] == "Is the blue jacket back in stock?"
    conversation = api.get(f"/api/v1/conversations/{message['conversation']}").json()
    assert conversation["public"] is False
    identity = api.get(f"/api/v1/contacts/{conversation['contact']}").json()["identities"][0]
    assert (identity["kind"], identity["handle"]) == ("instagram", "3300000000000001")


def test_story_reply_share_and_unsupported_messages_read_sensibly(hook, instagram, find_message):
    for case in ("dm", "story_reply", "share", "unsupported"):
        hook(instagram, IG[case])
    assert find_message("aWdfZAG1fake_story_1")["text"] == "Love this!"
    assert find_message("aWdfZAG1fake_share_1")["text"] == "Shared a post: https://www.instagram.com/p/Cfake/"
    assert "Unsupported message" in find_message("aWdfZAG1fake_unsup_1")["text"]
    conversations = {find_message(m)["conversation"] for m in
                     ("aWdfZAG1fake_dm_1", "aWdfZAG1fake_story_1", "aWdfZAG1fake_share_1")}
    assert len(conversations) == 1


def test_deleted_message_is_ignored_and_the_copy_kept(hook, instagram, find_message):
    hook(instagram, IG["dm"])
    event = hook(instagram, IG["deleted"])
    assert event["status"] == "ignored"
    assert "deleted" in event["result"]["ignored"][0]
    assert find_message("aWdfZAG1fake_dm_1")["text"] == "Is the blue jacket back in stock?"


def test_echo_then_read_receipt_marks_the_brand_message_read(hook, instagram, find_message):
    hook(instagram, IG["dm"])
    hook(instagram, IG["echo"])
    echo = find_message("aWdfZAG1fake_echo_1")
    assert echo["direction"] == "out" and echo["author"] == "Acme Instagram"
    event = hook(instagram, IG["read"])
    assert event["result"]["statuses"] == 1
    assert find_message("aWdfZAG1fake_echo_1")["delivery_status"] == "read"


def test_comment_opens_a_public_conversation_and_replies_join_it(hook, api, instagram, find_message):
    hook(instagram, IG["comment"])
    comment = find_message("17900000000000001")
    assert comment["public"] is True and comment["author"] == "maya.travels"
    assert api.get(f"/api/v1/conversations/{comment['conversation']}").json()["public"] is True
    hook(instagram, IG["comment_reply"])
    reply = find_message("17900000000000002")
    assert reply["conversation"] == comment["conversation"]
    hook(instagram, IG["own_comment"])
    own = find_message("17900000000000010")
    assert own["direction"] == "out" and own["conversation"] == comment["conversation"]


@pytest.mark.parametrize("case, reason", [
    ("story_insights", "'story_insights' is not handled"),
])
def test_notifications_without_a_customer_message_are_ignored(hook, api, instagram, case, reason):
    event = hook(instagram, IG[case])
    assert event["status"] == "ignored"
    assert any(reason in r for r in event["result"]["ignored"]), event["result"]
    assert api.get("/api/v1/conversations").json()["count"] == 0


def test_a_mention_that_carries_text_and_author_is_a_public_message(hook, instagram, find_message):
    payload = {"object": "instagram", "entry": [{"id": "17841400000000001", "time": 1700002000, "changes": [
        {"field": "mentions", "value": {"comment_id": "17900000000000050", "media_id": "18000000000000999",
                                        "text": "@acme where is my refund?",
                                        "from": {"id": "3300000000000009", "username": "sam"}}}]}]}
    hook(instagram, payload)
    mention = find_message("17900000000000050")
    assert mention["public"] is True and mention["text"] == "@acme where is my refund?"
