from django.apps import AppConfig


class IngestionConfig(AppConfig):
    name = "heedful.ingestion"
    label = "ingestion"

    def ready(self):
        from heedful.ingestion import tasks  # noqa: F401  registers the jobs
