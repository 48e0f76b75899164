from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "heedful.knowledge"
    label = "knowledge"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from heedful.knowledge import tasks  # noqa: F401  registers the jobs
