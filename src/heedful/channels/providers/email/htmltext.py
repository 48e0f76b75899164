"""HTML mail: sanitise it with nh3 for display, and derive plain text from it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

# cid: lets the workspace map inline images to their attachments; nothing executable is added.
_SCHEMES = nh3.ALLOWED_URL_SCHEMES | {"cid"}
_DROP_WITH_CONTENT = {"script", "style", "title", "head", "template", "noscript"}
_BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
           "table", "ul", "ol", "dl", "dt", "dd", "hr", "section", "article", "header", "footer"}
_SKIP = {"script", "style", "title", "head", "template", "noscript"}


def sanitise(html: str) -> str:
    """Safe to render: no scripts, event handlers, javascript: links or styles."""
    if not html.strip():
        return ""
    return nh3.clean(html, url_schemes=_SCHEMES, clean_content_tags=_DROP_WITH_CONTENT).strip()


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def to_text(html: str) -> str:
    """Readable plain text: block elements become line breaks, entities are decoded."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient; this guards against the unexpected only
        return re.sub(r"<[^>]*>", " ", html).strip()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
