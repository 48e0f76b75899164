from django.apps import AppConfig


class CommunityDeskConfig(AppConfig):
    name = "heedful.community_desk"
    label = "community_desk"

    def ready(self):
        from heedful.channels.providers.community import port
        from heedful.community_desk import bridge, report, tasks  # noqa: F401  registers the jobs

        port.connect(bridge.ForumAdapter())
        bridge.install_listeners()
        report.install()
