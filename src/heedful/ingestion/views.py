"""The webhook endpoint for every provider family: verify, store raw, acknowledge.

Processing happens after the response's transaction commits (a job), never inside the request.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from heedful.channels import registry
from heedful.channels.base import WebhookRequest
from heedful.channels.cache import get_channel
from heedful.core.errors import HeedfulError, PayloadError
from heedful.ingestion import group_commit
from heedful.ingestion.store import store_event


def _webhook_request(request: HttpRequest) -> WebhookRequest:
    form = {}
    if request.content_type == "application/x-www-form-urlencoded":
        form = {k: request.POST.get(k) for k in request.POST}
    return WebhookRequest(
        method=request.method, query={k: request.GET.get(k) for k in request.GET},
        headers={k.lower(): v for k, v in request.headers.items()}, body=request.body,
        url=request.build_absolute_uri(), form=form,
    )


def _error(exc: HeedfulError) -> JsonResponse:
    return JsonResponse({"error": exc.code, "detail": str(exc)}, status=exc.status)


@csrf_exempt
def webhook(request: HttpRequest, family: str, channel_id: int) -> HttpResponse:
    channel = get_channel(channel_id)
    if channel is None or channel.provider not in registry.for_family(family):
        return JsonResponse({"error": "not_found", "detail": "no such channel"}, status=404)
    provider = registry.get(channel.provider)
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit():
        return JsonResponse({"error": "bad_request", "detail": "Content-Length is not a number"}, status=400)
    if int(length) > settings.HEEDFUL_MAX_WEBHOOK_BYTES:
        return JsonResponse({"error": "too_large", "detail": "the body is too large"}, status=413)
    try:
        incoming = _webhook_request(request)
        if request.method == "GET":
            answer = provider.handshake(channel, incoming)
            if answer is None:
                return JsonResponse({"error": "method_not_allowed"}, status=405)
            status, content_type, body = answer
            return HttpResponse(body, status=status, content_type=content_type)
        if request.method != "POST":
            return JsonResponse({"error": "method_not_allowed"}, status=405)
        provider.verify(channel, incoming)
        key = provider.event_key(channel, incoming)
    except HeedfulError as exc:
        return _error(exc)
    except RecursionError:
        # Python's JSON parser gives up on deep nesting with RecursionError, not ValueError.
        return _error(PayloadError("the body is nested too deeply to parse"))
    event_id, created = _store(channel, provider.key, key, incoming.body, request.content_type or "")
    answer = provider.acknowledge(channel, incoming, event_id)
    if answer is not None:
        status, content_type, body = answer
        return HttpResponse(body, status=status, content_type=content_type)
    return JsonResponse({"status": "accepted", "event_id": event_id, "duplicate": not created})


def _store(channel, provider_key: str, key: str, body: bytes, content_type: str) -> tuple[int, bool]:
    if settings.HEEDFUL_GROUP_COMMIT:
        return group_commit.writer.submit(channel.pk, provider_key, key, body, content_type)
    event, created = store_event(channel, provider_key, key, body, content_type)
    return event.pk, created
