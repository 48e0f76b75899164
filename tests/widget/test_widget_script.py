"""/widget.js: served gzipped, small, and careful with customer text."""

from __future__ import annotations

import gzip
import re

from heedful.widget.views import SCRIPT

LIMIT = 30 * 1024  # what loads before the first open (the script is all of it: CSS is inlined)


def test_widget_script_is_under_30_kb_gzipped(client):
    response = client.get("/widget.js", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    assert response["Content-Type"].startswith("application/javascript")
    size = len(response.content)
    print(f"\nwidget.js: {len(gzip.decompress(response.content))} bytes, {size} bytes gzipped")
    assert gzip.decompress(response.content) == SCRIPT.read_bytes()
    assert size < LIMIT, f"widget.js is {size} bytes gzipped"


def test_widget_script_is_plain_when_not_asked_for_gzip(client):
    response = client.get("/widget.js")
    assert response.content == SCRIPT.read_bytes() and "Content-Encoding" not in response


def test_widget_script_loads_nothing_else_and_never_writes_customer_text_as_html():
    source = SCRIPT.read_text()
    assert not re.search(r"https?://(?!www\.w3\.org)", source), "the widget loads nothing from elsewhere"
    assert source.count(".innerHTML") == 1 and "launcher.innerHTML = '<svg" in source  # a constant icon
    assert "insertAdjacentHTML" not in source and "document.write" not in source
    for name in ("launcher", "composer", "send", "message"):
        assert f'"data-heedful": "{name}"' in source
    for lang in ("en", "es", "fr", "de"):
        assert re.search(rf"\b{lang}: {{title:", source)
