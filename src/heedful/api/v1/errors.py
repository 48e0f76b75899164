"""Typed errors become HTTP statuses here, in one place, and every operation documents them."""

from __future__ import annotations

import logging
import re

from django.db import DataError
from ninja import Schema
from ninja.constants import NOT_SET
from pydantic import Field

from heedful.core.errors import HeedfulError

log = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class ErrorOut(Schema):
    """Every 4xx answer: a short code and a sentence (422s list each invalid field)."""

    error: str | None = Field(None, description="machine-readable code, e.g. not_found")
    detail: str | list[dict] = Field(..., description="what was wrong")


def install_error_handlers(api) -> None:
    @api.exception_handler(HeedfulError)
    def heedful_error(request, exc: HeedfulError):
        response = api.create_response(request, {"error": exc.code, "detail": str(exc)}, status=exc.status)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    @api.exception_handler(DataError)
    def data_error(request, exc: DataError):
        # The database refused a value the schema let through (a number past bigint, text with
        # a NUL character): the caller's input, not a server fault. No value goes to the log.
        log.warning("API %s %s: value refused by the database (%s)", request.method, request.path,
                    type(exc.__cause__ or exc).__name__)
        return api.create_response(
            request, {"error": "invalid", "detail": "a value is out of range or cannot be stored"},
            status=400)


def document_errors(api) -> None:
    """Add to every operation the error statuses it can really answer, beside any it declares:
    401 and 429 wherever authentication runs, 403 for unsafe methods (CSRF on sessions), 404
    for a path with an id, 400 and 422 wherever there is input to reject. Call once, after
    every router is added."""
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                _document(operation, path, _authenticated(api, router, operation))


def _authenticated(api, router, operation) -> bool:
    # Routers hand the API's default auth to their operations only when URLs are built.
    auth = operation.auth_param
    if auth is NOT_SET:
        auth = router.auth if router.auth is not NOT_SET else api.auth
    return bool(auth) and auth is not NOT_SET


def _document(operation, path: str, authenticated: bool) -> None:
    codes = set()
    if authenticated:
        codes |= {401, 429}
        if set(operation.methods) - SAFE_METHODS:
            codes.add(403)
    if re.search(r"\{\w+\}", path):
        codes.add(404)
    if operation.models:
        codes |= {400, 422}
    codes |= getattr(operation.view_func, "heedful_errors", frozenset())
    for code in sorted(codes - set(operation.response_models)):
        operation.response_models[code] = operation._create_response_model(ErrorOut)


def answers(*codes: int):
    """Decorate a view (under the route decorator) with the error statuses it answers beyond the
    usual ones `document_errors` adds: `@answers(403)` on a list only admins may read."""

    def mark(view):
        view.heedful_errors = frozenset(codes)
        return view

    return mark
