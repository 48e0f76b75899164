"""A local stand-in for the Graph API: Messenger/Instagram Send API, comment replies and the
WhatsApp Cloud API `messages` endpoint, answering in Meta's documented response shapes.

    with FakeGraphAPI(token="page-token") as fake:
        channel.settings["api_base_url"] = fake.base_url
        ...
        fake.rate_limit(retry_after=1)   # next call: 429 with Retry-After
        fake.expire_token()              # every later call: error 190
"""

from __future__ import annotations

import itertools
import re

from heedful.devtools.fakeserver import FakeProviderServer, Recorded, Reply

_VERSION = r"/v\d+(?:\.\d+)?"


def graph_error(code: int, message: str, *, subcode: int | None = None, transient: bool = False) -> dict:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "FAKEtrace"}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient:
        error["is_transient"] = True
    return {"error": error}


class FakeGraphAPI(FakeProviderServer):
    """`token`: when set, a request with another bearer token gets error 190 (expired)."""

    def __init__(self, *args, token: str = "", **kwargs):
        self.token = token
        self._ids = itertools.count(1)
        self._chosen_ids: list[str] = []
        super().__init__(*args, **kwargs)

    def setup_routes(self) -> None:
        self.route("POST", _VERSION + r"/([^/]+)/messages", self._messages)
        self.route("POST", _VERSION + r"/([^/]+)/(comments|replies)", self._comment)

    # -- scripting -------------------------------------------------------------------------
    def rate_limit(self, retry_after: int = 1, times: int = 1) -> None:
        self.fail_next(429, graph_error(4, "(#4) Application request limit reached", transient=True),
                       {"Retry-After": str(retry_after)}, times)

    def expire_token(self) -> None:
        self.token = "a token nobody has any more"

    def close_window(self) -> None:
        """The next WhatsApp send fails: more than 24 h since the customer wrote."""
        self.fail_next(400, graph_error(131047, "Re-engagement message"))

    def answer_with_ids(self, *ids: str) -> None:
        """The next sends get these message ids (to match a captured status webhook)."""
        self._chosen_ids.extend(ids)

    def sent(self, edge: str = "messages") -> list[Recorded]:
        return self.requests_to("POST", rf"/{edge}$")

    # -- routes ----------------------------------------------------------------------------
    def _refused(self, recorded: Recorded) -> Reply | None:
        given = recorded.headers.get("authorization", "")
        if self.token and given != f"Bearer {self.token}":
            return Reply(401, graph_error(190, "Error validating access token: Session has expired",
                                          subcode=463))
        return None

    def _messages(self, recorded: Recorded, match: re.Match) -> Reply:
        refused = self._refused(recorded)
        if refused:
            return refused
        body = recorded.json() or {}
        n = next(self._ids)
        chosen = self._chosen_ids.pop(0) if self._chosen_ids else ""
        if body.get("messaging_product") == "whatsapp":
            to = str(body.get("to", ""))
            return Reply(200, {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                               "messages": [{"id": chosen or f"wamid.FAKE{n:06d}"}]})
        recipient = body.get("recipient") or {}
        return Reply(200, {"recipient_id": str(recipient.get("id") or f"9{n:05d}"),
                           "message_id": chosen or f"m_FAKE{n:06d}"})

    def _comment(self, recorded: Recorded, match: re.Match) -> Reply:
        refused = self._refused(recorded)
        if refused:
            return refused
        parent = match.group(1).split("_")[0]
        return Reply(200, {"id": f"{parent}_{700000 + next(self._ids)}"})
