from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "heedful.channels"
    label = "channels"
