from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "heedful.realtime"
    label = "realtime"
