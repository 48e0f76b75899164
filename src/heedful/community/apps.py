from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "heedful.community"
    label = "community"

    def ready(self):
        from heedful.community import tasks  # noqa: F401  registers the jobs
