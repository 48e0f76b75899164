"""Files on WhatsApp replies: POST /{phone-number-id}/media, then a message naming the media id,
the text riding as the first file's caption. Limits are WhatsApp's, checked before queueing."""

from __future__ import annotations

import base64

import pytest

from heedful.channels.providers.meta import graph_client
from heedful.core import jobs
from heedful.outbound.actions import deliver, sweep
from heedful.outbound.models import OutboundMessage

from .whatsapp_hooks import ACCESS_TOKEN, CUSTOMER, PHONE_NUMBER_ID, cases, fresh

WA = cases()
PDF = b"%PDF-1.4\n" + b"1" * 300 + b"\n%%EOF\n"
OGG = b"OggS" + b"\x00" * 100


def _open(hook, whatsapp, find_message) -> int:
    hook(whatsapp, fresh(WA["text"]))
    return find_message("wamid.TEXT001")["conversation"]


def _reply(api, conversation_id, text, *files):
    body = {"text": text, "attachments": [
        {"filename": n, "content_type": t, "content_base64": base64.b64encode(c).decode()} for n, t, c in files]}
    return api.post(f"/api/v1/conversations/{conversation_id}/messages", body, content_type="application/json")


def test_a_document_is_uploaded_then_sent_by_media_id_with_the_text_as_caption(
        cloud_api, hook, api, whatsapp, find_message):
    conversation = _open(hook, whatsapp, find_message)
    response = _reply(api, conversation, "Your warranty card.", ("warranty.pdf", "application/pdf", PDF))
    assert response.status_code == 201, response.content
    [upload] = cloud_api.requests_to("POST", r"/media$")
    assert upload.path == f"/v21.0/{PHONE_NUMBER_ID}/media"
    assert upload.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    fields, files = upload.multipart()
    assert fields == {"messaging_product": "whatsapp", "type": "application/pdf"}
    assert (files["file"].filename, files["file"].content) == ("warranty.pdf", PDF)
    [media_id] = list(cloud_api.uploads)
    [message] = cloud_api.sent("messages")
    assert message.json() == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER,
                              "type": "document",
                              "document": {"id": media_id, "caption": "Your warranty card.", "filename": "warranty.pdf"}}
    sent = api.get("/api/v1/messages", {"conversation": conversation}).json()["results"][0]
    assert sent["delivery_status"] == "sent" and sent["provider_message_id"].startswith("wamid.")


def test_audio_takes_no_caption_so_the_text_goes_first(cloud_api, hook, api, whatsapp, find_message):
    conversation = _open(hook, whatsapp, find_message)
    assert _reply(api, conversation, "A voice note for you.", ("note.ogg", "audio/ogg", OGG)).status_code == 201
    first, second = [r.json() for r in cloud_api.sent("messages")]
    assert first["type"] == "text" and first["text"]["body"] == "A voice note for you."
    assert second["type"] == "audio" and second["audio"] == {"id": list(cloud_api.uploads)[0]}


def test_a_failed_send_is_retried_without_a_second_upload(cloud_api, hook, api, whatsapp, find_message):
    conversation = _open(hook, whatsapp, find_message)
    original = cloud_api._messages
    calls = []

    def flaky(recorded, match):
        calls.append(recorded)
        if len(calls) == 1:
            from heedful.channels.providers.meta.fake import graph_error
            from heedful.devtools.fakeserver import Reply
            return Reply(500, graph_error(1, "An unknown error occurred", transient=True))
        return original(recorded, match)

    cloud_api._routes = [(m, p, flaky if h == original else h) for m, p, h in cloud_api._routes]
    assert _reply(api, conversation, "Here.", ("warranty.pdf", "application/pdf", PDF)).status_code == 201
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "queued"
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=outbound.created_at)
    sweep()
    assert len(cloud_api.requests_to("POST", r"/media$")) == 1
    assert calls[0].json() == calls[1].json()
    outbound.refresh_from_db()
    assert outbound.status == "sent"


def test_whatsapp_limits_are_named_before_anything_is_queued(cloud_api, hook, api, whatsapp, find_message):
    conversation = _open(hook, whatsapp, find_message)
    big_image = _reply(api, conversation, "", ("photo.png", "image/png", b"\x89PNG" + b"0" * (5 * 1024 * 1024)))
    assert big_image.status_code == 422
    assert "WhatsApp takes image/png files of at most 5.0 MB" in big_image.json()["detail"]
    svg = _reply(api, conversation, "", ("logo.svg", "image/svg+xml", b"<svg/>"))
    assert svg.status_code == 422 and "does not accept image/svg+xml" in svg.json()["detail"]
    assert not cloud_api.requests and not OutboundMessage.objects.exists()


class WorkerDied(BaseException):
    """Stands for the process dying: no except clause of the outbound worker catches it."""


def test_a_worker_that_dies_after_the_upload_does_not_upload_or_send_twice(
        cloud_api, hook, api, whatsapp, find_message, monkeypatch):
    conversation = _open(hook, whatsapp, find_message)
    monkeypatch.setattr(jobs, "enqueue", lambda *args: None)  # the worker picks it up below
    assert _reply(api, conversation, "Here.", ("warranty.pdf", "application/pdf", PDF)).status_code == 201
    outbound = OutboundMessage.objects.get()
    real_post = graph_client.post

    def die(*args, **kwargs):
        raise WorkerDied

    monkeypatch.setattr(graph_client, "post", die)  # the upload (multipart) goes through; the send dies
    with pytest.raises(WorkerDied):
        deliver(outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == "queued" and outbound.attempts == 1 and len(outbound.progress) == 1
    assert not cloud_api.sent("messages")

    monkeypatch.setattr(graph_client, "post", real_post)
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=outbound.created_at)  # lease over
    sweep()
    assert len(cloud_api.requests_to("POST", r"/media$")) == 1
    assert len(cloud_api.sent("messages")) == 1
    outbound.refresh_from_db()
    assert outbound.status == "sent" and outbound.attempts == 2
