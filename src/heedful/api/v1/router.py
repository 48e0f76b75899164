"""The REST API root: /api/v1/, OpenAPI schema at /api/v1/openapi.json."""

from ninja import NinjaAPI

from heedful.api.v1.auth import TokenAuth
from heedful.api.v1.errors import document_errors, install_error_handlers


class HeedfulAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        from heedful.api.v1.channels import document_bodies

        return document_bodies(super().get_openapi_schema(**kwargs))


api = HeedfulAPI(
    title="Heedful API", version="1", urls_namespace="api-v1", openapi_url="/openapi.json",
    docs_url="/docs", auth=TokenAuth(),
)
install_error_handlers(api)

from heedful.api.v1 import (  # noqa: E402
    audit,
    calls,
    channels,
    community,
    contacts,
    conversations,
    events,
    knowledge,
    messages,
    reports,
    routing,
    teams,
    templates,
    webhooks,
)

for module in (channels, conversations, messages, contacts, events, reports, teams, audit, knowledge,
               community, routing, webhooks, templates, calls):
    api.add_router("", module.router)
document_errors(api)
