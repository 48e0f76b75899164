from django.contrib import admin
from django.urls import include, path

from heedful.api.v1.router import api
from heedful.ingestion.views import webhook

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("hooks/<str:family>/<int:channel_id>", webhook, name="webhook"),
    path("", include("heedful.web.urls")),
]
