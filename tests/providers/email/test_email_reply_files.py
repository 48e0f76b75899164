"""Replies with files over real SMTP: MIME attachments in the customer's thread, limits first."""

from __future__ import annotations

import base64
import email
from email import policy

from heedful.conversations.models import Attachment
from heedful.outbound.models import OutboundMessage

from .test_email_smtp import FIRST_ID, open_conversation, smtp_channel  # noqa: F401 (fixture)

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + bytes(range(256))


def messages_url(conversation) -> str:
    return f"/api/v1/conversations/{conversation['id']}/messages"


def test_a_pdf_sent_as_multipart_reaches_smtp_as_an_attachment_in_the_thread(
        smtp_channel, smtp_server, deliver, api):  # noqa: F811
    conversation = open_conversation(smtp_channel(), deliver, api)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("invoice 2026.pdf", PDF, content_type="application/pdf")
    response = api.post(messages_url(conversation), {"text": "Your invoice is attached.", "files": [upload]})
    assert response.status_code == 201, response.content
    [stored] = response.json()["attachments"]
    assert (stored["filename"], stored["content_type"], stored["size"]) == ("invoice 2026.pdf", "application/pdf",
                                                                            len(PDF))

    [raw] = smtp_server.received
    mail = email.message_from_bytes(raw, policy=policy.default)
    assert mail["In-Reply-To"] == FIRST_ID
    assert mail["References"] == FIRST_ID
    assert mail.get_content_type() == "multipart/mixed"
    assert mail.get_body(("plain",)).get_content().strip() == "Your invoice is attached."
    [part] = list(mail.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    assert part.get_filename() == "invoice 2026.pdf"
    assert part.get_content() == PDF

    # The agent's copy is on the conversation and downloadable through the gate.
    listing = api.get(messages_url(conversation)).json()["results"]
    [out] = [m for m in listing if m["direction"] == "out"]
    assert out["delivery_status"] == "sent"
    assert [a["url"] for a in out["attachments"]] == [stored["url"]]


def test_json_base64_files_are_attachments_too(smtp_channel, smtp_server, deliver, api):  # noqa: F811
    conversation = open_conversation(smtp_channel(), deliver, api)
    body = {"text": "Two files.", "attachments": [
        {"filename": "a.pdf", "content_type": "application/pdf", "content_base64": base64.b64encode(PDF).decode()},
        {"filename": "notes.txt", "content_base64": base64.b64encode(b"line one\n").decode()},
    ]}
    response = api.post(messages_url(conversation), body, content_type="application/json")
    assert response.status_code == 201, response.content
    mail = email.message_from_bytes(smtp_server.received[0], policy=policy.default)
    parts = list(mail.iter_attachments())
    assert [(p.get_filename(), p.get_content_type()) for p in parts] == [("a.pdf", "application/pdf"),
                                                                         ("notes.txt", "text/plain")]
    assert parts[0].get_content() == PDF


def test_bad_base64_and_unknown_fields_are_422_and_nothing_is_sent(
        smtp_channel, smtp_server, deliver, api):  # noqa: F811
    conversation = open_conversation(smtp_channel(), deliver, api)
    bad = api.post(messages_url(conversation), {"text": "x", "attachments": [
        {"filename": "a.pdf", "content_base64": "not base64!!"}]}, content_type="application/json")
    assert bad.status_code == 422
    assert "attachments.0.content_base64" in bad.json()["detail"]
    unknown = api.post(messages_url(conversation), {"text": "x", "attachment": []}, content_type="application/json")
    assert unknown.status_code == 422
    assert "attachment" in str(unknown.json()["detail"])
    unknown_inner = api.post(messages_url(conversation), {"text": "x", "attachments": [
        {"filename": "a.pdf", "content_base64": "", "url": "https://x.test/a.pdf"}]}, content_type="application/json")
    assert unknown_inner.status_code == 422
    form = api.post(messages_url(conversation), {"text": "x", "file": b"abc"})
    assert form.status_code == 422
    assert "unknown field: file" in form.json()["detail"]
    assert smtp_server.received == []
    assert not OutboundMessage.objects.exists() and not Attachment.objects.filter(message__direction="out").exists()


def test_files_over_the_mail_limit_are_refused_before_queueing(
        smtp_channel, smtp_server, deliver, api, settings):  # noqa: F811
    conversation = open_conversation(smtp_channel(), deliver, api)
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = [SimpleUploadedFile(f"scan{n}.pdf", b"0" * (7 * 1024 * 1024), content_type="application/pdf")
           for n in range(3)]
    response = api.post(messages_url(conversation), {"text": "scans", "files": big})
    assert response.status_code == 422
    assert "18.0 MB" in response.json()["detail"]
    assert not OutboundMessage.objects.exists()

    settings.HEEDFUL_MAX_ATTACHMENT_BYTES = 1000
    one = SimpleUploadedFile("small.pdf", PDF * 10, content_type="application/pdf")
    response = api.post(messages_url(conversation), {"files": [one]})
    assert response.status_code == 422
    assert "1000 byte limit" in response.json()["detail"]
    assert smtp_server.received == []
