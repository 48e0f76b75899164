"""`{% inbox_row c querystring %}`: one inbox row (heedful.web.inbox_row_html).

The list passes the filter's querystring, computed once for the page; without it the tag
reads the context's filter (the one-row partial)."""

from django import template

from heedful.web import inbox_row_html

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_row(context, c, querystring=None):
    if querystring is None:
        f = context.get("filter")
        querystring = f.querystring() if f is not None else ""
    return inbox_row_html.render(c, querystring)
