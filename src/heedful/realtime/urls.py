from django.urls import path

from heedful.realtime import stream

urlpatterns = [
    path("stream", stream.stream, name="realtime-stream"),
]
