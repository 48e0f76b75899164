"""Log in, log out and change password: Django's auth views with the workspace's templates."""

from django.contrib.auth import views as auth_views
from django.utils.decorators import method_decorator

from heedful.web.views.helpers import CSP


def _with_csp(view_class):
    def add_csp(view):
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.setdefault("Content-Security-Policy", CSP)
            return response
        return wrapper
    return method_decorator(add_csp, name="dispatch")(view_class)


login = _with_csp(auth_views.LoginView).as_view(template_name="heedful/auth/login.html",
                                                 redirect_authenticated_user=True)
logout = auth_views.LogoutView.as_view()
password_change = _with_csp(auth_views.PasswordChangeView).as_view(
    template_name="heedful/auth/password_change.html", success_url="/password/done/")
password_change_done = _with_csp(auth_views.PasswordChangeDoneView).as_view(
    template_name="heedful/auth/password_change_done.html")
