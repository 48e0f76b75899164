"""Webhook actions of automation rules: refused when the URL points inside the network (SSRF),
stored as a durable `WebhookCall`, sent after commit outside any transaction, retried with
backoff by the routing sweep until HEEDFUL_OUTBOUND_MAX_ATTEMPTS.

The address rule and the POST itself are `core.safe_urls` (shared with the integration webhooks):
checked when the rule is saved and again before each attempt, redirects never followed.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.db import transaction

from heedful.core import jobs
from heedful.core.clock import backoff, now
from heedful.core.safe_urls import post_json, refusal
from heedful.routing.models import WebhookCall

log = logging.getLogger(__name__)


def queue(run, url: str, payload: dict) -> WebhookCall:
    """Store the call (refused at once when the URL is not allowed); send after commit."""
    problem = refusal(url)
    if run.pk is None:
        run.save()
    call = WebhookCall.objects.create(run=run, url=url, payload=payload, status="refused" if problem else "pending",
                                      last_error=problem, next_attempt_at=None if problem else now())
    if not problem:
        jobs.enqueue("heedful.routing.deliver_webhook", call.pk)
    return call


def deliver(call_id: int) -> str:
    """One attempt: claimed in a short transaction, sent outside it, the outcome recorded."""
    with transaction.atomic():
        call = WebhookCall.objects.select_for_update(skip_locked=True).filter(pk=call_id, status="pending").first()
        if call is None:
            return "none"
        call.attempts += 1
        call.next_attempt_at = now() + backoff(call.attempts, cap=3600)  # the lease, and the retry time
        call.save(update_fields=["attempts", "next_attempt_at"])
    outcome = post_json(call.url, json.dumps(call.payload).encode(), {"X-Heedful-Delivery": str(call.pk)})
    status = "sent" if outcome.ok else ("refused" if outcome.refused else "pending")
    error, code = outcome.error, outcome.status
    if status == "pending" and call.attempts >= settings.HEEDFUL_OUTBOUND_MAX_ATTEMPTS:
        status = "failed"
    WebhookCall.objects.filter(pk=call.pk).update(
        status=status, last_error=error[:500], response_status=code,
        next_attempt_at=call.next_attempt_at if status == "pending" else None)
    return status


def due(limit: int = 100) -> list[int]:
    return list(WebhookCall.objects.filter(status="pending", next_attempt_at__lte=now())
                .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
