"""A loopback stand-in for the Twitter v2 API: create tweets and send DMs.

Answers in the documented v2 shapes, checks every request's OAuth 1.0a signature against the
credentials it was given, records requests, and scripts the failures tests need (429 with
Retry-After, an expired token).
"""

from __future__ import annotations

import hmac
import itertools
import re
from types import SimpleNamespace

from oauthlib.oauth1.rfc5849 import signature, utils

from heedful.devtools.fakeserver import FakeProviderServer, Recorded, Reply

UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
EXPIRED_TOKEN = {"errors": [{"code": 89, "message": "Invalid or expired token."}]}
TOO_MANY = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
            "status": 429}


def _problem(status: int, title: str, detail: str) -> Reply:
    return Reply(status, {"title": title, "detail": detail, "type": "about:blank", "status": status})


class FakeTwitterAPI(FakeProviderServer):
    def __init__(self, *, consumer_key="ck", consumer_secret="cs", access_token="at",
                 access_token_secret="ats", user_id="4000", **kwargs):
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.access_token, self.access_token_secret = access_token, access_token_secret
        self.user_id = user_id
        self._ids = itertools.count(1_800_000_000_000_000_001)
        self.tweets: list[dict] = []
        self.dm_events: list[dict] = []
        self.media: dict[str, dict] = {}  # media id -> {"category", "content_type", "content"}
        super().__init__(**kwargs)

    def setup_routes(self) -> None:
        self.route("POST", r"/2/tweets", self._create_tweet)
        self.route("POST", r"/2/dm_conversations/with/(?P<participant>\d+)/messages", self._send_dm)
        self.route("POST", r"/2/media/upload", self._upload_media)

    # -- scripting -------------------------------------------------------------------------
    def rate_limit_next(self, retry_after: int = 1, times: int = 1) -> None:
        self.fail_next(429, TOO_MANY, {"Retry-After": str(retry_after)}, times=times)

    def expire_token_next(self) -> None:
        self.fail_next(401, EXPIRED_TOKEN)

    # -- checks ----------------------------------------------------------------------------
    def signature_ok(self, request: Recorded) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("OAuth "):
            return False
        params = dict(utils.parse_authorization_header(header))
        if params.get("oauth_consumer_key") != self.consumer_key or params.get("oauth_token") != self.access_token:
            return False
        url = self.base_url + request.path
        collected = signature.collect_parameters(headers={"Authorization": header},
                                                 exclude_oauth_signature=True)
        base = signature.signature_base_string("POST", signature.base_string_uri(url),
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
        if body.get("attachments") and text is None:
            return body, None  # a DM may be a file alone
        if not isinstance(text, str) or not text.strip():
            return None, _problem(400, "Invalid Request", "text is required.")
        return body, None

    # -- routes ----------------------------------------------------------------------------
    def _upload_media(self, request: Recorded, match: re.Match) -> Reply:
        """v2 simple upload: multipart `media` with `media_category` (dm_image, dm_gif ...)."""
        if not self.signature_ok(request):
            return Reply(401, UNAUTHORIZED)
        fields, files = request.multipart()
        upload = files.get("media")
        if upload is None or not upload.content:
            return _problem(400, "Invalid Request", "media is required.")
        category = fields.get("media_category", "")
        if category not in ("dm_image", "dm_gif", "tweet_image", "tweet_gif"):
            return _problem(400, "Invalid Request", f"media_category {category!r} is not supported here.")
        media_id = str(next(self._ids))
        self.media[media_id] = {"category": category, "content_type": upload.content_type,
                                "filename": upload.filename, "content": upload.content}
        return Reply(200, {"data": {"id": media_id, "media_key": f"3_{media_id}", "size": len(upload.content),
                                    "expires_after_secs": 86400}})

    def _create_tweet(self, request: Recorded, match: re.Match) -> Reply:
        body, error = self._checked(request)
        if error:
            return error
        if len(body["text"]) > 280:
            return _problem(400, "Invalid Request", "Your Tweet text is too long.")
        tweet_id = str(next(self._ids))
        self.tweets.append({"id": tweet_id, **body})
        return Reply(201, {"data": {"id": tweet_id, "text": body["text"], "edit_history_tweet_ids": [tweet_id]}})

    def _send_dm(self, request: Recorded, match: re.Match) -> Reply:
        body, error = self._checked(request)
        if error:
            return error
        attachments = body.get("attachments") or []
        if len(attachments) > 1:
            return _problem(400, "Invalid Request", "Only one attachment is allowed per message.")
        for item in attachments:
            if str((item or {}).get("media_id")) not in self.media:
                return _problem(400, "Invalid Request", "The media_id is not a known, uploaded media.")
        participant = match.group("participant")
        event_id = str(next(self._ids))
        conversation_id = "-".join(sorted([participant, self.user_id], key=int))
        self.dm_events.append({"id": event_id, "participant": participant, **body})
        return Reply(201, {"data": {"dm_conversation_id": conversation_id, "dm_event_id": event_id}})
