"""Member sign-up, sign-in, sign-out and password reset (separate from the agents' login)."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from heedful.community import actions, members, passwords
from heedful.community.forms import LoginForm, NewPasswordForm, ResetForm, SignupForm
from heedful.community.views import _page, forum_view
from heedful.core import jobs
from heedful.core.errors import HeedfulError


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/community/"
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                         require_https=request.is_secure())
    return target if ok and target.startswith("/") else "/community/"


@forum_view
def signup(request):
    form = SignupForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            member = actions.signup(form.cleaned_data["username"], form.cleaned_data["email"],
                                    form.cleaned_data["password"])
        except HeedfulError as exc:
            error = str(exc)
        else:
            members.log_in(request, member)
            return HttpResponseRedirect(_next(request))
    return _page(request, "community/signup.html", {"form": form, "error": error, "next": _next(request)},
                 status=400 if error else 200)


@forum_view
def login(request):
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        member = members.authenticate(form.cleaned_data["username"], form.cleaned_data["password"])
        if member is None:
            error = "That username or password is not right."
        else:
            members.log_in(request, member)
            return HttpResponseRedirect(_next(request))
    return _page(request, "community/login.html", {"form": form, "error": error, "next": _next(request)},
                 status=400 if error else 200)


@require_POST
def logout(request):
    members.log_out(request)
    return HttpResponseRedirect("/community/")


@forum_view
def password_reset(request):
    form = ResetForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        # The same answer whether or not the address is a member's; the mail goes from a job.
        jobs.enqueue_now("heedful.community.password_reset_mail", form.cleaned_data["email"])
        sent = True
    return _page(request, "community/password_reset.html", {"form": form, "sent": sent})


@forum_view
def password_reset_confirm(request, uidb64, token):
    member = passwords.member_for_link(uidb64, token)
    form = NewPasswordForm(request.POST or None)
    error = ""
    if member is not None and request.method == "POST" and form.is_valid():
        try:
            actions.set_password(member, form.cleaned_data["password"])
        except HeedfulError as exc:
            error = str(exc)
        else:
            members.log_in(request, member)
            return HttpResponseRedirect("/community/")
    return _page(request, "community/password_reset_confirm.html",
                 {"form": form, "valid": member is not None, "error": error})
