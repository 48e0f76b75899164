"""Replies with files on the API channel, and what the core guarantees on every channel: files
stored like inbound ones, access-gated, checked before queueing, erased files never half-sent."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import pytest
from django.test import Client

from heedful.conversations.models import Attachment
from heedful.outbound.actions import retry
from heedful.outbound.models import OutboundMessage

from .test_api_channel_outbound import brand, conversation  # noqa: F401 (fixtures)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x07" * 40


def reply(api, conversation, body, **kwargs):  # noqa: F811
    return api.post(f"/api/v1/conversations/{conversation.pk}/messages", body, **kwargs)


def as_json(files):
    return [{"filename": n, "content_type": t, "content_base64": base64.b64encode(c).decode()} for n, t, c in files]


def test_the_brand_endpoint_gets_signed_links_to_the_files(api, conversation, brand):  # noqa: F811
    response = reply(api, conversation, {"text": "See the label", "attachments": as_json([("label.png", "image/png", PNG)])},
                     content_type="application/json")
    assert response.status_code == 201, response.content
    [sent] = brand.requests_to("POST", "/heedful")
    [item] = sent.json()["attachments"]
    assert (item["filename"], item["content_type"], item["size"]) == ("label.png", "image/png", len(PNG))
    fetched = Client().get(urlsplit(item["url"]).path)
    assert fetched.status_code == 200 and fetched.getvalue() == PNG and fetched["Content-Type"] == "image/png"


def test_a_reply_without_files_keeps_its_body(api, conversation, brand):  # noqa: F811
    reply(api, conversation, {"text": "plain"}, content_type="application/json")
    assert "attachments" not in brand.requests_to("POST", "/heedful")[0].json()


def test_stored_files_are_downloadable_only_by_agents_who_may_read_the_conversation(
        api, conversation, brand, django_user_model):  # noqa: F811
    response = reply(api, conversation, {"text": "x", "attachments": as_json([("label.png", "image/png", PNG)])},
                     content_type="application/json")
    url = response.json()["attachments"][0]["url"]
    assert url.startswith("/attachments/")
    attachment = Attachment.objects.get()
    assert attachment.message.direction == "out" and attachment.file.name.startswith(
        f"attachments/{conversation.pk}/{attachment.message_id}/")
    from heedful.accounts.models import Profile, Role

    # An agent in no team reads no conversation of a channel without one.
    outsider = django_user_model.objects.create_user("outsider", "o@example.com", "pw-outsider-123")
    Profile.objects.create(user=outsider, role=Role.AGENT)
    other = Client()
    other.force_login(outsider)
    assert other.get(url).status_code == 404
    assert Client().get(url).status_code in (302, 401)  # not logged in: to the login page


def test_multipart_form_fields_are_checked_like_json(api, conversation, brand):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    ok = reply(api, conversation, {"text": "both", "private": "false",
                                   "files": [SimpleUploadedFile("a.png", PNG, "image/png"),
                                             SimpleUploadedFile("b.png", PNG, "image/png")]})
    assert ok.status_code == 201, ok.content
    assert [a["filename"] for a in ok.json()["attachments"]] == ["a.png", "b.png"]
    unknown = reply(api, conversation, {"text": "x", "attachments": "[]"})
    assert unknown.status_code == 422 and "unknown field: attachments" in unknown.json()["detail"]
    other_file_field = reply(api, conversation, {"text": "x", "upload": SimpleUploadedFile("a.png", PNG, "image/png")})
    assert other_file_field.status_code == 422 and "unknown field: upload" in other_file_field.json()["detail"]
    assert len(brand.requests_to("POST", "/heedful")) == 1


def test_a_file_erased_before_a_retry_fails_the_delivery_rather_than_sending_less(
        api, conversation, brand):  # noqa: F811
    brand.fail_next(400)
    reply(api, conversation, {"text": "x", "attachments": as_json([("label.png", "image/png", PNG)])},
          content_type="application/json")
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "failed"
    Attachment.objects.all().delete()
    retry(outbound)
    outbound.refresh_from_db()
    assert outbound.status == "failed" and "no longer stored" in outbound.last_error
    assert len(brand.requests_to("POST", "/heedful")) == 1


def test_channels_without_files_refuse_them_clearly(api, make_channel, client):
    from heedful.channels import registry
    from heedful.channels.base import BaseProvider, OutboundAttachment
    from heedful.core.errors import AttachmentRefused

    if "community" not in set(registry.keys()):
        pytest.skip("the community provider is not registered in this build")
    provider = registry.get("community")
    assert type(provider).check_attachments is BaseProvider.check_attachments
    with pytest.raises(AttachmentRefused, match="cannot carry files"):
        provider.check_attachments(None, {}, [OutboundAttachment("0", "a.png", "image/png", 10)])
    assert AttachmentRefused.status == 422


def test_the_openapi_document_states_both_bodies(api):
    operation = api.get("/api/v1/openapi.json").json()["paths"]["/api/v1/conversations/{conversation_id}/messages"]["post"]
    content = operation["requestBody"]["content"]
    assert content["multipart/form-data"]["schema"]["properties"]["files"]["items"]["format"] == "binary"
    attachment = content["application/json"]["schema"]["properties"]["attachments"]["items"]
    assert attachment["required"] == ["filename", "content_base64"] and attachment["additionalProperties"] is False
    assert "422" in operation["responses"]
