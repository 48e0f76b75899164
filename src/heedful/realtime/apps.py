from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "heedful.realtime"
    label = "realtime"

    def ready(self):
        from heedful.events.dispatcher import around_deliveries
        from heedful.realtime import broker, notices, stream

        notices.register()
        around_deliveries(broker.batched)
        broker.set_annotator(stream.annotate)
