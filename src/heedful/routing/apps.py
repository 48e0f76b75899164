from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "heedful.routing"
    label = "routing"
