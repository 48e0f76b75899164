"""Facebook Page webhooks (Messenger and page feed) through the real endpoint and pipeline."""

from __future__ import annotations

import pytest

from .meta_hooks import cases

FB = cases("facebook_cases.json")


def test_text_message_opens_a_private_conversation(hook, api, facebook, find_message):
    event = hook(facebook, FB["text"])
    assert event["status"] == "done", event
    assert len(event["result"]["created"]) == 1
    message = find_message("m_fb_text_1")
    assert message["direction"] == "in"
    assert message["text"] == "My order #1234 never arrived"
    assert message["sent_at"].startswith("2023-11-14T22:13:20")
    conversation = api.get(f"/api/v1/conversations/{message['conversation']}").json()
    assert conversation["public"] is False
    contact = api.get(f"/api/v1/contacts/{conversation['contact']}").json()
    assert {"kind": "facebook", "handle": "6100000000000001"}.items() <= contact["identities"][0].items()


def test_later_messages_from_the_same_person_join_the_conversation(hook, facebook, find_message):
    hook(facebook, FB["text"])
    hook(facebook, FB["quick_reply"])
    hook(facebook, FB["media"])
    first, quick, media = (find_message(m) for m in ("m_fb_text_1", "m_fb_quick_1", "m_fb_media_1"))
    assert first["conversation"] == quick["conversation"] == media["conversation"]
    assert quick["text"] == "Track my order"
    assert quick["reply_to_provider_id"] == "m_fb_text_1"


def test_attachments_keep_web_links_only(hook, facebook, find_message):
    hook(facebook, FB["media"])
    message = find_message("m_fb_media_1")
    urls = [a["url"] for a in message["attachments"]]
    assert urls == ["https://scontent.example.com/v/t1/receipt.jpg?stp=1",
                    "https://cdn.example.com/files/invoice.pdf"]
    assert [a["content_type"] for a in message["attachments"]] == ["image/jpeg", "application/pdf"]
    assert "javascript" not in str(message)
    assert message["text"] == "[Image, File]"


def test_sticker_is_an_image_attachment(hook, facebook, find_message):
    hook(facebook, FB["sticker"])
    sticker = find_message("m_fb_sticker_1")
    assert sticker["attachments"][0]["url"].endswith("sticker.png")
    assert sticker["text"] == "[Sticker]"


def test_echo_of_a_page_message_is_stored_as_outgoing(hook, facebook, find_message):
    hook(facebook, FB["text"])
    event = hook(facebook, FB["echo"])
    assert len(event["result"]["created"]) == 1
    echo = find_message("m_fb_echo_1")
    assert echo["direction"] == "out"
    assert echo["author"] == "Acme Page"
    assert echo["conversation"] == find_message("m_fb_text_1")["conversation"]


def test_echo_without_a_conversation_opens_nothing(hook, api, facebook):
    event = hook(facebook, FB["echo"])
    assert event["status"] == "ignored"
    assert api.get("/api/v1/conversations").json()["count"] == 0


def test_postback_becomes_a_message_with_the_button_title(hook, facebook, find_message):
    hook(facebook, FB["postback"])
    assert find_message("m_fb_postback_1")["text"] == "Talk to a person"


def test_top_level_comment_opens_a_public_conversation(hook, api, facebook, find_message):
    event = hook(facebook, FB["comment"])
    assert event["status"] == "done"
    comment = find_message("777_9001")
    assert comment["public"] is True
    assert comment["author"] == "Ann Kowalski"
    assert comment["reply_to_provider_id"] == "105550000000001_777"
    conversation = api.get(f"/api/v1/conversations/{comment['conversation']}").json()
    assert conversation["public"] is True


def test_each_customer_comment_on_a_brand_post_is_its_own_conversation(hook, facebook, find_message):
    hook(facebook, FB["comment"])
    hook(facebook, FB["second_top_comment"])
    assert find_message("777_9001")["conversation"] != find_message("777_9003")["conversation"]


def test_a_reply_to_a_comment_joins_that_comments_conversation(hook, facebook, find_message):
    hook(facebook, FB["comment"])
    hook(facebook, FB["comment_reply"])
    reply = find_message("777_9002")
    assert reply["conversation"] == find_message("777_9001")["conversation"]
    assert reply["reply_to_provider_id"] == "777_9001"


def test_a_comment_by_the_page_itself_is_an_echo(hook, facebook, find_message):
    hook(facebook, FB["comment"])
    hook(facebook, FB["page_comment"])
    echo = find_message("777_9010")
    assert echo["direction"] == "out" and echo["public"] is True
    assert echo["conversation"] == find_message("777_9001")["conversation"]


def test_a_visitor_post_on_the_page_is_a_public_message(hook, facebook, find_message):
    hook(facebook, FB["visitor_post"])
    post = find_message("105550000000001_888")
    assert post["public"] is True and post["author"] == "Dan Ruiz"


@pytest.mark.parametrize("case, reason", [
    ("reaction", "reaction"),
    ("like", "reactions and likes are not conversations"),
    ("comment_edited", "edits keep the text first received"),
    ("other_page", "not this channel's page"),
    ("ratings", "'ratings' is not handled"),
])
def test_events_that_are_not_messages_are_ignored_with_a_reason(hook, api, facebook, case, reason):
    event = hook(facebook, FB[case])
    assert event["status"] == "ignored"
    assert any(reason in r for r in event["result"]["ignored"]), event["result"]
    assert api.get("/api/v1/conversations").json()["count"] == 0


def test_a_batch_of_entries_keeps_every_message_in_order(hook, facebook, find_message):
    event = hook(facebook, FB["batched"])
    assert len(event["result"]["created"]) == 2
    first, second = find_message("m_fb_batch_1"), find_message("m_fb_batch_2")
    assert first["conversation"] == second["conversation"]
    assert first["sent_at"] < second["sent_at"]
