from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "heedful.demo"
    label = "demo"
