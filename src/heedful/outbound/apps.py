from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "heedful.outbound"
    label = "outbound"

    def ready(self):
        from heedful.outbound import tasks  # noqa: F401  registers the jobs
