from django.urls import path

from heedful.community_desk import views

urlpatterns = [
    path("chat-identity/", views.chat_identity_claim, name="community-chat-identity"),
]
