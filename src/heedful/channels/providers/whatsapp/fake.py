"""The WhatsApp Cloud API fake: the Graph API fake (one server answers every Meta route) plus the
business account's message templates.

    with FakeWhatsAppAPI(token="t") as fake:
        fake.templates.append(fake_template("order_update", "en_US", "Hi {{1}}, order {{2}} shipped"))
        ...  GET /{waba-id}/message_templates lists them (paged, as Graph does)
        ...  once templates are scripted, a `type: "template"` send naming another one, or with
             a wrong variable count, is refused with Graph's error 132001 / 132000
"""

from __future__ import annotations

import re

from heedful.channels.providers.meta.fake import _VERSION, FakeGraphAPI, graph_error
from heedful.devtools.fakeserver import Recorded, Reply

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def fake_template(name: str, language: str, body: str, *, status: str = "APPROVED", header: str = "",
                  category: str = "UTILITY") -> dict:
    """A template as `GET /{waba-id}/message_templates` lists it."""
    components = [{"type": "HEADER", "format": "TEXT", "text": header}] if header else []
    components.append({"type": "BODY", "text": body})
    return {"name": name, "language": language, "status": status, "category": category,
            "components": components, "id": str(abs(hash((name, language))) % 10**15)}


class FakeWhatsAppAPI(FakeGraphAPI):
    def __init__(self, *args, templates: list[dict] | None = None, **kwargs):
        self.templates: list[dict] = list(templates or [])
        super().__init__(*args, **kwargs)

    def setup_routes(self) -> None:
        super().setup_routes()
        self.route("GET", _VERSION + r"/([^/]+)/message_templates", self._message_templates)

    def template_sends(self) -> list[dict]:
        return [r.json() for r in self.sent() if (r.json() or {}).get("type") == "template"]

    def _message_templates(self, recorded: Recorded, match: re.Match) -> Reply:
        refused = self._refused(recorded)
        if refused:
            return refused
        limit = int((recorded.query.get("limit") or ["25"])[0])
        start = int((recorded.query.get("after") or ["0"])[0] or 0)
        page = self.templates[start:start + limit]
        body: dict = {"data": page, "paging": {"cursors": {"before": str(start), "after": str(start + len(page))}}}
        if start + limit < len(self.templates):
            body["paging"]["next"] = f"{recorded.path}?limit={limit}&after={start + limit}"
        return Reply(200, body)

    def _messages(self, recorded: Recorded, match: re.Match) -> Reply:
        body = recorded.json() or {}
        # With no templates scripted every template send is accepted (tests of the send path only).
        if (self.templates and body.get("messaging_product") == "whatsapp" and body.get("type") == "template"
                and not self._refused(recorded)):
            problem = self._template_problem(body.get("template") or {})
            if problem:
                return problem
        return super()._messages(recorded, match)

    def _template_problem(self, sent: dict) -> Reply | None:
        language = (sent.get("language") or {}).get("code")
        found = next((t for t in self.templates if t["name"] == sent.get("name") and t["language"] == language
                      and t["status"] == "APPROVED"), None)
        if found is None:
            return Reply(404, graph_error(132001, "(#132001) Template name does not exist in the translation"))
        given = {str(c.get("type", "")).upper(): len(c.get("parameters") or []) for c in sent.get("components") or []}
        for component in found["components"]:
            wanted = len(dict.fromkeys(_VARIABLE.findall(component.get("text", ""))))
            if wanted != given.get(component["type"], 0):
                return Reply(400, graph_error(132000, "(#132000) Number of parameters does not match the "
                                                      "expected number of params"))
        return None


__all__ = ["FakeWhatsAppAPI", "FakeGraphAPI", "fake_template", "graph_error"]
