"""Webhook actions of automation rules: refused when the URL points inside the network (SSRF),
stored as a durable `WebhookCall`, sent after commit outside any transaction, retried with
backoff by the routing sweep until HEEDFUL_OUTBOUND_MAX_ATTEMPTS.

The address check runs when the rule is saved and again before each attempt, on the addresses
the name resolves to then (a name may be pointed at 127.0.0.1 after the rule was saved).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction

from heedful.core import jobs
from heedful.core.clock import backoff, now
from heedful.routing import conf
from heedful.routing.models import WebhookCall

log = logging.getLogger(__name__)
TIMEOUT = 5.0


def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified)


def refusal(url: str) -> str:
    """Why Heedful will not call this URL, or "" when it may."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "a webhook URL is http:// or https:// with a host"
    if conf.allow_private_webhooks():
        return ""
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return "the webhook host does not resolve"
    if any(_blocked(info[4][0]) for info in infos):
        return "the webhook URL points to a loopback, private or link-local address"
    return ""


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
    problem = refusal(call.url)
    status, error, code = "sent", "", None
    if problem:
        status, error = "refused", problem
    else:
        try:
            response = httpx.post(call.url, content=json.dumps(call.payload), timeout=TIMEOUT,
                                  headers={"Content-Type": "application/json",
                                           "X-Heedful-Delivery": str(call.pk)}, follow_redirects=False)
            code = response.status_code
            if code >= 300:
                status, error = "pending", f"HTTP {code}"
        except httpx.HTTPError as exc:
            status, error = "pending", type(exc).__name__
    if status == "pending" and call.attempts >= settings.HEEDFUL_OUTBOUND_MAX_ATTEMPTS:
        status = "failed"
    WebhookCall.objects.filter(pk=call.pk).update(
        status=status, last_error=error[:500], response_status=code,
        next_attempt_at=call.next_attempt_at if status == "pending" else None)
    return status


def due(limit: int = 100) -> list[int]:
    return list(WebhookCall.objects.filter(status="pending", next_attempt_at__lte=now())
                .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
