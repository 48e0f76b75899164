"""Shared view plumbing: htmx detection, the access gate as a 404, typed errors as answers."""

from __future__ import annotations

import functools
from urllib.parse import quote, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from heedful.core.errors import HeedfulError, NotFound

# Scripts only from this origin; no remote images (they would leak who reads what).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def is_fetch(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def page_view(view):
    """A logged-in page or partial: unreadable objects are 404, pages carry the CSP.

    A partial request whose session has ended gets a 401 that sends the whole page to the login
    form (HX-Redirect), rather than a login page swapped into the middle of the thread.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated and (is_htmx(request) or is_fetch(request)):
            return HttpResponse("Your session has ended; log in again.", status=401,
                                content_type="text/plain; charset=utf-8",
                                headers={"HX-Redirect": f"/login/?next={quote(_page_path(request))}"})
        return _logged_in(request, *args, **kwargs)

    @login_required
    def _logged_in(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        response.setdefault("Content-Security-Policy", CSP)
        return response

    return wrapper


def _page_path(request) -> str:
    """The page the partial was requested from (not the partial's own URL)."""
    current = urlsplit(request.headers.get("HX-Current-URL") or request.headers.get("Referer") or "")
    return current.path if current.path.startswith("/") else "/inbox/"


def command_view(view):
    """A POST that changes something. Errors come back as a short text the page shows
    (htmx), or as a flash message on a redirect back (plain form posts without JavaScript)."""

    @page_view
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise
        except HeedfulError as exc:
            if is_htmx(request) or is_fetch(request):
                return HttpResponse(str(exc), status=exc.status, content_type="text/plain; charset=utf-8")
            messages.error(request, str(exc))
            return back(request)

    return wrapper


def back(request, fallback: str = "/inbox/"):
    """Redirect to the page the form was on, if it is one of ours."""
    referer = request.headers.get("Referer", "")
    safe = url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure())
    return redirect(referer if referer and safe else fallback)
