from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "heedful.integrations"
    label = "integrations"

    def ready(self):
        from heedful.events.dispatcher import listen
        from heedful.integrations import catalog, listener, tasks  # noqa: F401  registers the jobs

        listen(*catalog.EVENTS)(listener.on_event)
