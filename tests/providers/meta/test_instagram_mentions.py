"""Instagram mentions, story replies, story mentions and comments: signed webhooks through the real
endpoint and pipeline, the mention's Graph read against the local Graph API fake.

A mention webhook names only ids; the text and author arrive by a Graph read that a job makes
after the pipeline's commit. These tests replay the documented payloads and check the
conversations (public or private), the read itself, its retries and its idempotency.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection

from heedful.channels.models import Channel
from heedful.channels.providers.meta import graph_client
from heedful.conversations.models import Attachment, Conversation, Message
from heedful.ingestion import actions, lookups
from heedful.ingestion.models import DetailLookup

from .meta_hooks import IG_USER_ID, PAGE_TOKEN, cases, fresh

IG = cases("instagram_mentions.json")
COMMENT_ID, CAPTION_MEDIA = "17894227972186120", "17920112008063024"


@pytest.fixture
def mentioned(graph):
    """The Graph fake knows the mentioned comment and the captioned media of the fixtures."""
    graph.add_mention("comment", COMMENT_ID, IG["graph_comment"])
    graph.add_mention("media", CAPTION_MEDIA, IG["graph_media"])
    return graph


def conversation_of(find_message, pid) -> Conversation:
    return Conversation.objects.get(pk=find_message(pid)["conversation"])


def test_a_comment_mention_is_read_from_graph_and_lands_as_a_public_conversation(
        hook, mentioned, instagram, find_message):
    event = hook(instagram, IG["mention_comment"])
    assert event["status"] == "done" and event["result"]["lookups"] == 1, event
    message = find_message(COMMENT_ID)
    assert message["text"] == "@acme my order #8812 arrived broken, nobody answers email"
    assert message["public"] is True and message["author"] == "lena.k" and message["direction"] == "in"
    assert message["sent_at"].startswith("2023-11-14T22:30:00")
    conversation = conversation_of(find_message, COMMENT_ID)
    assert conversation.public is True
    identity = conversation.contact.identities.get()
    assert (identity.kind, identity.handle, identity.username) == ("instagram", "@lena.k", "lena.k")
    (read,) = mentioned.reads()
    assert read.path == f"/v21.0/{IG_USER_ID}"
    assert read.query["fields"][0].startswith(f"mentioned_comment.comment_id({COMMENT_ID}){{id,text,timestamp")
    assert read.headers["authorization"] == f"Bearer {PAGE_TOKEN}" and "access_token" not in read.query
    stored = Message.objects.get(provider_message_id=COMMENT_ID).metadata
    assert stored["meta_kind"] == "mention" and stored["media_id"] == "17918195224117851"
    assert stored["engagement"] == {"likes": 14}


def test_a_caption_mention_keeps_the_caption_the_image_and_the_author(hook, mentioned, instagram, find_message):
    hook(instagram, IG["mention_caption"])
    message = find_message(CAPTION_MEDIA)
    assert message["text"] == "Unboxing my new @acme jacket, the zip broke on day one"
    assert message["public"] is True and message["author"] == "Omar.Rides"
    assert list(Attachment.objects.filter(message__provider_message_id=CAPTION_MEDIA)
                .values_list("remote_url", "content_type")) == [(IG["graph_media"]["media_url"], "image/jpeg")]
    assert conversation_of(find_message, CAPTION_MEDIA).contact.identities.get().handle == "@omar.rides"
    assert mentioned.reads()[0].query["fields"][0].startswith(f"mentioned_media.media_id({CAPTION_MEDIA}){{")


def test_the_graph_read_happens_after_the_pipeline_committed(hook, mentioned, instagram, find_message, monkeypatch):
    seen = []
    real_get = graph_client.get

    def watched(*args, **kwargs):
        seen.append(connection.in_atomic_block)
        return real_get(*args, **kwargs)

    monkeypatch.setattr(graph_client, "get", watched)
    hook(instagram, IG["mention_comment"])
    assert seen == [False], "the mention was read inside a transaction"
    assert find_message(COMMENT_ID) is not None


def test_a_redelivered_or_repeated_mention_is_read_once_and_stored_once(hook, post_hook, mentioned, instagram,
                                                                        find_message):
    hook(instagram, IG["mention_comment"])
    again = post_hook(instagram, IG["mention_comment"])  # the same body: the same event
    assert again.status_code == 200 and again.json()["duplicate"] is True
    other_body = hook(instagram, IG["mention_comment_again"])  # another body naming the same comment
    assert other_body["status"] == "ignored" and "lookups" not in other_body["result"]
    assert other_body["result"]["ignored"] == [f"mention:comment:{COMMENT_ID} was already looked up "
                                               "(a repeated notification)"]
    assert len(mentioned.reads()) == 1
    assert Message.objects.filter(provider_message_id=COMMENT_ID).count() == 1
    assert DetailLookup.objects.get().status == "done"


def test_a_rate_limited_read_is_retried_and_then_lands(hook, mentioned, instagram, find_message):
    mentioned.rate_limit(retry_after=1)
    hook(instagram, IG["mention_comment"])
    lookup = DetailLookup.objects.get()
    assert (lookup.status, lookup.attempts) == ("done", 2)
    assert len(mentioned.reads()) == 2
    assert find_message(COMMENT_ID)["public"] is True


def test_a_deleted_mention_fails_its_lookup_with_the_reason_and_opens_nothing(hook, api, mentioned, instagram):
    event = hook(instagram, IG["mention_deleted"])
    assert event["status"] == "done"
    lookup = DetailLookup.objects.get()
    assert lookup.status == "failed" and "does not exist" in lookup.last_error
    assert api.get("/api/v1/conversations").json()["count"] == 0


def test_an_expired_token_fails_the_lookup_and_marks_the_channel(hook, mentioned, instagram):
    mentioned.expire_token()
    hook(instagram, IG["mention_comment"])
    assert DetailLookup.objects.get().status == "failed"
    assert Channel.objects.get(pk=instagram.pk).status == "needs_reauth"


def test_the_sweeper_fetches_a_lookup_whose_job_was_lost(hook, mentioned, instagram, find_message, monkeypatch):
    monkeypatch.setattr(lookups, "jobs", SimpleNamespace(enqueue=lambda *args: None))  # the broker lost it
    event = hook(instagram, IG["mention_comment"])
    assert event["result"]["lookups"] == 1 and find_message(COMMENT_ID) is None
    monkeypatch.undo()
    actions.sweep()
    assert DetailLookup.objects.get().status == "done"
    assert find_message(COMMENT_ID)["public"] is True


def test_an_answer_to_a_mention_goes_to_the_mentions_edge_and_never_privately(
        hook, api, mentioned, instagram, find_message):
    hook(instagram, fresh(IG["mention_comment"]))
    conversation = find_message(COMMENT_ID)["conversation"]
    response = api.post(f"/api/v1/conversations/{conversation}/messages", {"text": "Lena, so sorry: DM us?"},
                        content_type="application/json")
    assert response.status_code == 201, response.content
    (sent,) = mentioned.sent("mentions")
    assert sent.path == f"/v21.0/{IG_USER_ID}/mentions"
    assert sent.json() == {"media_id": "17918195224117851", "comment_id": COMMENT_ID,
                           "message": "Lena, so sorry: DM us?"}
    refused = api.post(f"/api/v1/conversations/{conversation}/move-to-private", {"text": "Order number?"},
                       content_type="application/json")
    assert refused.status_code == 400 and "private reply to a mention" in refused.json()["detail"]


def test_story_mentions_and_replies_are_private_messages_and_comments_are_public(
        hook, instagram, find_message):
    hook(instagram, IG["story_mention"])
    hook(instagram, IG["story_reply"])
    hook(instagram, IG["comment_on_brand_media"])
    mention, reply = find_message("aWdfZAG1fake_story_mention_1"), find_message("aWdfZAG1fake_story_reply_1")
    assert mention["text"].startswith("Mentioned you in their story: https://lookaside.fbsbx.com/")
    assert reply["text"] == "Is this jacket back in stock?"
    assert mention["public"] is False and reply["public"] is False
    assert mention["conversation"] == reply["conversation"]
    dm = Conversation.objects.get(pk=mention["conversation"])
    assert dm.public is False and dm.thread_key == "igsid:3300000000000021"
    stories = [Message.objects.get(provider_message_id=m).metadata["story"]
               for m in ("aWdfZAG1fake_story_mention_1", "aWdfZAG1fake_story_reply_1")]
    assert stories[0]["kind"] == "mention" and "asset_id=17900000000000777" in stories[0]["url"]
    assert stories[1] == {"kind": "reply", "id": "17900000000000888",
                          "url": IG["story_reply"]["entry"][0]["messaging"][0]["message"]["reply_to"]["story"]["url"]}
    comment = find_message("17900000000000301")
    assert comment["public"] is True and comment["author"] == "maya.travels"
    assert Conversation.objects.get(pk=comment["conversation"]).public is True
    assert comment["conversation"] != mention["conversation"]
