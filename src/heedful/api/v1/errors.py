"""Typed errors become HTTP statuses here, in one place."""

from heedful.core.errors import HeedfulError


def install_error_handlers(api) -> None:
    @api.exception_handler(HeedfulError)
    def heedful_error(request, exc: HeedfulError):
        return api.create_response(request, {"error": exc.code, "detail": str(exc)}, status=exc.status)
