"""Attachment downloads, through the conversation gate. Files are served as downloads unless
they are plain raster images, so an uploaded HTML or SVG file never runs in our origin."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from heedful.accounts.access import access_conversation
from heedful.conversations.models import Attachment
from heedful.web.views.helpers import page_view

INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


@page_view
def download(request, attachment_id: int):
    attachment = get_object_or_404(Attachment.objects.select_related("message"), pk=attachment_id)
    access_conversation(request.user, attachment.message.conversation_id)
    if not attachment.file:
        raise Http404("the file was not stored")
    content_type = (attachment.content_type or "").lower()
    inline = content_type in INLINE_TYPES
    response = FileResponse(attachment.file.open("rb"), as_attachment=not inline,
                            filename=attachment.filename or "attachment",
                            content_type=content_type if inline else "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
