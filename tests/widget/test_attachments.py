"""Visitor uploads: images and PDF only (typed by their bytes), size-limited, stored as the
message's conversation attachments, shown to the agent, served to the visitor only with their
token."""

from __future__ import annotations

import io

import pytest

from heedful.conversations.models import Attachment, Conversation, Message
from heedful.ingestion.models import InboundEvent
from tests.widget.conftest import SITE

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(ann, *files, text="", token=..., client_id="upload-0001"):
    parts = []
    for name, content in files:
        handle = io.BytesIO(content)
        handle.name = name
        parts.append(handle)
    token = ann.token if token is ... else token
    headers = {"HTTP_ORIGIN": SITE, **({"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {})}
    return ann.client.post("/widget/v1/messages", {"text": text, "client_id": client_id, "files": parts}, **headers)


def test_an_image_and_a_pdf_reach_the_agent_as_conversation_attachments(visitor, client, agent_user):
    ann = visitor()
    response = upload(ann, ("screenshot.png", PNG), ("invoice.PDF", PDF), text="Here is the error")
    assert response.status_code == 202, response.content
    message = Message.objects.get()
    files = sorted(message.attachments.values_list("filename", "content_type", "size"))
    assert files == [("invoice.pdf", "application/pdf", len(PDF)), ("screenshot.png", "image/png", len(PNG))]
    assert all(a.file for a in Attachment.objects.all())
    client.force_login(agent_user)
    page = client.get(f"/conversations/{message.conversation_id}/").content.decode()
    png = Attachment.objects.get(content_type="image/png")
    assert f'href="/attachments/{png.pk}/"' in page and "screenshot.png" in page
    assert client.get(f"/attachments/{png.pk}/").getvalue() == PNG


def test_a_file_alone_is_a_message(visitor):
    ann = visitor()
    assert upload(ann, ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32)).status_code == 202
    [shown] = ann.messages()
    assert shown["text"] == "" and shown["attachments"][0]["content_type"] == "image/jpeg"


@pytest.mark.parametrize("name,content", [
    ("page.html", b"<html><script>alert(1)</script></html>"),
    ("fake.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),  # the name lies
    ("run.pdf", b"MZ\x90\x00 an executable"),
])
def test_files_that_are_not_images_or_pdf_by_their_bytes_are_refused(visitor, name, content):
    ann = visitor()
    response = upload(ann, (name, content), text="look")
    assert response.status_code == 422 and response.json()["error"] == "attachment_refused"
    assert not InboundEvent.objects.exists() and not Message.objects.exists()


def test_a_lying_extension_is_replaced_by_the_proven_one(visitor):
    ann = visitor()
    assert upload(ann, ("report.pdf.html", PDF)).status_code == 202
    assert Attachment.objects.get().filename == "report.pdf.pdf"


def test_a_file_over_the_channels_limit_is_refused_before_anything_is_stored(visitor, webchat):
    webchat.settings = {**webchat.settings, "max_upload_bytes": 1024}
    webchat.save()
    from heedful.channels.cache import forget

    forget(webchat.pk)
    ann = visitor()
    response = upload(ann, ("big.png", PNG + b"\x00" * 2048))
    assert response.status_code == 422 and "at most" in response.json()["detail"]
    assert not InboundEvent.objects.exists()


def test_too_many_files_in_one_message_are_refused(visitor):
    ann = visitor()
    response = upload(ann, *[(f"p{n}.png", PNG) for n in range(4)])
    assert response.status_code == 400 and not InboundEvent.objects.exists()


def test_the_file_is_served_only_with_the_visitors_own_token(visitor):
    ann, bob = visitor(), visitor()
    upload(ann, ("screenshot.png", PNG))
    [shown] = ann.messages()
    url = shown["attachments"][0]["url"]
    mine = ann.get(url)
    assert mine.status_code == 200 and mine.getvalue() == PNG
    assert mine["Content-Type"] == "image/png" and mine["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in mine["Content-Security-Policy"]
    assert bob.get(url).status_code == 404  # another visitor: as if it did not exist
    assert ann.get(url, token=None).status_code == 401
    assert ann.get(url, token="forged.token").status_code == 401


def test_a_pdf_is_served_as_a_download(visitor):
    ann = visitor()
    upload(ann, ("invoice.pdf", PDF))
    response = ann.get(ann.messages()[0]["attachments"][0]["url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_uploads_have_their_own_rate_limit(visitor, settings):
    settings.HEEDFUL_WIDGET_LIMITS = {"upload_visitor": 2}
    ann = visitor()
    codes = [upload(ann, ("p.png", PNG), client_id=f"upload-{n:04d}").status_code for n in range(3)]
    assert codes == [202, 202, 429]
    assert Conversation.objects.count() == 1
