"""`{% message_html m %}`: one message of the thread (heedful.web.message_html)."""

from django import template

from heedful.web import message_html as renderer

register = template.Library()


@register.simple_tag(takes_context=True)
def message_html(context, m):
    return renderer.render(m, context["conversation"], context.get("csrf_token"))
