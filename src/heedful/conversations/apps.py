from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "heedful.conversations"
    label = "conversations"

    def ready(self):
        from heedful.conversations import snooze, tasks  # noqa: F401  registers the jobs
        from heedful.events import names
        from heedful.events.dispatcher import listen

        listen(names.MESSAGE_CREATED)(snooze.wake_on_customer_message)
