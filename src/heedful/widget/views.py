"""The visitor API and the widget script. Thin: each view checks the caller (`access`), does one
thing, and maps typed errors to statuses in `answer`.

Token-authenticated (Authorization: Bearer), never cookies, so there is no CSRF to forge; every
request from a browser is also held to the channel's allowed origins.
"""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path

from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from heedful.channels.providers.webchat import files, prechat
from heedful.core.errors import (
    AttachmentRefused,
    HeedfulError,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationError,
)
from heedful.knowledge import actions as knowledge_actions
from heedful.widget import (
    access,
    availability,
    gate,
    inbound,
    origins,
    signals,
    stream,
    surveys,
    tokens,
)

SCRIPT = Path(__file__).resolve().parent / "static" / "heedful" / "widget.js"
MAX_BODY = 16 * 1024
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def answer(view):
    """CORS on every answer, a preflight for any origin, typed errors as JSON statuses."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        origin = request.headers.get("Origin")
        if request.method == "OPTIONS":
            return origins.preflight(origin)
        try:
            response = view(request, *args, **kwargs)
        except HeedfulError as exc:
            response = JsonResponse({"error": exc.code, "detail": str(exc)}, status=exc.status)
            if isinstance(exc, RateLimited):
                response["Retry-After"] = str(exc.retry_after)
            if exc.status == 403:
                return response  # another site: it may not even read the refusal
        return origins.decorate(response, origin)

    return csrf_exempt(wrapped)


def _json(request) -> dict:
    if len(request.body) > MAX_BODY:
        raise ValidationError("request body too large")
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise ValidationError("body is not JSON") from None
    if not isinstance(data, dict):
        raise ValidationError("body must be a JSON object")
    return data


def _method(request, *allowed: str) -> None:
    if request.method not in allowed:
        raise MethodNotAllowed(f"use {' or '.join(allowed)}")


class MethodNotAllowed(HeedfulError):
    status = 405
    code = "method_not_allowed"


def _channel_json(channel) -> dict:
    settings = channel.settings or {}
    return {"name": channel.name, "greeting": str(settings.get("greeting", "")),
            "require_email": bool(settings.get("require_email", False)),
            "ask_name": bool(settings.get("ask_name", False)), "fields": prechat.fields_of(settings),
            "consent": str(settings.get("consent", "")), "availability": availability.status(channel)}


@answer
def sessions(request):
    """POST {"channel": PUBLIC_KEY, "identity": {id, email, name, hash}?} -> {"token", ...}."""
    _method(request, "POST")
    data = _json(request)
    caller = access.by_key(request, str(data.get("channel", "")))
    before = access.optional_token(request)
    if before is not None and before.channel_id != caller.channel.pk:
        before = None
    visitor = before or tokens.anonymous(caller.channel.pk)
    claim = data.get("identity")
    if isinstance(claim, dict) and claim:
        try:
            visitor = tokens.identified(caller.channel.pk, caller.channel.credential("identity_secret"),
                                        claim, before)
        except tokens.BadToken as exc:
            raise Unauthorized(str(exc)) from None
    return JsonResponse({"token": tokens.issue(visitor), "verified": visitor.verified,
                         "channel": _channel_json(caller.channel)}, status=201)


@answer
def messages(request):
    """GET: the visitor's history (?before=ID). POST {"text", "client_id", "email"?}: send."""
    _method(request, "GET", "POST")
    if request.method == "POST":
        caller = access.by_token(request, scope="message")
        data, uploads = _message_body(request, caller)
        away = not availability.status(caller.channel, with_wait=False)["online"]
        event_id, created, mid = inbound.accept(caller.channel, caller.visitor, data, away=away, uploads=uploads)
        return JsonResponse({"id": mid, "event": event_id, "duplicate": not created}, status=202)
    caller = access.by_token(request, scope="read")
    before = _int(request.GET.get("before"))
    rows = gate.history(caller.visitor, before=before)
    cursor = gate.since(caller.visitor, rows[0].pk - 1)[1] if rows and not before else None
    carried = surveys.by_message(rows)
    results = [gate.as_json(m, surveys.as_json(carried[m.pk]) if m.pk in carried else None) for m in rows]
    return JsonResponse({"results": results, "cursor": cursor,
                         "seen": signals.seen_up_to(caller.visitor), "unread": signals.unread(caller.visitor),
                         "open": gate.open_conversation(caller.visitor) is not None})


def _message_body(request, caller) -> tuple[dict, list[tuple[str, bytes]]]:
    """JSON, or multipart/form-data with the same fields and up to MAX_FILES `files`. A file
    over the channel's limit is refused by its announced size before it is read."""
    if not request.content_type.startswith("multipart/"):
        return _json(request), []
    sent = request.FILES.getlist("files")
    if not sent:
        raise ValidationError("a multipart message carries its files as `files`")
    if len(sent) > files.MAX_FILES:
        raise ValidationError(f"at most {files.MAX_FILES} files per message")
    access.limit_uploads(caller)
    limit = files.max_bytes(caller.channel)
    for upload in sent:
        if upload.size > limit:
            raise AttachmentRefused(f"a file may be at most {limit // (1024 * 1024)} MB")
    data = {k: request.POST.get(k) for k in ("text", "client_id", "email", "name", "page") if k in request.POST}
    if "fields" in request.POST:
        try:
            data["fields"] = json.loads(request.POST["fields"])
        except ValueError:
            raise ValidationError("fields must be a JSON object") from None
    return data, [(upload.name or "", upload.read()) for upload in sent]


@answer
def attachment(request, attachment_id: int):
    """GET one file of the visitor's conversation, only with their token (the widget fetches
    it with the header and shows it from a blob). Images inline, everything else a download;
    sandboxed and never sniffed, so no file runs as a page."""
    _method(request, "GET")
    caller = access.by_token(request, scope="read")
    found = gate.attachment(caller.visitor, attachment_id)
    if found is None or not found.file:
        raise NotFound("no such file")
    inline = found.content_type in INLINE_TYPES
    response = FileResponse(found.file.open("rb"), as_attachment=not inline, filename=found.filename or "file",
                            content_type=found.content_type if inline else "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@answer
def typing(request):
    """POST: the visitor is typing (throttled server-side; 202 either way)."""
    _method(request, "POST")
    caller = access.by_token(request, scope="signal")
    return JsonResponse({"sent": signals.typing(caller.visitor)}, status=202)


@answer
def read(request):
    """POST {"up_to": MESSAGE_ID}: the visitor saw the replies up to that id."""
    _method(request, "POST")
    caller = access.by_token(request, scope="signal")
    up_to = _int(_json(request).get("up_to"))
    if up_to is None:
        raise ValidationError("up_to must be a message id")
    return JsonResponse({"read": signals.read(caller.visitor, up_to)})


@answer
def survey(request, message_id: int):
    """POST {"csat": 1-5, "why", "why_text"?}: the answers to the survey a reply carried."""
    _method(request, "POST")
    caller = access.by_token(request, scope="message")
    answered = surveys.answer(caller.visitor, message_id, _json(request))
    return JsonResponse({"answered": True, "csat": answered.csat, "why": answered.why})


@answer
def suggestion_opened(request):
    """POST {"kind": "article"|"topic", "id", "query"?}: the visitor opened a suggestion. It is a
    deflection unless this visitor writes to us within the session window."""
    _method(request, "POST")
    caller = access.by_token(request, scope="signal")
    data = _json(request)
    item = _int(data.get("id"))
    if item is None:
        raise ValidationError("id must be the article's or topic's id")
    opened = knowledge_actions.record_suggestion_opened(signals.deflection_session(caller.visitor),
                                                        str(data.get("kind", "")), item,
                                                        str(data.get("query") or "")[:200], "widget")
    return JsonResponse({"id": opened.pk}, status=201)


@answer
def live(request):
    """GET, server-sent events; resumes after `Last-Event-ID` (or ?after=)."""
    _method(request, "GET")
    caller = access.by_token(request, scope="read")
    cursor = _int(request.headers.get("Last-Event-ID") or request.GET.get("after")) or 0
    response = StreamingHttpResponse(stream.events(caller.visitor, cursor), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"
    return response


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**63 else None


@functools.lru_cache(maxsize=1)
def _script() -> tuple[bytes, bytes]:
    raw = SCRIPT.read_bytes()
    return raw, gzip.compress(raw, 9, mtime=0)


def script(request):
    """/widget.js, gzipped when the browser takes it; cached briefly so fixes reach sites soon."""
    raw, packed = _script()
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
    response = HttpResponse(packed if gzipped else raw, content_type="application/javascript; charset=utf-8")
    if gzipped:
        response["Content-Encoding"] = "gzip"
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
