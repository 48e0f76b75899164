from django.urls import path

from heedful.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.index, name="index"),
    path("articles/<int:article_id>-<slug:slug>/", views.article_page, name="article"),
    path("articles/<int:article_id>/vote/", views.vote, name="vote"),
]
