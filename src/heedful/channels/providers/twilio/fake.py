"""A local Twilio Messages API for tests and the demo (documented response shapes).

MMS: like Twilio, the fake fetches every `MediaUrl` when the message is created and keeps what
it got in `media` (sid -> [(content type, bytes)]); `fetch` is how it reaches a URL (httpx by
default; a test may hand it its own client).
"""

from __future__ import annotations

import itertools
from urllib.parse import parse_qsl, urlsplit

import httpx

from heedful.devtools.fakeserver import FakeProviderServer, Reply

MAX_MEDIA = 10


def _fetch(url: str) -> tuple[int, str, bytes]:
    response = httpx.get(url, timeout=10, follow_redirects=True)
    return response.status_code, response.headers.get("content-type", ""), response.content


class FakeTwilioAPI(FakeProviderServer):
    def __init__(self, *args, fetch=_fetch, **kwargs):
        self.fetch = fetch
        self.media: dict[str, list[tuple[str, bytes]]] = {}
        super().__init__(*args, **kwargs)

    def setup_routes(self):
        self._ids = itertools.count(1)
        self.route("POST", r"/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json", self._create)

    def _create(self, request, match):
        pairs = parse_qsl(request.body.decode())
        form = dict(pairs)
        media_urls = [v for k, v in pairs if k == "MediaUrl"]
        if not form.get("To") or not (form.get("Body") or media_urls):
            return Reply(400, {"code": 21602, "message": "Message body is required.", "status": 400})
        if len(media_urls) > MAX_MEDIA:
            return Reply(400, {"code": 21623, "message": "Too many media URLs (at most 10).", "status": 400})
        fetched = []
        for url in media_urls:
            if urlsplit(url).scheme not in ("http", "https"):
                return Reply(400, {"code": 21620, "message": "Invalid media URL(s)", "status": 400})
            status, content_type, content = self.fetch(url)
            if status != 200:
                return Reply(400, {"code": 11200, "message": f"HTTP retrieval failure ({status})", "status": 400})
            fetched.append((content_type.split(";")[0].strip(), content))
        sid = f"{'MM' if media_urls else 'SM'}{next(self._ids):032x}"
        self.media[sid] = fetched
        return Reply(201, {"sid": sid, "account_sid": match["sid"], "to": form["To"], "from": form.get("From"),
                           "body": form.get("Body", ""), "status": "queued", "direction": "outbound-api",
                           "num_segments": "1", "num_media": str(len(media_urls)),
                           "uri": f"/2010-04-01/Accounts/{match['sid']}/Messages/{sid}.json"})
