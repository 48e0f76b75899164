"""Typed errors. Views and the API map them to HTTP statuses in one place."""

import math


class HeedfulError(Exception):
    status = 400
    code = "error"


class NotFound(HeedfulError):
    status = 404
    code = "not_found"


class Unauthorized(HeedfulError):
    """No credentials, or ones that do not check out (a token, a signed visitor token)."""

    status = 401
    code = "unauthorized"


class RateLimited(HeedfulError):
    """Too many requests: a 429 whose `Retry-After` is `retry_after` whole seconds."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float):
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(message)


class PermissionDenied(HeedfulError):
    status = 403
    code = "forbidden"


class ValidationError(HeedfulError):
    status = 400
    code = "invalid"


class InvalidFields(ValidationError):
    """A body's fields do not fit its schema (an unknown key, a wrong type): 422, never ignored."""

    status = 422
    code = "invalid_fields"


class AttachmentRefused(InvalidFields):
    """A file the reply's channel would refuse (too big, a type it cannot carry, a public post):
    422 before anything is queued, naming the limit."""

    code = "attachment_refused"


class Conflict(HeedfulError):
    status = 409
    code = "conflict"


class WebhookAuthError(HeedfulError):
    """A webhook failed its signature or token check; nothing from it is processed."""

    status = 401
    code = "unauthorized"


class PayloadError(HeedfulError):
    """A payload could not be parsed. The raw body is kept; the event is marked failed."""

    status = 400
    code = "bad_payload"
    permanent = True  # retrying the same bytes cannot help; an operator may retry after a fix
