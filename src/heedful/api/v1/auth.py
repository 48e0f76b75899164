"""`Authorization: Token <key>` for the API; a logged-in session also works (the web UI).

A session rides on a cookie the browser sends by itself, so a session request that changes
something must pass Django's CSRF check (the `X-CSRFToken` header, Origin/Referer), exactly as a
form post to a workspace view does: otherwise any page on a same-site origin could post as the
logged-in agent. A token is never sent by the browser on its own, so token calls need no CSRF
token. Wrong tokens are throttled per client IP and per account (accounts/throttle.py).
"""

from django.utils import timezone
from ninja.security import APIKeyHeader
from ninja.utils import check_csrf

from heedful.accounts import throttle
from heedful.accounts.models import ApiToken
from heedful.core.errors import PermissionDenied

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class TokenAuth(APIKeyHeader):
    param_name = "Authorization"

    def __call__(self, request):
        if getattr(request, "user", None) is not None and request.user.is_authenticated \
                and not request.headers.get("Authorization"):
            return self._session(request)
        return super().__call__(request)

    def _session(self, request):
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise PermissionDenied("CSRF check failed: a logged-in session must send the csrftoken "
                                   "cookie's value in the X-CSRFToken header (or use a token)")
        return request.user

    def authenticate(self, request, key):
        if not key:
            return None
        ip = throttle.client_ip(request)
        throttle.check("token", ip=ip)
        secret = key.removeprefix("Token ").strip() if key.startswith("Token ") else ""
        token = (ApiToken.objects.select_related("user")
                 .filter(digest=ApiToken.hash(secret), user__is_active=True).first()) if secret else None
        if token is None:
            self._failed(secret, ip)
            return None
        if token.last_used_at is None or (timezone.now() - token.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        request.user = token.user
        return token.user

    @staticmethod
    def _failed(secret: str, ip: str) -> None:
        # A wrong key that starts like a real one counts against that key's account too.
        owner = (ApiToken.objects.filter(prefix=secret[:8]).values_list("user__username", flat=True).first()
                 if len(secret) >= 8 else None)
        account = f"token:{owner}" if owner else ""
        if account:
            throttle.check("token", account=account, ip=ip)
        throttle.failed("token", account=account, ip=ip)
