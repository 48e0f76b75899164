"""The one headless Chromium the browser tests share: Debian's binary, no downloads.

Loaded as a plugin by tests/conftest.py, so every test can ask for `browser` (module-scoped).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-output" / "screenshots"
# The background-networking flags keep Chromium from calling out of this closed network.
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed; browser tests need a system Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


DESK_VIEWPORT = {"width": 1360, "height": 860}


def signed_in(context, base_url: str, username: str, password: str):
    """A new page of `context`, signed in to the workspace through its login form, on the inbox."""
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(base_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")
    return page
