"""Markdown to safe HTML: markdown-it-py with raw HTML off, then nh3 as the last word.

Every link gets a `rel` we choose: off-site links of members below trust level 3 carry
`nofollow ugc` (so spam earns no search rank); every off-site link carries `noopener noreferrer`.
nh3 then drops any tag, attribute or URL scheme outside the allow-lists below, whatever the
Markdown parser let through.
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

TAGS = {"p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li",
        "a", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title", "rel"}, "ol": {"start"}, "code": {"class"},
              "th": {"style"}, "td": {"style"}}
SCHEMES = {"http", "https", "mailto"}
_LINKS = re.compile(r"(?i)(?:https?://|mailto:|www\.)")

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table") \
    .enable("strikethrough")


def count_links(body: str) -> int:
    """Links in a post as written: Markdown links and bare addresses alike."""
    return len(_LINKS.findall(body or ""))


def _offsite(href: str, own_host: str) -> bool:
    host = urlsplit(href).netloc.lower()
    return bool(host) and host != own_host


def render(body: str, *, nofollow: bool, own_host: str = "") -> str:
    """Safe HTML for a post body. `nofollow`: the author is below trust level 3."""
    tokens = _md.parse(body or "")
    for token in tokens:
        for child in token.children or ():
            if child.type != "link_open":
                continue
            href = child.attrGet("href") or ""
            rel = []
            if _offsite(str(href), own_host.lower()):
                rel = ["nofollow", "ugc"] if nofollow else []
                rel += ["noopener", "noreferrer"]
            if rel:
                child.attrSet("rel", " ".join(rel))
            elif "rel" in (child.attrs or {}):
                del child.attrs["rel"]
    html = _md.renderer.render(tokens, _md.options, {})
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES, link_rel=None,
                     strip_comments=True)


def plain_text(body: str) -> str:
    """The words of a post for search: Markdown punctuation and markup dropped."""
    html = _md.render(body or "")
    return re.sub(r"\s+", " ", html_lib.unescape(nh3.clean(html, tags=set()))).strip()
