"""Files on direct messages: the v2 media upload, then a DM that names the media id.

X takes one media item per DM and none on a public reply from Heedful (a tweet's media would be
public; agents move a conversation to DM to share a file). Images and GIFs go up in one
multipart call; videos need the chunked upload, which Heedful does not do.
"""

from __future__ import annotations

import httpx

from heedful.channels.base import (
    MB,
    AttachmentRefused,
    FileRules,
    OutboundAttachment,
    OutboundRequest,
    TemporarySendError,
)
from heedful.channels.providers.twitter.oauth import UserCredentials, authorization_header

UPLOAD_PATH = "/2/media/upload"
DM_FILES = FileRules("An X direct message",
                     {"image/jpeg": 5 * MB, "image/png": 5 * MB, "image/webp": 5 * MB, "image/gif": 15 * MB},
                     max_files=1)


def check(payload: dict, files: list[OutboundAttachment], *, private: bool) -> None:
    if not files:
        return
    if not private:
        raise AttachmentRefused("a public reply on X cannot carry files: move the conversation to a "
                                "direct message to send one")
    DM_FILES.check(files)


def category(content_type: str) -> str:
    return "dm_gif" if content_type == "image/gif" else "dm_image"


def upload(http: httpx.Client, base: str, creds: UserCredentials, request: OutboundRequest,
           item: OutboundAttachment, raise_for) -> str:
    """The media id of `item`, uploaded now or by an earlier try of this delivery."""
    step = f"twitter-media:{item.key}"
    if request.done(step):
        return request.done(step)
    url = base + UPLOAD_PATH
    # Multipart bodies are not part of the OAuth 1.0a signature base string.
    headers = {"Authorization": authorization_header(creds, "POST", url),
               "X-Idempotency-Key": f"{request.idempotency_key}:{item.key}"}
    try:
        response = http.post(url, headers=headers,
                             data={"media_category": category(item.content_type), "media_type": item.content_type},
                             files={"media": (item.filename, item.content or b"", item.content_type)})
    except httpx.HTTPError as exc:
        raise TemporarySendError(f"could not reach the X media upload: {type(exc).__name__}") from exc
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code >= 300:
        raise_for(response, data)
    inner = data.get("data") if isinstance(data, dict) else None
    media_id = str((inner or {}).get("id") or "") if isinstance(inner, dict) else ""
    if not media_id:
        raise TemporarySendError(f"the X media upload answered {response.status_code} without a media id")
    return request.record(step, media_id)
