"""`Authorization: Token <key>` for the API; a logged-in session also works (the web UI)."""

from django.utils import timezone
from ninja.security import APIKeyHeader

from heedful.accounts.models import ApiToken


class TokenAuth(APIKeyHeader):
    param_name = "Authorization"

    def __call__(self, request):
        if getattr(request, "user", None) is not None and request.user.is_authenticated \
                and not request.headers.get("Authorization"):
            return request.user
        return super().__call__(request)

    def authenticate(self, request, key):
        if not key or not key.startswith("Token "):
            return None
        digest = ApiToken.hash(key.removeprefix("Token ").strip())
        token = ApiToken.objects.select_related("user").filter(digest=digest, user__is_active=True).first()
        if token is None:
            return None
        if token.last_used_at is None or (timezone.now() - token.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        request.user = token.user
        return token.user
