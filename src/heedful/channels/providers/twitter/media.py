"""Files on X replies: the v2 media upload, then a tweet or a DM that names the media ids.

A public reply (a tweet) carries up to 4 images, or 1 GIF, or 1 video; a DM carries one file.
Images go up in one multipart call (`POST /2/media/upload`). GIFs and videos take the chunked
upload: `POST /2/media/upload/initialize` (JSON), `POST /2/media/upload/{id}/append` per chunk
of at most 4 MB (multipart `media` + `segment_index`), `POST /2/media/upload/{id}/finalize`,
then, while the answer's `processing_info` says pending or in_progress, `GET /2/media/upload
?command=STATUS&media_id=...` after `check_after_secs`, until it succeeds or fails.

Each file's finished steps are remembered on the delivery: `twitter-media:<key>` once its media
id is ready to use, and `twitter-media-finalized:<key>` once a chunked upload is finalized but
X may still be processing it. A retry reuses a ready id, polls a finalized one, and uploads
again only a file whose upload never finished (an unfinished upload session just expires).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

import httpx

from heedful.channels.base import (
    MB,
    AttachmentRefused,
    FileRules,
    OutboundAttachment,
    OutboundRequest,
    PermanentSendError,
    TemporarySendError,
)
from heedful.channels.providers.twitter.oauth import UserCredentials, authorization_header

UPLOAD_PATH = "/2/media/upload"
CHUNK_SIZE = 4 * MB  # X takes APPEND chunks of at most 5 MB
DEFAULT_PROCESSING_WAIT = 60.0  # seconds one send waits for X to process a video or GIF
IMAGES = {"image/jpeg": 5 * MB, "image/png": 5 * MB, "image/webp": 5 * MB}
GIF = {"image/gif": 15 * MB}
VIDEO = {"video/mp4": 512 * MB}
DM_FILES = FileRules("An X direct message", {**IMAGES, **GIF, **VIDEO}, max_files=1)
TWEET_FILES = FileRules("A public reply on X", {**IMAGES, **GIF, **VIDEO}, max_files=4)


def check(payload: dict, files: list[OutboundAttachment], *, private: bool) -> None:
    if not files:
        return
    if private:
        DM_FILES.check(files)
        return
    if len(files) > TWEET_FILES.max_files:
        raise AttachmentRefused(f"a public reply on X takes at most 4 images, or 1 GIF, or 1 video "
                                f"({len(files)} files given)")
    TWEET_FILES.check(files)  # types and sizes
    if len(files) > 1 and any(not is_image(item.content_type) for item in files):
        raise AttachmentRefused("a public reply on X takes at most 4 images, or 1 GIF, or 1 video: "
                                "a GIF or a video goes alone")


def is_image(content_type: str) -> bool:
    return (content_type or "").lower() in IMAGES


def category(content_type: str, *, private: bool) -> str:
    """X's media_category: dm_/tweet_ then image, gif or video."""
    content_type = (content_type or "").lower()
    kind = "gif" if content_type in GIF else "video" if content_type in VIDEO else "image"
    return f"{'dm' if private else 'tweet'}_{kind}"


def upload(http: httpx.Client, base: str, creds: UserCredentials, request: OutboundRequest,
           item: OutboundAttachment, raise_for, *, private: bool,
           max_wait: float = DEFAULT_PROCESSING_WAIT) -> str:
    """The media id of `item`, ready to name in a tweet or DM, uploaded now or by an earlier try."""
    step, finalized = f"twitter-media:{item.key}", f"twitter-media-finalized:{item.key}"
    if request.done(step):
        return request.done(step)
    api = _Api(http, base, creds, f"{request.idempotency_key}:{item.key}", raise_for)
    media_category = category(item.content_type, private=private)
    if request.done(finalized):
        media_id, info = request.done(finalized), api.status(request.done(finalized))
    elif media_category.endswith("_image"):
        return request.record(step, _simple_upload(api, item, media_category))
    else:
        media_id, info = _chunked_upload(api, item, media_category)
        request.record(finalized, media_id)
    _wait_until_processed(api, media_id, info, max_wait)
    return request.record(step, media_id)


def _simple_upload(api: _Api, item: OutboundAttachment, media_category: str) -> str:
    # Multipart bodies are not part of the OAuth 1.0a signature base string.
    data = api.post(UPLOAD_PATH, data={"media_category": media_category, "media_type": item.content_type},
                    files={"media": (item.filename, item.content or b"", item.content_type)})
    return _media_id(data, "upload")


def _chunked_upload(api: _Api, item: OutboundAttachment, media_category: str) -> tuple[str, dict]:
    content = item.content or b""
    data = api.post(f"{UPLOAD_PATH}/initialize", step="initialize", json={
        "media_type": item.content_type, "total_bytes": len(content), "media_category": media_category})
    media_id = _media_id(data, "initialize")
    for index, start in enumerate(range(0, len(content), CHUNK_SIZE)):
        api.post(f"{UPLOAD_PATH}/{media_id}/append", step=f"append:{index}", data={"segment_index": str(index)},
                 files={"media": (item.filename, content[start:start + CHUNK_SIZE], "application/octet-stream")})
    data = api.post(f"{UPLOAD_PATH}/{media_id}/finalize", step="finalize")
    _media_id(data, "finalize")
    return media_id, _processing_info(data)


def _wait_until_processed(api: _Api, media_id: str, info: dict, max_wait: float) -> None:
    """Poll STATUS as X asks (`check_after_secs`) until the media is usable, for at most `max_wait`."""
    deadline = time.monotonic() + max_wait
    while True:
        state = str(info.get("state") or "succeeded")
        if state == "succeeded":
            return
        if state == "failed":
            error = info.get("error") if isinstance(info.get("error"), dict) else {}
            reason = error.get("message") or error.get("name") or "no reason given"
            raise PermanentSendError(f"X could not process the file: {reason}", provider_status="media_failed")
        wait = _seconds(info.get("check_after_secs"))
        if time.monotonic() + wait > deadline:
            # The finalized id is remembered: the retry polls again and uploads nothing.
            raise TemporarySendError(f"X is still processing the file ({state}) after {max_wait:.0f} s",
                                     retry_after=max(wait, 1.0), provider_status="media_processing")
        time.sleep(wait)
        info = api.status(media_id)


def _seconds(value) -> float:
    try:
        return min(max(float(value), 0.0), 60.0)
    except (TypeError, ValueError):
        return 1.0


def _processing_info(data) -> dict:
    inner = data.get("data") if isinstance(data, dict) else None
    info = inner.get("processing_info") if isinstance(inner, dict) else None
    return info if isinstance(info, dict) else {}


def _media_id(data, what: str) -> str:
    inner = data.get("data") if isinstance(data, dict) else None
    media_id = str(inner.get("id") or "") if isinstance(inner, dict) else ""
    if not media_id:
        raise TemporarySendError(f"the X media {what} answered without a media id")
    return media_id


class _Api:
    """Signed calls to the media endpoints; an error answer goes through the client's `raise_for`."""

    def __init__(self, http: httpx.Client, base: str, creds: UserCredentials, idempotency_key: str, raise_for):
        self.http, self.base, self.creds = http, base, creds
        self.idempotency_key, self.raise_for = idempotency_key, raise_for

    def post(self, path: str, *, step: str = "", **content):
        """`step` tells the calls of one chunked upload apart in their idempotency keys."""
        url = self.base + path
        headers = {"Authorization": authorization_header(self.creds, "POST", url),
                   "X-Idempotency-Key": f"{self.idempotency_key}:{step}" if step else self.idempotency_key}
        return self._answer(lambda: self.http.post(url, headers=headers, **content))

    def status(self, media_id: str) -> dict:
        # Query parameters are signed: the URL is signed exactly as it is requested.
        url = f"{self.base}{UPLOAD_PATH}?{urlencode({'command': 'STATUS', 'media_id': media_id})}"
        headers = {"Authorization": authorization_header(self.creds, "GET", url)}
        return _processing_info(self._answer(lambda: self.http.get(url, headers=headers)))

    def _answer(self, call):
        try:
            response = call()
        except httpx.HTTPError as exc:
            raise TemporarySendError(f"could not reach the X media upload: {type(exc).__name__}") from exc
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 300:
            self.raise_for(response, data)
        return data
