"""How a channel looks in the workspace: its name, badge and reply limits, from the provider
registry (no per-provider table to edit when a channel is added)."""

from __future__ import annotations

from dataclasses import dataclass

from heedful.channels import registry
from heedful.contacts.models import IdentityKind
from heedful.core.errors import NotFound

# One glyph per identity kind (the contacts app's fixed list), drawn as tiny inline SVG.
_SVG = '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">{}</svg>'
GLYPHS = {
    "email": '<path d="M2 4h12v8H2z" fill="none" stroke="currentColor" stroke-width="1.5"/><path d="M2 4l6 5 6-5" fill="none" stroke="currentColor" stroke-width="1.5"/>',
    "phone": '<path d="M4 2h3l1 3-2 1a8 8 0 0 0 4 4l1-2 3 1v3a1 1 0 0 1-1 1A11 11 0 0 1 3 3a1 1 0 0 1 1-1z" fill="currentColor"/>',
    "twitter": '<path d="M3 2.5h3l7 11h-3z" fill="currentColor"/><path d="M12.5 2.5 3.5 13.5" stroke="currentColor" stroke-width="1.4"/>',
    "facebook": '<path d="M9 15V9h2l.4-2.5H9V5c0-.7.3-1.2 1.3-1.2h1.2V1.6A15 15 0 0 0 9.7 1.5C7.9 1.5 6.6 2.6 6.6 4.7v1.8H4.6V9h2v6z" fill="currentColor"/>',
    "instagram": '<rect x="2" y="2" width="12" height="12" rx="3.5" fill="none" stroke="currentColor" stroke-width="1.5"/><circle cx="8" cy="8" r="2.7" fill="none" stroke="currentColor" stroke-width="1.5"/><circle cx="11.6" cy="4.4" r=".9" fill="currentColor"/>',
    "whatsapp": '<path d="M8 1.8a6.2 6.2 0 0 0-5.3 9.4L2 14.2l3-.8A6.2 6.2 0 1 0 8 1.8z" fill="none" stroke="currentColor" stroke-width="1.4"/><path d="M6 5.3c.3-.3.7-.2.8.1l.5 1.2-.6.7a4 4 0 0 0 2 2l.7-.6 1.2.5c.3.1.4.5.1.8-.9 1-2.6.5-3.9-.8S5 6.2 6 5.3z" fill="currentColor"/>',
    "webchat": '<path d="M2 3h12v8H7l-3 3v-3H2z" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/>',
    "forum": '<circle cx="5.5" cy="5.5" r="2.2" fill="currentColor"/><circle cx="11" cy="6" r="1.8" fill="currentColor"/><path d="M1.5 13c0-2.5 1.8-4 4-4s4 1.5 4 4zM10 13c0-1.6-.4-2.7-1.1-3.5A3.5 3.5 0 0 1 14.5 13z" fill="currentColor"/>',
    "api": '<path d="M5.5 4 2 8l3.5 4M10.5 4 14 8l-3.5 4" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"/>',
}


@dataclass(frozen=True)
class ChannelLook:
    key: str
    kind: str
    label: str
    max_text_length: int | None
    can_go_private: bool

    @property
    def svg(self) -> str:
        return _SVG.format(GLYPHS.get(self.kind, GLYPHS["api"]))


def look(provider_key: str) -> ChannelLook:
    try:
        provider = registry.get(provider_key)
    except NotFound:
        return ChannelLook(provider_key, provider_key, provider_key.title(), None, False)
    kind = getattr(provider, "identity_kind", provider_key)
    label = getattr(provider, "display_name", "") or _kind_label(kind, provider_key)
    return ChannelLook(provider_key, kind, label, getattr(provider, "max_text_length", None),
                       getattr(provider, "private_thread_key", None) is not None)


def _kind_label(kind: str, fallback: str) -> str:
    try:
        return IdentityKind(kind).label
    except ValueError:
        return fallback.title()
