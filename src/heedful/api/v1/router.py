"""The REST API root: /api/v1/, OpenAPI schema at /api/v1/openapi.json."""

from ninja import NinjaAPI

from heedful.api.v1.auth import TokenAuth
from heedful.api.v1.errors import install_error_handlers

api = NinjaAPI(
    title="Heedful API", version="1", urls_namespace="api-v1", openapi_url="/openapi.json",
    docs_url="/docs", auth=TokenAuth(),
)
install_error_handlers(api)

from heedful.api.v1 import (  # noqa: E402
    audit,
    channels,
    contacts,
    conversations,
    events,
    messages,
    reports,
    teams,
)

for module in (channels, conversations, messages, contacts, events, reports, teams, audit):
    api.add_router("", module.router)
