"""`{% inbox_row c %}`: one inbox row (heedful.web.inbox_row_html), with the page's filter."""

from django import template

from heedful.web import inbox_row_html

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_row(context, c):
    f = context.get("filter")
    return inbox_row_html.render(c, f.querystring() if f is not None else "")
