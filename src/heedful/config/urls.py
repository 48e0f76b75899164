from django.contrib import admin
from django.urls import include, path

from heedful.api.v1.router import api
from heedful.ingestion.views import webhook
from heedful.privacy.views import deletion_callback, deletion_status
from heedful.web.views.auth import admin_login

urlpatterns = [
    path("admin/login/", admin_login),  # throttled like the workspace login
    path("admin/", admin.site.urls),
    # The API channel's inbound endpoint is a webhook (stored raw, then processed), not a
    # regular API call, so it is served by the webhook view ahead of the API router.
    path("api/v1/channels/<int:channel_id>/messages", webhook, {"family": "api"}, name="api-channel-inbound"),
    path("api/v1/", api.urls),
    path("hooks/<str:family>/<int:channel_id>", webhook, name="webhook"),
    # A provider's user data deletion callback (Meta's signed_request) and its public status page.
    path("hooks/<str:family>/<int:channel_id>/data-deletion", deletion_callback, name="data-deletion"),
    path("privacy/deletion/<str:code>/", deletion_status, name="deletion-status"),
    path("help/", include("heedful.knowledge.urls")),
    path("community/", include("heedful.community.urls")),  # the public forum
    path("community/", include("heedful.community_desk.urls")),  # the member's chat sign-on
    path("", include("heedful.widget.urls")),  # /widget.js and the visitor API /widget/v1/
    path("", include("heedful.web.urls")),
]
