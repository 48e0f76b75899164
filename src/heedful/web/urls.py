from django.urls import path

from heedful.web import views

urlpatterns = [
    path("", views.home, name="home"),
]
