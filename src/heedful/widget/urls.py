from django.urls import path

from heedful.widget import views

urlpatterns = [
    path("widget.js", views.script, name="widget-script"),
    path("widget/v1/sessions", views.sessions, name="widget-sessions"),
    path("widget/v1/messages", views.messages, name="widget-messages"),
    path("widget/v1/stream", views.live, name="widget-stream"),
    path("widget/v1/typing", views.typing, name="widget-typing"),
    path("widget/v1/read", views.read, name="widget-read"),
    path("widget/v1/suggestions/opened", views.suggestion_opened, name="widget-suggestion-opened"),
    path("widget/v1/surveys/<int:message_id>", views.survey, name="widget-survey"),
    path("widget/v1/attachments/<int:attachment_id>", views.attachment, name="widget-attachment"),
]
