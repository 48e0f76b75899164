"""Files on Messenger and Instagram DMs: the Attachment Upload API, then one message per file
naming its attachment_id. A Facebook comment reply carries one photo, uploaded unpublished to
the Page and named by `attachment_id`; an Instagram comment reply takes none. Checked against
the Graph fake."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from heedful.channels.providers.meta.fake import graph_error
from heedful.devtools.fakeserver import Reply
from heedful.outbound.actions import sweep
from heedful.outbound.models import OutboundMessage

from .meta_hooks import IG_USER_ID, PAGE_ID, PAGE_TOKEN, cases, fresh

FB, IG = cases("facebook_cases.json"), cases("instagram_cases.json")
PSID = "6100000000000001"
JPEG = b"\xff\xd8\xff\xe0" + b"\x10" * 200
PDF = b"%PDF-1.4\n%%EOF\n"


def _reply(api, conversation_id, text, *files):
    body = {"text": text, "attachments": [
        {"filename": n, "content_type": t, "content_base64": base64.b64encode(c).decode()} for n, t, c in files]}
    return api.post(f"/api/v1/conversations/{conversation_id}/messages", body, content_type="application/json")


def test_messenger_text_then_each_file_by_attachment_id(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["text"]))
    conversation = find_message("m_fb_text_1")["conversation"]
    response = _reply(api, conversation, "Photo and invoice attached.", ("photo.jpg", "image/jpeg", JPEG),
                      ("invoice.pdf", "application/pdf", PDF))
    assert response.status_code == 201, response.content
    uploads = graph.requests_to("POST", r"/message_attachments$")
    assert [u.path for u in uploads] == [f"/v21.0/{PAGE_ID}/message_attachments"] * 2
    assert all(u.headers["authorization"] == f"Bearer {PAGE_TOKEN}" for u in uploads)
    fields, files = uploads[0].multipart()
    assert json.loads(fields["message"]) == {"attachment": {"type": "image", "payload": {"is_reusable": False}}}
    assert (files["filedata"].filename, files["filedata"].content) == ("photo.jpg", JPEG)
    photo_id, invoice_id = list(graph.uploads)
    assert graph.uploads[invoice_id]["type"] == "file"
    sent = [r.json() for r in graph.sent("messages")]
    assert sent == [
        {"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": {"text": "Photo and invoice attached."}},
        {"recipient": {"id": PSID}, "messaging_type": "RESPONSE",
         "message": {"attachment": {"type": "image", "payload": {"attachment_id": photo_id}}}},
        {"recipient": {"id": PSID}, "messaging_type": "RESPONSE",
         "message": {"attachment": {"type": "file", "payload": {"attachment_id": invoice_id}}}},
    ]
    assert OutboundMessage.objects.get().status == "sent"


def test_a_retry_sends_only_what_did_not_go_out(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["text"]))
    conversation = find_message("m_fb_text_1")["conversation"]
    graph.answer_with_ids("m_text_1")
    # Upload and text succeed; the file message then meets a temporary Graph error.
    original = graph._messages
    calls = []

    def flaky(recorded, match):
        calls.append(recorded.json())
        if len(calls) == 2:
            from heedful.channels.providers.meta.fake import graph_error
            from heedful.devtools.fakeserver import Reply
            return Reply(503, graph_error(2, "Service temporarily unavailable", transient=True))
        return original(recorded, match)

    graph._routes = [(m, p, flaky if h == original else h) for m, p, h in graph._routes]
    assert _reply(api, conversation, "Here it is.", ("photo.jpg", "image/jpeg", JPEG)).status_code == 201
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "queued"
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=outbound.created_at)
    sweep()
    assert len(graph.requests_to("POST", r"/message_attachments$")) == 1  # not uploaded again
    texts = [c for c in calls if "text" in c["message"]]
    assert len(texts) == 1  # the text went out once
    assert len(calls) == 3
    outbound.refresh_from_db()
    assert outbound.status == "sent"
    sent = api.get("/api/v1/messages", {"conversation": conversation}).json()["results"][0]
    assert sent["provider_message_id"] == "m_text_1"


def test_instagram_uploads_with_the_platform_and_refuses_other_types(graph, hook, api, instagram, find_message):
    hook(instagram, fresh(IG["dm"]))
    conversation = find_message("aWdfZAG1fake_dm_1")["conversation"]
    refused = _reply(api, conversation, "", ("invoice.pdf", "application/pdf", PDF))
    assert refused.status_code == 422
    assert "Instagram does not accept application/pdf" in refused.json()["detail"]
    big = _reply(api, conversation, "", ("huge.jpg", "image/jpeg", b"\xff" * (8 * 1024 * 1024 + 1)))
    assert big.status_code == 422 and "at most 8.0 MB" in big.json()["detail"]
    assert not graph.requests

    assert _reply(api, conversation, "", ("photo.jpg", "image/jpeg", JPEG)).status_code == 201
    [upload] = graph.requests_to("POST", r"/message_attachments$")
    assert upload.path == f"/v21.0/{IG_USER_ID}/message_attachments"
    assert upload.query == {"platform": ["instagram"]}
    [(attachment_id, stored)] = graph.uploads.items()
    assert stored["content"] == JPEG
    [message] = graph.sent("messages")
    assert message.json()["message"] == {"attachment": {"type": "image", "payload": {"attachment_id": attachment_id}}}


def test_a_facebook_comment_reply_carries_a_photo_by_attachment_id(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["comment"]))
    response = _reply(api, find_message("777_9001")["conversation"], "This is the part.",
                      ("part.jpg", "image/jpeg", JPEG))
    assert response.status_code == 201, response.content
    [upload] = graph.requests_to("POST", r"/photos$")
    assert upload.path == f"/v21.0/{PAGE_ID}/photos"
    assert upload.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    fields, files = upload.multipart()
    assert fields == {"published": "false"}
    assert (files["source"].filename, files["source"].content_type, files["source"].content) == (
        "part.jpg", "image/jpeg", JPEG)
    [(photo_id, photo)] = graph.photos.items()
    assert photo["published"] is False
    [comment] = graph.sent("comments")
    assert comment.path == "/v21.0/777_9001/comments"
    assert comment.json() == {"message": "This is the part.", "attachment_id": photo_id}
    assert [c["id"] for c in graph.comments] == [OutboundMessage.objects.get().message.provider_message_id]
    assert OutboundMessage.objects.get().status == "sent"
    assert not graph.sent("messages") and not graph.requests_to("POST", r"/message_attachments$")


def test_a_photo_alone_is_a_whole_comment_reply(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["comment"]))
    assert _reply(api, find_message("777_9001")["conversation"], "", ("part.png", "image/png", JPEG)).status_code == 201
    [comment] = graph.sent("comments")
    assert comment.json() == {"attachment_id": next(iter(graph.photos))}


def test_a_retried_comment_reply_does_not_upload_the_photo_again(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["comment"]))
    original, calls = graph._comment, []

    def flaky(recorded, match):
        calls.append(recorded.json())
        if len(calls) == 1:
            return Reply(503, graph_error(2, "Service temporarily unavailable", transient=True))
        return original(recorded, match)

    graph._routes = [(m, p, flaky if h == original else h) for m, p, h in graph._routes]
    assert _reply(api, find_message("777_9001")["conversation"], "Here.", ("part.jpg", "image/jpeg", JPEG)).status_code == 201
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "queued" and [k.split(":")[0] for k in outbound.progress] == ["meta-photo"]
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=outbound.created_at)
    sweep()
    assert len(graph.requests_to("POST", r"/photos$")) == 1
    assert len(calls) == 2 and calls[0] == calls[1]  # the same attachment_id both times
    assert len(graph.comments) == 1
    outbound.refresh_from_db()
    assert outbound.status == "sent"


@pytest.mark.parametrize("files, says", [
    ((("a.jpg", "image/jpeg", JPEG), ("b.jpg", "image/jpeg", JPEG)), "carries one photo"),
    ((("invoice.pdf", "application/pdf", PDF),), "does not accept application/pdf"),
    ((("clip.mp4", "video/mp4", b"\x00\x00\x00\x20ftypisom"),), "does not accept video/mp4"),
    ((("huge.jpg", "image/jpeg", b"\xff" * (4 * 1024 * 1024 + 1)),), "at most 4.0 MB"),
])
def test_facebook_comment_reply_file_limits_are_checked_before_queueing(graph, hook, api, facebook, find_message,
                                                                        files, says):
    hook(facebook, fresh(FB["comment"]))
    response = _reply(api, find_message("777_9001")["conversation"], "See attached", *files)
    assert response.status_code == 422
    assert says in response.json()["detail"]
    assert not graph.requests and not OutboundMessage.objects.exists()


def test_instagram_comment_replies_take_no_files(graph, hook, api, instagram, find_message):
    hook(instagram, fresh(IG["comment"]))
    response = _reply(api, find_message("17900000000000001")["conversation"], "See attached",
                      ("photo.jpg", "image/jpeg", JPEG))
    assert response.status_code == 422
    assert "public comment reply on Instagram cannot carry files" in response.json()["detail"]
    assert not graph.requests and not OutboundMessage.objects.exists()


def test_the_fake_refuses_comment_attachments_meta_would_refuse(graph):
    """The fake must be able to say no, or the tests above prove nothing."""
    headers = {"Authorization": f"Bearer {PAGE_TOKEN}"}

    def comment(edge, body):
        return httpx.post(f"{graph.base_url}/v21.0/777_9001/{edge}", json=body, headers=headers)

    def photo(published):
        return httpx.post(f"{graph.base_url}/v21.0/{PAGE_ID}/photos", data={"published": published},
                          files={"source": ("a.jpg", JPEG, "image/jpeg")}, headers=headers).json()["id"]

    assert comment("comments", {"message": "hi", "attachment_id": "404"}).status_code == 400  # unknown
    assert comment("comments", {"message": "hi", "attachment_id": photo("true")}).status_code == 400  # published
    assert comment("comments", {}).status_code == 400  # neither message nor attachment
    assert comment("replies", {"message": "hi", "attachment_id": photo("false")}).status_code == 400  # Instagram
    assert comment("comments", {"attachment_id": photo("false")}).status_code == 200
