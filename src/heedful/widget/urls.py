from django.urls import path

from heedful.widget import views

urlpatterns = [
    path("widget.js", views.script, name="widget-script"),
    path("widget/v1/sessions", views.sessions, name="widget-sessions"),
    path("widget/v1/messages", views.messages, name="widget-messages"),
    path("widget/v1/stream", views.live, name="widget-stream"),
]
