"""A loopback stand-in for the Twitter v2 API: create tweets, send DMs, upload media.

Answers in the documented v2 shapes, checks every request's OAuth 1.0a signature against the
credentials it was given, records requests, and scripts the failures tests need (429 with
Retry-After, an expired token, a video X cannot process). Media go up in one multipart call
(images) or chunked (initialize, append, finalize, then STATUS while X "processes" it: the
finalize answer says pending once, the next STATUS succeeded); tweets and DMs may only name
media that exist and are finished, within X's limits (4 images, or 1 GIF, or 1 video).
"""

from __future__ import annotations

import hmac
import itertools
import re
import time
from types import SimpleNamespace
from urllib.parse import urlencode

from oauthlib.oauth1.rfc5849 import signature, utils

from heedful.devtools.fakeserver import FakeProviderServer, Recorded, Reply

UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
EXPIRED_TOKEN = {"errors": [{"code": 89, "message": "Invalid or expired token."}]}
TOO_MANY = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
            "status": 429}


MB = 1024 * 1024
# media_category -> (the content types it takes, the largest file), as X documents them.
CATEGORIES = {
    "tweet_image": ({"image/jpeg", "image/png", "image/webp"}, 5 * MB),
    "dm_image": ({"image/jpeg", "image/png", "image/webp"}, 5 * MB),
    "tweet_gif": ({"image/gif"}, 15 * MB),
    "dm_gif": ({"image/gif"}, 15 * MB),
    "tweet_video": ({"video/mp4"}, 512 * MB),
    "dm_video": ({"video/mp4"}, 512 * MB),
}
SIMPLE_UPLOAD = {"tweet_image", "dm_image", "dm_gif"}  # tweet_gif and videos must go chunked
MAX_CHUNK = 5 * MB
INVALID_MEDIA = "Your media IDs are invalid."


def _problem(status: int, title: str, detail: str) -> Reply:
    return Reply(status, {"title": title, "detail": detail, "type": "about:blank", "status": status})


def _invalid(detail: str) -> Reply:
    return _problem(400, "Invalid Request", detail)


class FakeTwitterAPI(FakeProviderServer):
    def __init__(self, *, consumer_key="ck", consumer_secret="cs", access_token="at",
                 access_token_secret="ats", user_id="4000", **kwargs):
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.access_token, self.access_token_secret = access_token, access_token_secret
        self.user_id = user_id
        self._ids = itertools.count(1_800_000_000_000_000_001)
        self.tweets: list[dict] = []
        self.dm_events: list[dict] = []
        # media id -> {"category", "content_type", "filename", "content", "state", ...}
        self.media: dict[str, dict] = {}
        self.check_after_secs = 1  # what a pending media's processing_info asks the client to wait
        self._fail_processing: list[str] = []
        super().__init__(**kwargs)

    def setup_routes(self) -> None:
        self.route("POST", r"/2/tweets", self._create_tweet)
        self.route("POST", r"/2/dm_conversations/with/(?P<participant>\d+)/messages", self._send_dm)
        self.route("POST", r"/2/media/upload", self._upload_media)
        self.route("POST", r"/2/media/upload/initialize", self._initialize_upload)
        self.route("POST", r"/2/media/upload/(?P<media_id>\d+)/append", self._append_upload)
        self.route("POST", r"/2/media/upload/(?P<media_id>\d+)/finalize", self._finalize_upload)
        self.route("GET", r"/2/media/upload", self._upload_status)

    # -- scripting -------------------------------------------------------------------------
    def rate_limit_next(self, retry_after: int = 1, times: int = 1) -> None:
        self.fail_next(429, TOO_MANY, {"Retry-After": str(retry_after)}, times=times)

    def expire_token_next(self) -> None:
        self.fail_next(401, EXPIRED_TOKEN)

    def fail_processing_next(self, message: str = "Unsupported video format") -> None:
        """The next chunked upload's processing ends in state failed with this message."""
        self._fail_processing.append(message)

    # -- checks ----------------------------------------------------------------------------
    def signature_ok(self, request: Recorded) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("OAuth "):
            return False
        params = dict(utils.parse_authorization_header(header))
        if params.get("oauth_consumer_key") != self.consumer_key or params.get("oauth_token") != self.access_token:
            return False
        url = self.base_url + request.path
        # Query parameters are signed; JSON and multipart bodies are not.
        collected = signature.collect_parameters(uri_query=urlencode(request.query, doseq=True),
                                                 headers={"Authorization": header},
                                                 exclude_oauth_signature=True)
        base = signature.signature_base_string(request.method, signature.base_string_uri(url),
                                               signature.normalize_parameters(collected))
        secrets = SimpleNamespace(client_secret=self.consumer_secret,
                                  resource_owner_secret=self.access_token_secret)
        expected = signature.sign_hmac_sha1_with_client(base, secrets)
        given = utils.unescape(params.get("oauth_signature", ""))
        return hmac.compare_digest(expected.encode(), given.encode())

    def _checked(self, request: Recorded) -> tuple[dict | None, Reply | None]:
        if not self.signature_ok(request):
            return None, Reply(401, UNAUTHORIZED)
        try:
            body = request.json()
        except ValueError:
            return None, _problem(400, "Invalid Request", "The request body is not JSON.")
        if not isinstance(body, dict):
            return None, _problem(400, "Invalid Request", "The request body is not a JSON object.")
        text = body.get("text")
        if (body.get("attachments") or body.get("media")) and text is None:
            return body, None  # a DM or a tweet may be files alone
        if not isinstance(text, str) or not text.strip():
            return None, _problem(400, "Invalid Request", "text is required.")
        return body, None

    def _ready(self, media_id, *, dm: bool) -> Reply | None:
        """None if `media_id` names an uploaded, finished media; else X's refusal."""
        media = self.media.get(str(media_id)) if isinstance(media_id, str) else None
        if media is None:
            return _invalid(INVALID_MEDIA if not dm else "The media_id is not a known, uploaded media.")
        if media["state"] != "succeeded":
            return _invalid(f"The media {media_id} is not ready: its processing is {media['state']}.")
        return None

    # -- routes ----------------------------------------------------------------------------
    def _upload_media(self, request: Recorded, match: re.Match) -> Reply:
        """v2 simple upload: multipart `media` with `media_category` (tweet_image, dm_image ...)."""
        if not self.signature_ok(request):
            return Reply(401, UNAUTHORIZED)
        fields, files = request.multipart()
        upload = files.get("media")
        if upload is None or not upload.content:
            return _invalid("media is required.")
        category = fields.get("media_category", "")
        if category not in SIMPLE_UPLOAD:
            return _invalid(f"media_category {category!r} is not supported here"
                            + (": use the chunked upload." if category in CATEGORIES else "."))
        refused = self._refused_media(category, fields.get("media_type") or upload.content_type,
                                      len(upload.content))
        if refused:
            return refused
        media_id = str(next(self._ids))
        self.media[media_id] = {"category": category, "content_type": upload.content_type,
                                "filename": upload.filename, "content": upload.content, "state": "succeeded"}
        return Reply(200, {"data": {"id": media_id, "media_key": f"3_{media_id}", "size": len(upload.content),
                                    "expires_after_secs": 86400}})

    def _refused_media(self, category: str, media_type: str, size: int) -> Reply | None:
        types, largest = CATEGORIES[category]
        if media_type not in types:
            return _invalid(f"media_type {media_type!r} does not fit media_category {category}.")
        if size > largest:
            return _invalid(f"The file is {size} bytes: {category} takes at most {largest} bytes.")
        return None

    def _initialize_upload(self, request: Recorded, match: re.Match) -> Reply:
        """INIT: JSON {media_type, total_bytes, media_category}."""
        if not self.signature_ok(request):
            return Reply(401, UNAUTHORIZED)
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _invalid("The request body is not a JSON object.")
        category, total = body.get("media_category"), body.get("total_bytes")
        if category not in CATEGORIES:
            return _invalid(f"media_category {category!r} is not one of {', '.join(CATEGORIES)}.")
        if not isinstance(total, int) or isinstance(total, bool) or not 0 < total <= 512 * MB:
            return _invalid("total_bytes must be an integer from 1 to 536870912.")
        refused = self._refused_media(category, str(body.get("media_type") or ""), total)
        if refused:
            return refused
        media_id = str(next(self._ids))
        self.media[media_id] = {"category": category, "content_type": body["media_type"], "filename": "",
                                "total_bytes": total, "segments": {}, "content": b"", "state": "uploading"}
        return Reply(200, {"data": {"id": media_id, "media_key": f"7_{media_id}", "expires_after_secs": 86399}})

    def _append_upload(self, request: Recorded, match: re.Match) -> Reply:
        """APPEND: multipart `media` (one chunk of at most 5 MB) and `segment_index` (0-999)."""
        if not self.signature_ok(request):
            return Reply(401, UNAUTHORIZED)
        media = self.media.get(match.group("media_id"))
        if media is None or media["state"] != "uploading":
            return _invalid("The media id is not an upload in progress.")
        fields, files = request.multipart()
        chunk, index = files.get("media"), fields.get("segment_index", "")
        if chunk is None or not chunk.content:
            return _invalid("media is required.")
        if not index.isdigit() or int(index) > 999:
            return _invalid("segment_index must be an integer from 0 to 999.")
        if len(chunk.content) > MAX_CHUNK:
            return _invalid(f"A chunk is at most {MAX_CHUNK} bytes.")
        media["segments"][int(index)] = chunk.content
        media["filename"] = chunk.filename
        return Reply(200, {"data": {"expires_at": int(time.time()) + 86399}})

    def _finalize_upload(self, request: Recorded, match: re.Match) -> Reply:
        """FINALIZE: the segments must be 0..n-1 and add up to total_bytes; GIFs and videos
        are then processed (pending), anything else is ready at once."""
        if not self.signature_ok(request):
            return Reply(401, UNAUTHORIZED)
        media_id = match.group("media_id")
        media = self.media.get(media_id)
        if media is None or media["state"] != "uploading":
            return _invalid("The media id is not an upload in progress.")
        segments = media.pop("segments")
        if sorted(segments) != list(range(len(segments))):
            media["state"] = "failed"
            return _invalid(f"Segments are missing: got {sorted(segments)}.")
        media["content"] = b"".join(segments[n] for n in range(len(segments)))
        if len(media["content"]) != media["total_bytes"]:
            media["state"] = "failed"
            return _invalid(f"File size mismatch: {len(media['content'])} bytes appended, "
                            f"total_bytes said {media['total_bytes']}.")
        answer = {"id": media_id, "media_key": f"7_{media_id}", "size": len(media["content"]),
                  "expires_after_secs": 86400}
        if media["category"].endswith("_image"):
            media["state"] = "succeeded"
        else:
            media["state"] = "pending"
            answer["processing_info"] = {"state": "pending", "check_after_secs": self.check_after_secs}
        return Reply(200, {"data": answer})

    def _upload_status(self, request: Recorded, match: re.Match) -> Reply:
        """STATUS: `?command=STATUS&media_id=...`; a pending media has finished by now."""
        if not self.signature_ok(request):
            return Reply(401, UNAUTHORIZED)
        if request.query.get("command") != ["STATUS"]:
            return _invalid("command must be STATUS.")
        media_id = (request.query.get("media_id") or [""])[0]
        media = self.media.get(media_id)
        if media is None:
            return _invalid("The media id is not known.")
        if media["state"] in ("pending", "in_progress"):
            self._process(media)
        info = {"state": media["state"], "progress_percent": 100 if media["state"] == "succeeded" else 12}
        if media["state"] == "failed":
            info["error"] = {"code": 1, "name": "InvalidMedia", "message": media.get("error", "")}
        return Reply(200, {"data": {"id": media_id, "media_key": f"7_{media_id}", "processing_info": info}})

    def _process(self, media: dict) -> None:
        if self._fail_processing:
            media["state"], media["error"] = "failed", self._fail_processing.pop(0)
        elif media["content_type"] == "video/mp4" and media["content"][4:8] != b"ftyp":
            media["state"], media["error"] = "failed", "Unsupported video format"
        else:
            media["state"] = "succeeded"

    def _create_tweet(self, request: Recorded, match: re.Match) -> Reply:
        body, error = self._checked(request)
        if error:
            return error
        if len(body.get("text") or "") > 280:
            return _invalid("Your Tweet text is too long.")
        if "media" in body:
            refused = self._tweet_media(body["media"])
            if refused:
                return refused
        tweet_id = str(next(self._ids))
        self.tweets.append({"id": tweet_id, **body})
        return Reply(201, {"data": {"id": tweet_id, "text": body.get("text") or "",
                                    "edit_history_tweet_ids": [tweet_id]}})

    def _tweet_media(self, media) -> Reply | None:
        """`media.media_ids`: 1 to 4 finished media, and a GIF or a video only alone."""
        ids = media.get("media_ids") if isinstance(media, dict) else None
        if not isinstance(ids, list) or not 1 <= len(ids) <= 4:
            return _invalid("media.media_ids must list 1 to 4 media ids.")
        for media_id in ids:
            refused = self._ready(media_id, dm=False)
            if refused:
                return refused
        if len(ids) > 1 and any(not self.media[i]["category"].endswith("_image") for i in ids):
            return _invalid(INVALID_MEDIA + " A GIF or a video cannot go with other media.")
        return None

    def _send_dm(self, request: Recorded, match: re.Match) -> Reply:
        body, error = self._checked(request)
        if error:
            return error
        attachments = body.get("attachments") or []
        if len(attachments) > 1:
            return _invalid("Only one attachment is allowed per message.")
        for item in attachments:
            refused = self._ready(str((item or {}).get("media_id")), dm=True)
            if refused:
                return refused
        participant = match.group("participant")
        event_id = str(next(self._ids))
        conversation_id = "-".join(sorted([participant, self.user_id], key=int))
        self.dm_events.append({"id": event_id, "participant": participant, **body})
        return Reply(201, {"data": {"dm_conversation_id": conversation_id, "dm_event_id": event_id}})
