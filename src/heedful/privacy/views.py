"""Provider data deletion callbacks and their public status pages. Thin: verification is the
provider's (`deletion_request`), the work is `deletion_requests.handle_request`."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from heedful.channels import registry
from heedful.channels.base import WebhookRequest
from heedful.channels.cache import get_channel
from heedful.core.errors import HeedfulError
from heedful.privacy.deletion_requests import handle_request
from heedful.privacy.models import DeletionRequest


def _incoming(request: HttpRequest) -> WebhookRequest:
    return WebhookRequest(method=request.method, query={k: request.GET.get(k) for k in request.GET},
                          headers={k.lower(): v for k, v in request.headers.items()}, body=request.body,
                          url=request.build_absolute_uri(), form={k: request.POST.get(k) for k in request.POST})


@csrf_exempt
@require_POST
def deletion_callback(request: HttpRequest, family: str, channel_id: int):
    channel = get_channel(channel_id)
    provider = registry.get(channel.provider) if channel and channel.provider in registry.for_family(family) else None
    if provider is None:
        return JsonResponse({"error": "not_found", "detail": "no such channel"}, status=404)
    try:
        who = provider.deletion_request(channel, _incoming(request))
    except HeedfulError as exc:
        return JsonResponse({"error": exc.code, "detail": str(exc)}, status=exc.status)
    if who is None:
        return JsonResponse({"error": "not_found", "detail": "this channel has no deletion callback"}, status=404)
    done = handle_request(channel, who)
    base = settings.HEEDFUL_BASE_URL.rstrip("/") if settings.HEEDFUL_BASE_URL else request.build_absolute_uri("/")
    return JsonResponse({"url": f"{base.rstrip('/')}/privacy/deletion/{done.code}/", "confirmation_code": done.code})


@require_GET
def deletion_status(request: HttpRequest, code: str):
    found = DeletionRequest.objects.filter(code=code).first()
    if found is None:
        raise Http404("no such deletion request")
    return render(request, "privacy/deletion_status.html", {"deletion": found})
