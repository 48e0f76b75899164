from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "heedful.analytics"
    label = "analytics"

    def ready(self):
        from heedful.analytics import listeners, tasks  # noqa: F401  registers the jobs

        listeners.register()
