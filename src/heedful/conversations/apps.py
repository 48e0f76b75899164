from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "heedful.conversations"
    label = "conversations"
