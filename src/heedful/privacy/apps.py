from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "heedful.privacy"
    label = "privacy"

    def ready(self):
        from heedful.privacy import tasks  # noqa: F401  registers the retention job
