"""How a channel looks in the workspace: its name, glyph and reply limits, all read from the
provider registry (a provider declares them; nothing to edit here when a channel is added)."""

from __future__ import annotations

from dataclasses import dataclass

from heedful.channels import registry
from heedful.core.errors import NotFound

_SVG = '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">{}</svg>'
# For a kind whose provider draws no glyph (or is no longer installed): a plain speech bubble.
_FALLBACK_GLYPH = ('<path d="M2 3h12v8H7l-3 3v-3H2z" fill="none" stroke="currentColor" stroke-width="1.5" '
                   'stroke-linejoin="round"/>')


@dataclass(frozen=True)
class ChannelLook:
    key: str
    kind: str
    label: str
    max_text_length: int | None
    can_go_private: bool

    @property
    def svg(self) -> str:
        return kind_svg(self.kind)


def kind_svg(kind: str) -> str:
    """The glyph of an identity kind as inline SVG (provider-declared markup, not customer text)."""
    return _SVG.format(registry.identity_kind(kind).glyph or _FALLBACK_GLYPH)


def look(provider_key: str) -> ChannelLook:
    try:
        provider = registry.get(provider_key)
    except NotFound:
        return ChannelLook(provider_key, provider_key, provider_key.title(), None, False)
    return ChannelLook(provider_key, provider.identity_kind, provider.display_name,
                       provider.max_text_length, provider.can_go_private)
