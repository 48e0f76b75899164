"""Store inbound attachments through Django storage, within the size limit."""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile

from heedful.conversations.attachments import safe_filename  # one naming rule, in and out
from heedful.conversations.models import Attachment


def save_all(message, attachments) -> None:
    limit = settings.HEEDFUL_MAX_ATTACHMENT_BYTES
    for item in attachments:
        size = len(item.content) if item.content is not None else (item.size or 0)
        attachment = Attachment(message=message, filename=(item.filename or "attachment")[:255],
                                content_type=(item.content_type or "")[:255], size=size,
                                remote_url=(item.url or "")[:1000])
        if item.content is not None:
            if size > limit:
                attachment.skipped_reason = f"larger than the {limit} byte limit"
            else:
                attachment.file.save(safe_filename(item.filename), ContentFile(item.content), save=False)
        attachment.save()
