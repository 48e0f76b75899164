from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "heedful.analytics"
    label = "analytics"
