"""The webhook receivers served in front of Django's request handler.

A webhook needs none of what the handler does for a page: no session, user, CSRF, messages or
URL resolution over the whole site. Going through it cost about 120-190 µs of CPU per request
(measured in process, no database work), which on a two-core machine is a large share of what
a webhook costs the web tier. This WSGI wrapper answers `POST`/`GET /hooks/<family>/<id>` by
calling the same view (`ingestion.views.webhook`: the same provider `verify`, the same durable
store through the group-commit writer, the same answers) and hands every other request,
`/hooks/.../data-deletion` included, to Django untouched.

On by default; `HEEDFUL_HOOKS_FAST_PATH=0` sends webhooks through the full handler again.
"""

from __future__ import annotations

import logging
import re

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.handlers.wsgi import WSGIRequest
from django.db import close_old_connections
from django.http import HttpResponse, JsonResponse

from heedful.channels import registry
from heedful.ingestion.views import webhook

log = logging.getLogger(__name__)
HOOK_PATH = re.compile(r"^/hooks/(?P<family>[a-z0-9_-]+)/(?P<channel_id>[0-9]{1,18})$")
# What Django's security and clickjacking middleware add to every answer.
EXTRA_HEADERS = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                 ("Referrer-Policy", "same-origin")]


def mount(django_app):
    """`django_app` with the webhook receivers answered before it."""
    registry.load()  # import every provider now, not inside the first webhooks' requests

    def application(environ, start_response):
        match = HOOK_PATH.match(environ.get("PATH_INFO") or "")
        if match is None:
            return django_app(environ, start_response)
        response = _answer(environ, match["family"], int(match["channel_id"]))
        start_response(f"{response.status_code} {response.reason_phrase}", _headers(response))
        return [response.content]

    application.django_app = django_app
    return application


def _answer(environ, family: str, channel_id: int) -> HttpResponse:
    close_old_connections()  # what Django does on request_started: drop a connection past its age
    try:
        return webhook(WSGIRequest(environ), family, channel_id)
    except RequestDataTooBig:
        return JsonResponse({"error": "too_large", "detail": "the body is too large"}, status=413)
    except SuspiciousOperation as exc:  # e.g. a Host header outside ALLOWED_HOSTS
        return JsonResponse({"error": "bad_request", "detail": type(exc).__name__}, status=400)
    except Exception:
        # Not acknowledged, so the provider redelivers; the body is not logged (personal data).
        log.exception("webhook for channel %s failed", channel_id)
        return JsonResponse({"error": "server_error", "detail": "try again"}, status=500)
    finally:
        close_old_connections()


def _headers(response: HttpResponse) -> list[tuple[str, str]]:
    headers = [*response.items(), *EXTRA_HEADERS]
    if not response.has_header("Content-Length"):
        headers.append(("Content-Length", str(len(response.content))))
    return headers
