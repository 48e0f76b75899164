"""Files on messages: stored through Django storage, inbound and outbound alike, and read back.

Stored files are served only through a gate: to agents by the permission-checked download,
to a provider or a web chat visitor by a signed link that expires (`signed_token`).
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.urls import reverse

from heedful.conversations.models import Attachment

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_LINK_SALT = "heedful.attachment.link"
LINK_MAX_AGE = 3600  # seconds: long enough for a provider to fetch, short enough to leak little


@dataclass(frozen=True)
class NewFile:
    """A file an agent attaches to a reply, already read into memory."""

    filename: str
    content_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)

    @classmethod
    def from_upload(cls, upload) -> NewFile:
        """From a Django upload (a form's file field); the type is the browser's, else guessed."""
        name = upload.name or "attachment"
        return cls(name, content_type_of(upload.content_type, name), upload.read())


def content_type_of(given: str, filename: str) -> str:
    given = (given or "").split(";", 1)[0].strip().lower()
    return given or mimetypes.guess_type(filename)[0] or "application/octet-stream"


def safe_filename(name: str) -> str:
    name = _UNSAFE.sub("_", (name or "").strip().replace("\\", "/").rsplit("/", 1)[-1]).strip("._")
    return (name or "attachment")[:180]


def store(message, item: NewFile) -> Attachment:
    """Keep one file of a message. Call inside the transaction that stored the message."""
    attachment = Attachment(message=message, filename=(item.filename or "attachment")[:255],
                            content_type=(item.content_type or "application/octet-stream")[:255],
                            size=item.size)
    attachment.file.save(safe_filename(item.filename), ContentFile(item.content), save=False)
    attachment.save()
    return attachment


def read(attachment: Attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()


def of_message(message_id: int) -> list[Attachment]:
    return list(Attachment.objects.filter(message_id=message_id).exclude(file="").order_by("pk"))


def signed_token(attachment_id: int) -> str:
    return signing.TimestampSigner(salt=_LINK_SALT).sign(str(attachment_id)).replace(":", ".")


def from_signed_token(token: str, max_age: int = LINK_MAX_AGE) -> int | None:
    """The attachment id in a link made by `signed_token`, or None when forged or expired."""
    try:
        return int(signing.TimestampSigner(salt=_LINK_SALT).unsign(token.replace(".", ":"), max_age=max_age))
    except (signing.BadSignature, ValueError):
        return None


def signed_url(attachment: Attachment) -> str:
    """An absolute link to the file that works without a login for LINK_MAX_AGE seconds."""
    path = reverse("signed-attachment", args=[signed_token(attachment.pk), safe_filename(attachment.filename)])
    return settings.HEEDFUL_BASE_URL.rstrip("/") + path
