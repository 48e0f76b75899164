from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "heedful.realtime"
    label = "realtime"

    def ready(self):
        from heedful.realtime import broker, notices, stream

        notices.register()
        broker.set_annotator(stream.annotate)
