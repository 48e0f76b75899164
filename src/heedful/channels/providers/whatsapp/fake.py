"""The WhatsApp Cloud API fake is the Graph API fake: one server answers every Meta route."""

from heedful.channels.providers.meta.fake import FakeGraphAPI, graph_error

FakeWhatsAppAPI = FakeGraphAPI

__all__ = ["FakeWhatsAppAPI", "FakeGraphAPI", "graph_error"]
