from django.contrib import admin
from django.urls import include, path

from heedful.api.v1.router import api
from heedful.ingestion.views import webhook
from heedful.web.views.auth import admin_login

urlpatterns = [
    path("admin/login/", admin_login),  # throttled like the workspace login
    path("admin/", admin.site.urls),
    # The API channel's inbound endpoint is a webhook (stored raw, then processed), not a
    # regular API call, so it is served by the webhook view ahead of the API router.
    path("api/v1/channels/<int:channel_id>/messages", webhook, {"family": "api"}, name="api-channel-inbound"),
    path("api/v1/", api.urls),
    path("hooks/<str:family>/<int:channel_id>", webhook, name="webhook"),
    path("help/", include("heedful.knowledge.urls")),
    path("community/", include("heedful.community.urls")),  # the public forum
    path("", include("heedful.widget.urls")),  # /widget.js and the visitor API /widget/v1/
    path("", include("heedful.web.urls")),
]
