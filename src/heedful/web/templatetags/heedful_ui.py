"""Template helpers for the agent workspace. Everything customer-written is escaped here;
the one HTML exception (sanitised email bodies) is cleaned again and framed in a sandbox."""

from __future__ import annotations

import re

import nh3
from django import template
from django.template.defaultfilters import urlize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from heedful.accounts.access import can_manage_teams
from heedful.conversations.mentions import MENTION
from heedful.core.clock import now
from heedful.web import channels_ui
from heedful.web.inbox_query import NEGATIVE, sla_state

register = template.Library()

# Remote images and fonts stay off (tracking pixels); inline styles are kept for layout.
EMAIL_CSP = ("default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'; "
             "font-src 'none'; form-action 'none'")


@register.simple_tag
def channel_badge(provider_key: str):
    ui = channels_ui.look(provider_key)
    return format_html('<span class="ch ch-{}" title="{}"><span class="ch-glyph">{}</span>'
                       '<span class="visually-hidden">{}</span></span>',
                       ui.kind, ui.label, mark_safe(ui.svg), ui.label)


@register.filter
def can_manage_channels(user) -> bool:
    return can_manage_teams(user)


@register.filter
def channel_label(provider_key: str) -> str:
    return channels_ui.look(provider_key).label


@register.filter
def email_srcdoc(html: str) -> str:
    """A whole document for an <iframe sandbox srcdoc>; auto-escaping then quotes it."""
    clean = nh3.clean(html or "", url_schemes={"http", "https", "mailto", "cid"},
                      link_rel="noopener noreferrer nofollow")
    return (f'<!doctype html><html><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{EMAIL_CSP}">'
            f'<base target="_blank"><style>body{{font:14px/1.5 system-ui,sans-serif;color:#1f2933;'
            f'margin:8px;overflow-wrap:anywhere}}img{{max-width:100%}}</style></head>'
            f"<body>{clean}</body></html>")


# What Django's urlize turns into a link: a scheme, "www.", an address, or a bare domain under
# one of the few top-level domains it knows. Text with none of them only needs escaping. An
# address is a word like \S+@\S+\.\S+, so an @mention (every other tweet) is no candidate.
_LINKABLE = re.compile(r"://|www\.|\S@\S+\.\S|\.(?:com|edu|gov|int|mil|net|org)\b", re.I)


@register.filter(is_safe=True, needs_autoescape=True)
def linkify(text: str, autoescape=True):
    """Django's urlize, without its per-word work on the many messages that hold no link."""
    text = text or ""
    if not _LINKABLE.search(text):
        return conditional_escape(text) if autoescape else mark_safe(text)
    return urlize(text, autoescape=autoescape)


@register.filter(needs_autoescape=True)
def with_mentions(text: str, autoescape=True):
    """Escape a note's text, then mark @names (matched on the escaped text, so no markup leaks)."""
    escaped = conditional_escape(text or "")
    return mark_safe(MENTION.sub(lambda m: f'<span class="mention">{m.group(0)}</span>', str(escaped)))


@register.filter
def compact_since(value) -> str:
    if not value:
        return ""
    seconds = max(0, int((now() - value).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return "now"


@register.filter
def duration(minutes: int) -> str:
    minutes = int(minutes or 0)
    if minutes >= 1440:
        return f"{minutes // 1440}d {minutes % 1440 // 60}h"
    if minutes >= 60:
        return f"{minutes // 60}h {minutes % 60:02d}m"
    return f"{minutes}m" if minutes else "<1m"


@register.simple_tag
def sla_for(conversation):
    return sla_state(conversation)


@register.filter
def sentiment_word(value) -> str:
    if value is None:
        return ""
    if value <= NEGATIVE:
        return "negative"
    return "positive" if value >= 0.05 else "neutral"


@register.filter
def initials(user) -> str:
    if not user:
        return ""
    name = (user.get_full_name() or user.get_username()).strip()
    parts = re.split(r"[\s._-]+", name)
    return "".join(p[0] for p in parts if p)[:2].upper()


@register.filter
def display_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


@register.filter
def followers(count) -> str:
    count = int(count or 0)
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f}M".replace(".0M", "M")
    if count >= 100_000:
        return f"{count // 1000}k"
    if count >= 1000:
        return f"{count / 1000:.1f}k".replace(".0k", "k")
    return str(count)


@register.filter
def safe_url(url: str) -> str:
    """Only http(s) links leave the workspace; anything else (javascript:, data:) is dropped."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""
