"""A local stand-in for the Graph API: Messenger/Instagram Send API, comment replies (with an
unpublished Page photo as `attachment_id` on Facebook) and the WhatsApp Cloud API `messages`
endpoint, answering in Meta's documented response shapes.

    with FakeGraphAPI(token="page-token") as fake:
        channel.settings["api_base_url"] = fake.base_url
        ...
        fake.rate_limit(retry_after=1)   # next call: 429 with Retry-After
        fake.expire_token()              # every later call: error 190
"""

from __future__ import annotations

import itertools
import json
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
        self._private_reply_recipients: dict[str, str] = {}  # comment id -> the commenter's PSID
        # Uploaded files by id: Messenger/Instagram attachment ids and WhatsApp media ids.
        self.uploads: dict[str, dict] = {}
        # Page photos by id (`POST /{page-id}/photos`), and the comments posted, in order.
        self.photos: dict[str, dict] = {}
        self.comments: list[dict] = []
        # Instagram mentions the Graph API can read back, by comment id or media id.
        self.mentioned: dict[tuple[str, str], dict] = {}
        super().__init__(*args, **kwargs)

    def setup_routes(self) -> None:
        self.route("POST", _VERSION + r"/([^/]+)/messages", self._messages)
        self.route("POST", _VERSION + r"/([^/]+)/(comments|replies)", self._comment)
        self.route("POST", _VERSION + r"/([^/]+)/message_attachments", self._message_attachment)
        self.route("POST", _VERSION + r"/([^/]+)/photos", self._page_photo)
        self.route("POST", _VERSION + r"/([^/]+)/media", self._whatsapp_media)
        self.route("POST", _VERSION + r"/([^/]+)/mentions", self._mention_reply)
        self.route("GET", _VERSION + r"/([^/]+)", self._read_mention)

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

    def private_reply_recipient(self, comment_id: str, psid: str) -> None:
        """A private reply to this comment answers with this `recipient_id` (the commenter's
        Messenger PSID, which differs from their id in the feed). Unscripted private replies
        answer without one, as if Meta named no other thread."""
        self._private_reply_recipients[comment_id] = psid

    def add_mention(self, kind: str, object_id: str, node: dict) -> None:
        """What `GET /{ig-user-id}?fields=mentioned_<kind>.<kind>_id(<object_id>){...}` reads:
        `kind` "comment" or "media", `node` the IG Comment or IG Media fields."""
        self.mentioned[(kind, object_id)] = node

    def reads(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "GET"]

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
        unknown = self._unknown_upload(body)
        if unknown:
            return unknown
        n = next(self._ids)
        chosen = self._chosen_ids.pop(0) if self._chosen_ids else ""
        if body.get("messaging_product") == "whatsapp":
            to = str(body.get("to", ""))
            return Reply(200, {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                               "messages": [{"id": chosen or f"wamid.FAKE{n:06d}"}]})
        recipient = body.get("recipient") or {}
        if recipient.get("comment_id") or recipient.get("post_id"):
            psid = self._private_reply_recipients.get(str(recipient.get("comment_id") or recipient.get("post_id")))
            return Reply(200, {**({"recipient_id": psid} if psid else {}), "message_id": chosen or f"m_FAKE{n:06d}"})
        return Reply(200, {"recipient_id": str(recipient.get("id") or f"9{n:05d}"),
                           "message_id": chosen or f"m_FAKE{n:06d}"})

    def _unknown_upload(self, body: dict) -> Reply | None:
        """A message may only name files uploaded here first (attachment_id / media id)."""
        message = body.get("message") if isinstance(body.get("message"), dict) else {}
        attachment = message.get("attachment") if isinstance(message.get("attachment"), dict) else {}
        if attachment:
            if "text" in message:
                return Reply(400, graph_error(100, "(#100) Only one of text or attachment may be set"))
            payload = attachment.get("payload") or {}
            if str(payload.get("attachment_id")) not in self.uploads:
                return Reply(400, graph_error(100, "(#100) Invalid attachment_id"))
        kind = body.get("type") if body.get("messaging_product") == "whatsapp" else None
        media = body.get(kind) if kind in ("image", "document", "audio", "video", "sticker") else None
        if isinstance(media, dict) and "id" in media and str(media["id"]) not in self.uploads:
            return Reply(400, graph_error(131053, "Media upload error: unknown media id"))
        return None

    def _message_attachment(self, recorded: Recorded, match: re.Match) -> Reply:
        """Attachment Upload API: multipart `message` (JSON naming the type) and `filedata`."""
        refused = self._refused(recorded)
        if refused:
            return refused
        fields, files = recorded.multipart()
        upload = files.get("filedata")
        try:
            attachment = json.loads(fields.get("message") or "{}").get("attachment") or {}
        except ValueError:
            attachment = {}
        if upload is None or not upload.content or attachment.get("type") not in ("image", "video", "audio", "file"):
            return Reply(400, graph_error(100, "(#100) message.attachment.type and filedata are required"))
        attachment_id = str(1_857_777_774_821_000 + next(self._ids))
        self.uploads[attachment_id] = {"type": attachment["type"], "filename": upload.filename,
                                       "content_type": upload.content_type, "content": upload.content,
                                       "platform": (recorded.query.get("platform") or [""])[0]}
        return Reply(200, {"attachment_id": attachment_id})

    def _whatsapp_media(self, recorded: Recorded, match: re.Match) -> Reply:
        """WhatsApp Cloud API media upload: multipart `file`, `type` and messaging_product."""
        refused = self._refused(recorded)
        if refused:
            return refused
        fields, files = recorded.multipart()
        upload = files.get("file")
        if fields.get("messaging_product") != "whatsapp" or upload is None or not upload.content:
            return Reply(400, graph_error(100, "(#100) messaging_product=whatsapp and file are required"))
        if fields.get("type") != upload.content_type:
            return Reply(400, graph_error(100, "(#100) type must be the file's MIME type"))
        media_id = str(1_000_000_000_000 + next(self._ids))
        self.uploads[media_id] = {"type": fields["type"], "filename": upload.filename, "content": upload.content,
                                  "content_type": upload.content_type, "phone_number_id": match.group(1)}
        return Reply(200, {"id": media_id})

    def _page_photo(self, recorded: Recorded, match: re.Match) -> Reply:
        """Page photos: multipart `source` (or `url`); `published=false` keeps it off the Page,
        to be named as a comment's `attachment_id`."""
        refused = self._refused(recorded)
        if refused:
            return refused
        fields, files = recorded.multipart()
        source = files.get("source")
        if (source is None or not source.content) and not fields.get("url"):
            return Reply(400, graph_error(324, "(#324) Requires upload file"))
        if source is not None and not source.content_type.startswith("image/"):
            return Reply(400, graph_error(324, "(#324) Missing or invalid image file"))
        published = fields.get("published", "true").lower() != "false"
        photo_id = str(1_220_000_000_000_000 + next(self._ids))
        self.photos[photo_id] = {"page": match.group(1), "published": published,
                                 "filename": source.filename if source else "",
                                 "content_type": source.content_type if source else "",
                                 "content": source.content if source else b"", "url": fields.get("url", "")}
        if published:
            return Reply(200, {"id": photo_id, "post_id": f"{match.group(1)}_{photo_id}"})
        return Reply(200, {"id": photo_id})

    def _comment(self, recorded: Recorded, match: re.Match) -> Reply:
        """A reply on the comment edge: `message`, and on Facebook optionally `attachment_id`
        (an unpublished photo of this fake) or `attachment_url`; Instagram's `replies` is text."""
        refused = self._refused(recorded)
        if refused:
            return refused
        body = recorded.json() or {}
        edge = match.group(2)
        attached = [k for k in ("attachment_id", "attachment_url", "attachment_share_url", "source") if k in body]
        if edge == "replies" and attached:
            return Reply(400, graph_error(100, f"(#100) Param {attached[0]} is not a valid parameter here"))
        if not str(body.get("message") or "").strip() and not attached:
            return Reply(400, graph_error(100, "(#100) A comment needs a message or an attachment"))
        if len(attached) > 1:
            return Reply(400, graph_error(100, "(#100) Only one of attachment_id, attachment_url may be set"))
        if "attachment_id" in body:
            photo = self.photos.get(str(body["attachment_id"]))
            if photo is None or photo["published"]:
                return Reply(400, graph_error(100, "(#100) attachment_id must name an unpublished photo"))
        parent = match.group(1).split("_")[0]
        comment_id = f"{parent}_{700000 + next(self._ids)}"
        self.comments.append({"id": comment_id, "parent": match.group(1), "edge": edge, **body})
        return Reply(200, {"id": comment_id})

    # -- Instagram mentions ----------------------------------------------------------------
    _MENTION_QUERY = re.compile(r"^mentioned_(comment|media)\.(?:comment|media)_id\(([^)]+)\)(?:\{(.*)\})?$")

    def _read_mention(self, recorded: Recorded, match: re.Match) -> Reply:
        """IG User mentioned_comment / mentioned_media: the named fields of the mentioned object."""
        refused = self._refused(recorded)
        if refused:
            return refused
        fields = (recorded.query.get("fields") or [""])[0]
        if not fields.startswith("mentioned_"):  # another node read: not faked here
            return Reply(404, {"error": "no such endpoint in the fake", "path": recorded.path})
        query = self._MENTION_QUERY.match(fields)
        if not query:
            return Reply(400, graph_error(100, "(#100) Tried accessing nonexisting field"))
        kind, object_id, wanted = query.groups()
        node = self.mentioned.get((kind, object_id))
        if node is None:
            return Reply(400, graph_error(100, f"(#100) The mentioned {kind} does not exist or is private",
                                          subcode=2108006))
        names = {f.split("{", 1)[0] for f in _top_level(wanted or "id,text,timestamp")}
        return Reply(200, {f"mentioned_{kind}": {k: v for k, v in node.items() if k in names | {"id"}},
                           "id": match.group(1)})

    def _mention_reply(self, recorded: Recorded, match: re.Match) -> Reply:
        """IG User mentions edge: a comment on the media (or under the comment) that mentioned us."""
        refused = self._refused(recorded)
        if refused:
            return refused
        body = recorded.json() or {}
        if not body.get("media_id") or not body.get("message"):
            return Reply(400, graph_error(100, "(#100) media_id and message are required"))
        return Reply(200, {"id": f"1790{800000 + next(self._ids)}"})


def _top_level(fields: str) -> list[str]:
    """Split a Graph `fields` list at its top-level commas (not inside `media{...}`)."""
    parts, depth, current = [], 0, ""
    for char in fields:
        depth += char == "{"
        depth -= char == "}"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p.strip() for p in [*parts, current] if p.strip()]
