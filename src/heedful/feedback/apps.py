from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "heedful.feedback"
    label = "feedback"

    def ready(self):
        from heedful.events import names
        from heedful.events.dispatcher import listen
        from heedful.feedback import actions

        listen(names.CONVERSATION_RESOLVED)(actions.on_conversation_resolved)
        listen(names.CONTACT_ERASED)(actions.on_contact_erased)
