"""Log in, log out and change password: Django's auth views with the workspace's templates.

Password logins (the workspace's and the Django admin's) are throttled per username and per
client IP (accounts/throttle.py): a locked-out attempt is a 429 with Retry-After, whatever the
password.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.utils.decorators import method_decorator

from heedful.accounts import throttle
from heedful.web.views.helpers import CSP


def _with_csp(view_class):
    def add_csp(view):
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.setdefault("Content-Security-Policy", CSP)
            return response
        return wrapper
    return method_decorator(add_csp, name="dispatch")(view_class)


def _locked_out(exc: throttle.TooManyAttempts) -> HttpResponse:
    return HttpResponse(f"Too many failed logins. {str(exc).capitalize()}.", status=429,
                        content_type="text/plain; charset=utf-8",
                        headers={"Retry-After": str(exc.retry_after)})


def throttled(view):
    """Wrap a login view: refuse while locked out, count a POST that does not log in (the form
    comes back) as a failure, and reset the username's count on success."""

    def wrapper(request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        username, ip = request.POST.get("username", "")[:150], throttle.client_ip(request)
        try:
            throttle.check("login", account=username, ip=ip)
        except throttle.TooManyAttempts as exc:
            return _locked_out(exc)
        already_in = request.user.is_authenticated
        response = view(request, *args, **kwargs)
        if request.user.is_authenticated:
            # Only a login made by this request, as this username, clears its count: a session
            # that was already logged in is redirected without any password being checked.
            if not already_in and request.user.get_username().lower() == username.strip().lower():
                throttle.succeeded("login", account=username)
        else:
            throttle.failed("login", account=username, ip=ip)
        return response

    return wrapper


login = throttled(_with_csp(auth_views.LoginView).as_view(template_name="heedful/auth/login.html",
                                                           redirect_authenticated_user=True))
admin_login = throttled(admin.site.login)
logout = auth_views.LogoutView.as_view()
password_change = _with_csp(auth_views.PasswordChangeView).as_view(
    template_name="heedful/auth/password_change.html", success_url="/password/done/")
password_change_done = _with_csp(auth_views.PasswordChangeDoneView).as_view(
    template_name="heedful/auth/password_change_done.html")
