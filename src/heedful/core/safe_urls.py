"""The one SSRF rule for every URL Heedful calls on a customer's behalf (integration webhooks,
automation-rule webhooks, fetched media): http(s) with a host, and no address inside the network.

The check runs when the URL is saved and again right before each request, on the addresses the
name resolves to then: a name can be pointed at 127.0.0.1 after it was saved. Redirects are never
followed (`post_json` sends with `follow_redirects=False`), so a 30x cannot lead inside either.
HEEDFUL_WEBHOOK_ALLOW_PRIVATE=1 lifts the address rule (a receiver on the same machine or LAN).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.conf import settings

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def allow_private() -> bool:
    return bool(getattr(settings, "HEEDFUL_WEBHOOK_ALLOW_PRIVATE", False))


def blocked_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped or ip.sixtofour):
        ip = ip.ipv4_mapped or ip.sixtofour
    # `not is_global` also covers shared address space (100.64.0.0/10, carrier NAT) and the
    # other special ranges that are neither private nor reachable on the internet.
    return (not ip.is_global or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
            or ip.is_reserved or ip.is_unspecified)


def refusal(url: str) -> str:
    """Why Heedful will not call this URL, or "" when it may. Resolves the host (network I/O)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "the URL cannot be read"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "a webhook URL is http:// or https:// with a host"
    if parts.username or parts.password:
        return "a webhook URL carries no user name or password; sign with the secret instead"
    if allow_private():
        return ""
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        return "the webhook host does not resolve"
    if not infos or any(blocked_address(info[4][0]) for info in infos):
        return "the webhook URL points to a loopback, private or link-local address"
    return ""


@dataclass(frozen=True)
class Outcome:
    """One POST: `ok` (a 2xx), the HTTP status when there was an answer, and a short error that
    never holds the body sent or received."""

    ok: bool
    status: int | None = None
    error: str = ""
    refused: bool = False  # the address rule refused it: retrying cannot help unless DNS changes


def post_json(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """Re-check the URL, then POST `body` once without following redirects. Call outside any
    transaction."""
    problem = refusal(url)
    if problem:
        return Outcome(False, error=problem, refused=True)
    try:
        response = httpx.post(url, content=body, timeout=TIMEOUT, follow_redirects=False,
                              headers={"Content-Type": "application/json", "User-Agent": "Heedful-Webhooks",
                                       **headers})
    except httpx.HTTPError as exc:
        return Outcome(False, error=type(exc).__name__)
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(True, code)
    if 300 <= code < 400:
        return Outcome(False, code, f"HTTP {code}: redirects are not followed")
    return Outcome(False, code, f"HTTP {code}")
