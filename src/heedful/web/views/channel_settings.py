"""Channel settings in the workspace: each channel's status, and the OAuth sign-in a mailbox of
Google Workspace or Microsoft 365 needs instead of a password (admins only).

The sign-in is the authorization-code flow with PKCE: the state and the code verifier stay in
the admin's session, so a callback that did not start here (or another admin's) is refused.
What the provider answers is stored through `channels.actions.update`, which also clears a
`needs_reauth` flag.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render

from heedful.accounts.access import can_manage_teams
from heedful.audit.actions import record
from heedful.channels import actions, registry
from heedful.channels.base import SendError
from heedful.channels.models import Channel
from heedful.web.views.helpers import CSP, command_view, page_view
from heedful.web.views.inbox import sidebar_context

SESSION_KEY = "heedful_sign_in"
DONE_PATH = "/settings/channels/sign-in/done/"


def _admin(user) -> None:
    if not can_manage_teams(user):
        raise PermissionDenied("only admins manage channels")


def _redirect_uri(request) -> str:
    base = settings.HEEDFUL_BASE_URL.rstrip("/") or request.build_absolute_uri("/").rstrip("/")
    return base + DONE_PATH


def _sign_in_origin(channel) -> str | None:
    """The consent page's origin, or None when the channel does not sign in with OAuth."""
    try:
        url = registry.get(channel.provider).sign_in_url(channel, redirect_uri="-", state="-", verifier="-")
    except Exception:  # an unknown provider or an incomplete setup: no sign-in button
        return None
    if url is None:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@page_view
def channel_list(request):
    _admin(request.user)
    channels = list(Channel.objects.order_by("name", "pk"))
    origins = {c.pk: _sign_in_origin(c) for c in channels}
    response = render(request, "heedful/settings/channels.html", {
        **sidebar_context(request.user),
        "rows": [{"channel": c, "signs_in": origins[c.pk] is not None,
                  "signed_in": bool((c.credentials or {}).get("oauth_refresh_token"))} for c in channels]})
    # The sign-in form's answer redirects to the provider's consent page, which the page's
    # form-action must allow (browsers check it on redirects too).
    allowed = " ".join(sorted({o for o in origins.values() if o}))
    response["Content-Security-Policy"] = CSP.replace("form-action 'self'", f"form-action 'self' {allowed}".rstrip())
    return response


@command_view
def sign_in(request, channel_id: int):
    _admin(request.user)
    channel = get_object_or_404(Channel, pk=channel_id)
    state, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    url = registry.get(channel.provider).sign_in_url(channel, redirect_uri=_redirect_uri(request),
                                                     state=state, verifier=verifier)
    if url is None:
        messages.error(request, f"{channel.name} does not sign in with OAuth")
        return redirect("/settings/channels/")
    pending = request.session.get(SESSION_KEY, {})
    pending[state] = {"channel": channel.pk, "verifier": verifier}
    request.session[SESSION_KEY] = dict(list(pending.items())[-5:])  # a few tabs at most
    return HttpResponseRedirect(url)


@page_view
def sign_in_done(request):
    _admin(request.user)
    pending = request.session.get(SESSION_KEY, {})
    started = pending.pop(request.GET.get("state", ""), None)
    request.session[SESSION_KEY] = pending
    if started is None:
        messages.error(request, "That sign-in did not start here, or it was already used: start it again.")
        return redirect("/settings/channels/")
    channel = get_object_or_404(Channel, pk=started["channel"])
    if request.GET.get("error") or not request.GET.get("code"):
        messages.error(request, f"Sign-in for {channel.name} was not completed "
                                f"({request.GET.get('error', 'no code')[:60]}).")
        return redirect("/settings/channels/")
    try:
        tokens = registry.get(channel.provider).complete_sign_in(
            channel, code=request.GET["code"], redirect_uri=_redirect_uri(request), verifier=started["verifier"])
    except SendError as exc:
        messages.error(request, f"Sign-in for {channel.name} failed: {exc}")
        return redirect("/settings/channels/")
    actions.update(request.user, channel, credentials=tokens)
    record(request.user, "channel.signed_in", "channel", channel.pk)
    messages.success(request, f"{channel.name} is signed in.")
    return redirect("/settings/channels/")
