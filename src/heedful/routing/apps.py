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

        from django.db.models.signals import post_delete, post_save

        from heedful.routing import sla, topics
        from heedful.routing.models import BusinessHours, LabelRule, SlaPolicy

        # the pipeline's per-process copies, however a row is saved here (API, admin, a command)
        for model, forget in ((SlaPolicy, sla.forget), (BusinessHours, sla.forget), (LabelRule, topics.forget)):
            post_save.connect(forget, sender=model, dispatch_uid=f"forget-on-save-{model.__name__}")
            post_delete.connect(forget, sender=model, dispatch_uid=f"forget-on-delete-{model.__name__}")
