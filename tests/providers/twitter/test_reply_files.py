"""Files on X replies: uploaded to the media endpoint, then a DM naming the media id; never on a
public reply. The fake checks the upload, its OAuth signature and that the DM names a known id."""

from __future__ import annotations

import base64

import pytest

from heedful.outbound.actions import sweep
from heedful.outbound.models import OutboundMessage

from .conftest import post_fixture

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def dm_conversation(api, channel):
    post_fixture(api, channel, "dm_inbound.json")
    return api.get("/api/v1/conversations").json()["results"][0]


@pytest.fixture
def public_conversation(api, channel):
    post_fixture(api, channel, "mention_tweet.json")
    return api.get("/api/v1/conversations").json()["results"][0]


def reply(api, conversation, text="Here is the label.", files=(("label.png", "image/png", PNG),)):
    body = {"text": text, "attachments": [
        {"filename": n, "content_type": t, "content_base64": base64.b64encode(c).decode()} for n, t, c in files]}
    return api.post(f"/api/v1/conversations/{conversation['id']}/messages", body, content_type="application/json")


def test_a_dm_with_an_image_uploads_it_then_names_the_media_id(api, dm_conversation, twitter_api):
    response = reply(api, dm_conversation)
    assert response.status_code == 201, response.content
    [upload] = twitter_api.requests_to("POST", r"^/2/media/upload$")
    assert twitter_api.signature_ok(upload)
    [(media_id, media)] = twitter_api.media.items()
    assert (media["category"], media["content_type"], media["content"]) == ("dm_image", "image/png", PNG)
    [dm] = twitter_api.requests_to("POST", r"^/2/dm_conversations/with/1111/messages$")
    assert dm.json() == {"text": "Here is the label.", "attachments": [{"media_id": media_id}]}
    [out] = [m for m in api.get(f"/api/v1/conversations/{dm_conversation['id']}/messages").json()["results"]
             if m["direction"] == "out"]
    assert out["delivery_status"] == "sent" and out["attachments"][0]["filename"] == "label.png"


def test_a_failed_dm_is_retried_without_uploading_the_file_again(api, dm_conversation, twitter_api):
    # The upload succeeds; the DM itself then meets a 503 (as a crash after the upload would).
    original = twitter_api._send_dm
    calls = []

    def flaky(request, match):
        calls.append(request)
        if len(calls) == 1:
            from heedful.devtools.fakeserver import Reply
            return Reply(503, {"title": "Service Unavailable", "detail": "Over capacity", "status": 503})
        return original(request, match)

    twitter_api._routes = [(m, p, flaky if h == original else h) for m, p, h in twitter_api._routes]
    assert reply(api, dm_conversation).status_code == 201
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "queued" and list(outbound.progress) == [f"twitter-media:a{outbound.payload['attachments'][0]['id']}"]
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=outbound.created_at)
    sweep()
    assert len(twitter_api.requests_to("POST", r"^/2/media/upload$")) == 1
    assert len(twitter_api.dm_events) == 1
    assert calls[0].json() == calls[1].json()  # the same media id both times
    outbound.refresh_from_db()
    assert outbound.status == "sent"


def test_files_on_a_public_reply_are_a_clear_422(api, public_conversation, twitter_api):
    response = reply(api, public_conversation)
    assert response.status_code == 422
    assert "public reply on X cannot carry files" in response.json()["detail"]
    assert not twitter_api.requests and not OutboundMessage.objects.exists()


@pytest.mark.parametrize("files, says", [
    ((("a.png", "image/png", PNG), ("b.png", "image/png", PNG)), "at most 1 file"),
    ((("clip.mp4", "video/mp4", b"\x00" * 10),), "does not accept video/mp4"),
    ((("big.png", "image/png", b"\x00" * (5 * 1024 * 1024 + 1)),), "at most 5.0 MB"),
])
def test_dm_file_limits_are_checked_before_queueing(api, dm_conversation, twitter_api, files, says):
    response = reply(api, dm_conversation, files=files)
    assert response.status_code == 422
    assert says in response.json()["detail"]
    assert not twitter_api.requests and not OutboundMessage.objects.exists()
