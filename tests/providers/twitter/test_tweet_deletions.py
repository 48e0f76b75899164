"""Compliance: a `tweet_delete_events` payload removes the deleted tweet's text and media from
everything Heedful stored (message, search, attachments, the raw webhook body) and leaves a stub;
replays neither bring the text back nor audit twice. Captured-format fixtures, signed webhooks."""

from __future__ import annotations

from .conftest import (
    event_result,
    fixture_bytes,
    messages_by_provider_id,
    post_fixture,
    signed_post,
)

TWEET = "1900000000000000001"  # mention_tweet.json, by @ann_k (1111), with a photo and a video
STUB = "Deleted by the author on X."


def _deletion_audits(api):
    return api.get("/api/v1/audit", {"action": "message.deleted_by_author"}).json()["results"]


def test_a_deleted_tweet_leaves_only_a_stub(api, channel):
    created = post_fixture(api, channel, "mention_tweet.json")
    before = messages_by_provider_id(api)[TWEET]
    assert "refund" in before["text"] and len(before["attachments"]) == 2
    assert event_result(api, created["event_id"])["size"] > 0
    assert api.get("/api/v1/conversations", {"q": "refund"}).json()["count"] == 1

    deleted = post_fixture(api, channel, "tweet_delete.json")
    event = event_result(api, deleted["event_id"])
    assert event["status"] == "done" and event["result"]["deletions"] == 1

    after = messages_by_provider_id(api)[TWEET]
    assert after["text"] == STUB and after["html"] == "" and after["attachments"] == []
    conversation = api.get(f"/api/v1/conversations/{after['conversation']}").json()
    assert "refund" not in conversation["subject"] and "refund" not in conversation["preview"]
    assert api.get("/api/v1/conversations", {"q": "refund"}).json()["count"] == 0  # the search index
    assert event_result(api, created["event_id"])["size"] == 0  # the raw Account Activity body
    (audit,) = _deletion_audits(api)
    assert audit["object_id"] == str(after["id"]) and audit["detail"]["attachments"] == 2
    assert "refund" not in str(audit["detail"])


def test_replays_neither_restore_the_text_nor_audit_twice(api, channel):
    post_fixture(api, channel, "mention_tweet.json")
    deletion = post_fixture(api, channel, "tweet_delete.json")
    replayed = post_fixture(api, channel, "mention_tweet.json")  # X redelivers the original
    assert event_result(api, replayed["event_id"])["result"]["duplicates"] == 1
    first = post_fixture(api, channel, "tweet_delete.json")
    assert first["event_id"] == deletion["event_id"]  # the same delivery is stored once
    # X sends the deletion again in another payload: nothing left to remove
    body = fixture_bytes("tweet_delete.json").replace(b"1772446620000", b"1772446625000")
    again = signed_post(api, channel, body).json()
    assert again["event_id"] != deletion["event_id"]
    assert event_result(api, again["event_id"])["result"]["duplicates"] == 1
    messages = messages_by_provider_id(api)
    assert messages[TWEET]["text"] == STUB and len(messages) == 1
    assert len(_deletion_audits(api)) == 1


def test_only_the_author_deletes_their_tweet(api, channel):
    post_fixture(api, channel, "mention_tweet.json")
    forged = post_fixture(api, channel, "tweet_delete_other_author.json")
    event = event_result(api, forged["event_id"])
    assert event["status"] == "ignored" and "another author" in event["result"]["ignored"][0]
    assert "refund" in messages_by_provider_id(api)[TWEET]["text"]
    assert _deletion_audits(api) == []
