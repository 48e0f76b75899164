"""`{% community_chat %}`: the web chat and its member sign-on on the forum and help-centre
pages, when `HEEDFUL_COMMUNITY_CHAT_KEY` names a web chat channel's public key (else nothing)."""

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def community_chat(context):
    key = getattr(settings, "HEEDFUL_COMMUNITY_CHAT_KEY", "")
    if not key:
        return ""
    request = context.get("request")
    token = ""
    if request is not None:
        from django.middleware.csrf import get_token

        token = get_token(request)
    return format_html('<script src="/widget.js" data-channel="{}" async></script>'
                       '<script src="{}" data-channel="{}" data-csrf="{}" defer></script>',
                       key, static("community_desk/chat-sign-on.js"), key, token)
