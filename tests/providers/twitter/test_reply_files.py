"""Files on X replies: uploaded to the media endpoint (images in one call, GIFs and videos
chunked, then polled while X processes them), then a tweet or DM naming the media ids. The fake
checks each upload, its OAuth signature, and that a tweet or DM names known, finished media."""

from __future__ import annotations

import base64
import time

import httpx
import pytest

from heedful.channels.providers.twitter.oauth import UserCredentials, authorization_header
from heedful.devtools.fakeserver import Reply
from heedful.outbound.actions import sweep
from heedful.outbound.models import OutboundMessage

from .conftest import BRAND, post_fixture

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x10" * 200
GIF = b"GIF89a" + b"\x00" * 64
MB = 1024 * 1024
# An MP4 starts with its `ftyp` box; 5 MB go up in two chunks (4 MB and the rest).
MP4 = (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(range(256)) * (5 * MB // 256))[:5 * MB]
MENTION = "1900000000000000001"
SERVICE_UNAVAILABLE = Reply(503, {"title": "Service Unavailable", "detail": "Over capacity", "status": 503})


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


def flaky(fake, handler_name: str, failures: int = 1) -> list:
    """Make the fake's route `handler_name` answer 503 `failures` times, then as usual; the
    requests it saw are returned (as a list that fills up)."""
    original, calls = getattr(fake, handler_name), []

    def handler(request, match):
        calls.append(request)
        return SERVICE_UNAVAILABLE if len(calls) <= failures else original(request, match)

    fake._routes = [(m, p, handler if h == original else h) for m, p, h in fake._routes]
    return calls


def retry_now(outbound: OutboundMessage) -> None:
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=outbound.created_at)
    sweep()
    outbound.refresh_from_db()


def chunked_requests(fake) -> dict[str, list]:
    return {"initialize": fake.requests_to("POST", r"^/2/media/upload/initialize$"),
            "append": fake.requests_to("POST", r"^/2/media/upload/\d+/append$"),
            "finalize": fake.requests_to("POST", r"^/2/media/upload/\d+/finalize$"),
            "status": fake.requests_to("GET", r"^/2/media/upload$"),
            "simple": fake.requests_to("POST", r"^/2/media/upload$")}


def test_a_public_reply_with_two_images_names_both_media_ids(api, public_conversation, twitter_api):
    response = reply(api, public_conversation, "Both labels.",
                     files=(("front.png", "image/png", PNG), ("back.jpg", "image/jpeg", JPEG)))
    assert response.status_code == 201, response.content
    uploads = twitter_api.requests_to("POST", r"^/2/media/upload$")
    assert len(uploads) == 2 and all(twitter_api.signature_ok(u) for u in uploads)
    assert [u.multipart()[0]["media_category"] for u in uploads] == ["tweet_image", "tweet_image"]
    front, back = twitter_api.media  # in upload order
    assert (twitter_api.media[front]["content"], twitter_api.media[back]["content"]) == (PNG, JPEG)
    [tweet] = twitter_api.requests_to("POST", r"^/2/tweets$")
    assert tweet.json() == {"text": "Both labels.", "reply": {"in_reply_to_tweet_id": MENTION},
                            "media": {"media_ids": [front, back]}}
    [out] = [m for m in api.get(f"/api/v1/conversations/{public_conversation['id']}/messages").json()["results"]
             if m["direction"] == "out"]
    assert out["delivery_status"] == "sent" and out["provider_message_id"] == twitter_api.tweets[0]["id"]


def test_a_video_tweet_goes_up_in_chunks_and_waits_for_processing(api, public_conversation, twitter_api):
    twitter_api.check_after_secs = 1
    started = time.monotonic()
    assert reply(api, public_conversation, "How to fit it.",
                 files=(("fitting.mp4", "video/mp4", MP4),)).status_code == 201
    assert time.monotonic() - started >= 1  # it waited as processing_info asked
    calls = chunked_requests(twitter_api)
    assert not calls["simple"]
    [init] = calls["initialize"]
    assert init.json() == {"media_type": "video/mp4", "total_bytes": len(MP4), "media_category": "tweet_video"}
    [(media_id, media)] = twitter_api.media.items()
    chunks = [a.multipart() for a in calls["append"]]
    assert [fields["segment_index"] for fields, _ in chunks] == ["0", "1"]
    assert all(len(files["media"].content) <= 4 * MB for _, files in chunks)
    assert all(a.path == f"/2/media/upload/{media_id}/append" for a in calls["append"])
    [finalize] = calls["finalize"]
    assert finalize.path == f"/2/media/upload/{media_id}/finalize"
    [status] = calls["status"]
    assert status.query == {"command": ["STATUS"], "media_id": [media_id]}
    assert all(twitter_api.signature_ok(r) for group in calls.values() for r in group)
    assert media["state"] == "succeeded" and media["content"] == MP4
    [tweet] = twitter_api.requests_to("POST", r"^/2/tweets$")
    assert tweet.json()["media"] == {"media_ids": [media_id]}
    assert OutboundMessage.objects.get().status == "sent"


def test_a_dm_video_goes_up_chunked_as_dm_video(api, dm_conversation, twitter_api):
    twitter_api.check_after_secs = 0
    video = MP4[:MB]
    assert reply(api, dm_conversation, "", files=(("clip.mp4", "video/mp4", video),)).status_code == 201
    calls = chunked_requests(twitter_api)
    assert calls["initialize"][0].json()["media_category"] == "dm_video"
    assert len(calls["append"]) == 1 and len(calls["status"]) == 1
    [(media_id, media)] = twitter_api.media.items()
    assert media["content"] == video
    [dm] = twitter_api.requests_to("POST", r"^/2/dm_conversations/with/1111/messages$")
    assert dm.json() == {"attachments": [{"media_id": media_id}]}


def test_a_retry_after_the_tweet_failed_does_not_upload_again(api, public_conversation, twitter_api):
    twitter_api.check_after_secs = 0
    tweets = flaky(twitter_api, "_create_tweet")
    assert reply(api, public_conversation, files=(("fitting.mp4", "video/mp4", MP4),)).status_code == 201
    outbound = OutboundMessage.objects.get()
    key = f"a{outbound.payload['attachments'][0]['id']}"
    assert outbound.status == "queued"
    assert set(outbound.progress) == {f"twitter-media:{key}", f"twitter-media-finalized:{key}"}
    retry_now(outbound)
    calls = chunked_requests(twitter_api)
    assert [len(calls[k]) for k in ("initialize", "append", "finalize", "status")] == [1, 2, 1, 1]
    assert len(tweets) == 2 and tweets[0].json() == tweets[1].json()  # the same media id both times
    assert len(twitter_api.tweets) == 1 and outbound.status == "sent"


def test_a_retry_while_x_was_processing_polls_again_without_uploading(api, public_conversation, twitter_api):
    twitter_api.check_after_secs = 0
    flaky(twitter_api, "_upload_status")
    assert reply(api, public_conversation, files=(("fitting.mp4", "video/mp4", MP4),)).status_code == 201
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "queued" and not twitter_api.tweets
    assert [k.split(":")[0] for k in outbound.progress] == ["twitter-media-finalized"]
    retry_now(outbound)
    calls = chunked_requests(twitter_api)
    assert [len(calls[k]) for k in ("initialize", "append", "finalize", "status")] == [1, 2, 1, 2]
    assert outbound.status == "sent" and len(twitter_api.tweets) == 1


def test_a_video_x_cannot_process_fails_the_reply_clearly(api, public_conversation, twitter_api):
    twitter_api.check_after_secs = 0
    not_mp4 = b"\x00" * 2048  # no ftyp box: X's processing ends in state failed
    assert reply(api, public_conversation, files=(("clip.mp4", "video/mp4", not_mp4),)).status_code == 201
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "failed"
    assert "X could not process the file: Unsupported video format" in outbound.last_error
    assert not twitter_api.tweets


BIG_GIF = GIF + b"\x00" * (15 * MB)


@pytest.mark.parametrize("files, says", [
    ([(f"{n}.png", "image/png", PNG) for n in range(5)], "at most 4 images, or 1 GIF, or 1 video"),
    ([("a.png", "image/png", PNG), ("clip.mp4", "video/mp4", MP4[:1024])], "a GIF or a video goes alone"),
    ([("a.gif", "image/gif", GIF), ("b.gif", "image/gif", GIF)], "a GIF or a video goes alone"),
    ([("big.png", "image/png", b"\x00" * (5 * MB + 1))], "at most 5.0 MB"),
    ([("big.gif", "image/gif", BIG_GIF)], "at most 15.0 MB"),
    ([("label.pdf", "application/pdf", b"%PDF-1.4")], "does not accept application/pdf"),
    ([("clip.mov", "video/quicktime", b"\x00" * 64)], "does not accept video/quicktime"),
])
def test_public_reply_file_limits_are_checked_before_queueing(api, public_conversation, twitter_api, files, says):
    response = reply(api, public_conversation, files=files)
    assert response.status_code == 422
    assert says in response.json()["detail"]
    assert not twitter_api.requests and not OutboundMessage.objects.exists()


@pytest.mark.parametrize("files, says", [
    ((("a.png", "image/png", PNG), ("b.png", "image/png", PNG)), "at most 1 file"),
    ((("a.png", "image/png", PNG), ("clip.mp4", "video/mp4", MP4[:1024])), "at most 1 file"),
    ((("label.pdf", "application/pdf", b"%PDF-1.4"),), "does not accept application/pdf"),
    ((("big.png", "image/png", b"\x00" * (5 * 1024 * 1024 + 1)),), "at most 5.0 MB"),
])
def test_dm_file_limits_are_checked_before_queueing(api, dm_conversation, twitter_api, files, says):
    response = reply(api, dm_conversation, files=files)
    assert response.status_code == 422
    assert says in response.json()["detail"]
    assert not twitter_api.requests and not OutboundMessage.objects.exists()


def test_the_fake_refuses_media_x_would_refuse(twitter_api):
    """The fake must be able to say no, or the tests above prove nothing."""
    creds = UserCredentials(BRAND["consumer_key"], BRAND["consumer_secret"], BRAND["access_token"],
                            BRAND["access_token_secret"])

    def post(path, **content):
        url = twitter_api.base_url + path
        return httpx.post(url, headers={"Authorization": authorization_header(creds, "POST", url)}, **content)

    def tweet(media_ids):
        return post("/2/tweets", json={"text": "hi", "reply": {"in_reply_to_tweet_id": MENTION},
                                       "media": {"media_ids": media_ids}})

    def init(**body):
        return post("/2/media/upload/initialize", json={"media_type": "video/mp4", "total_bytes": 10,
                                                        "media_category": "tweet_video", **body})

    assert init(media_category="tweet_movie").status_code == 400
    assert init(media_type="image/png").status_code == 400  # not a tweet_video type
    assert post("/2/media/upload", data={"media_category": "tweet_video"},
                files={"media": ("a.mp4", MP4[:10], "video/mp4")}).status_code == 400  # must go chunked
    unfinished = init().json()["data"]["id"]
    post(f"/2/media/upload/{unfinished}/append", data={"segment_index": "0"},
         files={"media": ("a", MP4[:10], "application/octet-stream")})
    assert tweet([unfinished]).status_code == 400  # not finalized
    assert post(f"/2/media/upload/{unfinished}/finalize").json()["data"]["processing_info"]["state"] == "pending"
    assert tweet([unfinished]).status_code == 400  # still processing
    gap = init().json()["data"]["id"]
    post(f"/2/media/upload/{gap}/append", data={"segment_index": "1"},
         files={"media": ("a", MP4[:10], "application/octet-stream")})
    assert post(f"/2/media/upload/{gap}/finalize").status_code == 400  # segment 0 missing
    short = init(total_bytes=11).json()["data"]["id"]
    post(f"/2/media/upload/{short}/append", data={"segment_index": "0"},
         files={"media": ("a", MP4[:10], "application/octet-stream")})
    assert post(f"/2/media/upload/{short}/finalize").status_code == 400  # 10 bytes, not 11
    images = [post("/2/media/upload", data={"media_category": "tweet_image", "media_type": "image/png"},
                   files={"media": ("a.png", PNG, "image/png")}).json()["data"]["id"] for _ in range(5)]
    assert tweet(["1"]).status_code == 400  # unknown
    assert tweet(images).status_code == 400  # five
    assert tweet(images[:4]).status_code == 201
    assert not twitter_api.tweets[1:]
