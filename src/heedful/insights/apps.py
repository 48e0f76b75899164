from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "heedful.insights"
    label = "insights"
