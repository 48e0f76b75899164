"""Article Markdown to safe HTML: markdown-it-py renders (raw HTML off), nh3 sanitises.

Raw HTML in the source is shown as text, and whatever markdown-it produces still passes an
allow-list, so neither markup nor script in an article can run in a reader's browser.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"])
TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code", "pre",
        "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"},
              "th": {"style"}, "td": {"style"}}


def render(source: str) -> str:
    html = _md.render(source or "")
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="nofollow noopener noreferrer",
                     filter_style_properties={"text-align"})


def plain(source: str) -> str:
    """The text of an article without markup, for search snippets and meta descriptions."""
    return nh3.clean(render(source), tags=set()).replace("&amp;", "&").replace("&lt;", "<").replace(
        "&gt;", ">").replace("&quot;", '"').replace("&#39;", "'")
