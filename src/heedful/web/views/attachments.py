"""Attachment downloads, through the conversation gate. Files are served as downloads unless
they are plain raster images, so an uploaded HTML or SVG file never runs in our origin."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from heedful.accounts.access import access_conversation
from heedful.conversations.attachments import from_signed_token
from heedful.conversations.models import Attachment, Direction
from heedful.web.views.helpers import page_view

INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


@page_view
def download(request, attachment_id: int):
    attachment = get_object_or_404(Attachment.objects.select_related("message"), pk=attachment_id)
    access_conversation(request.user, attachment.message.conversation_id)
    return _file_response(attachment)


@require_GET
def signed_download(request, token: str, filename: str):
    """No login: the signed token is the permission, and it expires (conversations.attachments).
    Only files of messages the brand sent are served this way, never a customer's upload."""
    attachment_id = from_signed_token(token)
    if attachment_id is None:
        raise Http404("the link is not valid or has expired")
    attachment = get_object_or_404(Attachment, pk=attachment_id, message__direction=Direction.OUT)
    # The file's real type: Twilio and browsers read it to decide how to show the media.
    return _file_response(attachment, declared_type=True)


def _file_response(attachment, *, declared_type: bool = False):
    if not attachment.file:
        raise Http404("the file was not stored")
    content_type = (attachment.content_type or "").lower()
    inline = content_type in INLINE_TYPES
    response = FileResponse(attachment.file.open("rb"), as_attachment=not inline,
                            filename=attachment.filename or "attachment",
                            content_type=content_type if (inline or declared_type) and content_type
                            else "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
