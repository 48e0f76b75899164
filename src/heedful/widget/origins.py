"""CORS and the Origin check: the visitor API answers only the channel's own sites.

`settings["allowed_origins"]` lists origins exactly as browsers send them
("https://www.brand.example"); "*" allows any site. A browser request from an origin not on the
list is refused (403) before anything is read or stored. A preflight cannot name its channel (it
carries no token), so it is answered for any origin and grants nothing by itself: the request
that follows is checked here.
"""

from __future__ import annotations

from django.http import HttpResponse

ALLOW_HEADERS = "Authorization, Content-Type, Last-Event-ID"
MAX_AGE = "600"


def allowed(channel, origin: str | None) -> bool:
    if not origin:
        return True  # not a cross-site browser request: the token or the limits decide
    origins = (channel.settings or {}).get("allowed_origins") or []
    return "*" in origins or origin.rstrip("/") in {str(o).rstrip("/") for o in origins}


def decorate(response: HttpResponse, origin: str | None) -> HttpResponse:
    """Let the (already checked) origin read the answer. Tokens travel in a header, not in
    cookies, so credentials are not allowed."""
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Expose-Headers"] = "Retry-After"
        response["Vary"] = "Origin"
    return response


def preflight(origin: str | None) -> HttpResponse:
    response = HttpResponse(status=204)
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response["Access-Control-Max-Age"] = MAX_AGE
        response["Vary"] = "Origin"
    return response
