"""A local Twilio Messages API for tests and the demo (documented response shapes)."""

from __future__ import annotations

import itertools
from urllib.parse import parse_qsl

from heedful.devtools.fakeserver import FakeProviderServer, Reply


class FakeTwilioAPI(FakeProviderServer):
    def setup_routes(self):
        self._ids = itertools.count(1)
        self.route("POST", r"/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json", self._create)

    def _create(self, request, match):
        form = dict(parse_qsl(request.body.decode()))
        if not form.get("To") or not form.get("Body"):
            return Reply(400, {"code": 21604, "message": "A 'To' phone number and a 'Body' are required.",
                               "status": 400})
        sid = f"SM{next(self._ids):032x}"
        return Reply(201, {"sid": sid, "account_sid": match["sid"], "to": form["To"], "from": form.get("From"),
                           "body": form["Body"], "status": "queued", "direction": "outbound-api",
                           "num_segments": "1", "uri": f"/2010-04-01/Accounts/{match['sid']}/Messages/{sid}.json"})
