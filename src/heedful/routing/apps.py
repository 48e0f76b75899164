from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "heedful.routing"
    label = "routing"

    def ready(self):
        from heedful.core import jobs
        from heedful.events import names
        from heedful.events.dispatcher import listen
        from heedful.routing import automation, rescore, tasks  # noqa: F401  registers the jobs

        listen(*automation.EVENTS)(automation.on_event)

        def engagement_changed(name, payload):
            # engagement figures, merges and labels arrive as conversation.updated
            if rescore.wanted(payload) and automation._acting.get() is None:
                jobs.enqueue_now("heedful.routing.rescore", payload["conversation_id"])

        listen(names.CONVERSATION_UPDATED)(engagement_changed)
