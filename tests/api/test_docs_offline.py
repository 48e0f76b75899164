"""The API docs render from Heedful's own static files: no request leaves the host."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser


def test_api_docs_render_with_no_outside_request(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    hosts, errors = set(), []
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)  # operations drawn from the schema
    assert page.locator(".swagger-ui .opblock").count() > 10
    context.close()
    assert hosts == {urlsplit(live_server.url).netloc}, hosts
    assert errors == []
