from django.apps import AppConfig


class WidgetConfig(AppConfig):
    """The web chat widget's visitor-facing HTTP surface (an edge, like `web` and `api`)."""

    name = "heedful.widget"
    label = "widget"
