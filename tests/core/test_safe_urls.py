"""The one SSRF rule: IP literals need no DNS, so each case is decided by the address alone."""

from __future__ import annotations

import pytest

from heedful.core.safe_urls import refusal


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/x", "http://127.1/x", "http://0.0.0.0/x", "http://10.0.0.1/x", "http://172.16.5.4/x",
    "http://192.168.1.1/x", "http://169.254.169.254/latest/meta-data", "http://100.64.0.1/x",
    "http://[::1]/x", "http://[fe80::1]/x", "http://[fc00::1]/x", "http://[::ffff:127.0.0.1]/x",
    "http://[2002:7f00:1::]/x", "http://224.0.0.1/x", "http://localhost/x",
])
def test_addresses_inside_the_network_are_refused(url, settings):
    settings.HEEDFUL_WEBHOOK_ALLOW_PRIVATE = False
    assert "loopback, private or link-local" in refusal(url)


@pytest.mark.parametrize("url", ["ftp://8.8.8.8/x", "file:///etc/passwd", "http:///x", "https://u:p@8.8.8.8/x",
                                 "http://8.8.8.8:99999/x"])
def test_malformed_urls_are_refused_whatever_the_setting(url, settings):
    settings.HEEDFUL_WEBHOOK_ALLOW_PRIVATE = True
    assert refusal(url)


def test_public_addresses_pass_and_the_setting_lifts_the_address_rule(settings):
    settings.HEEDFUL_WEBHOOK_ALLOW_PRIVATE = False
    assert refusal("https://8.8.8.8/hook") == "" and refusal("http://[2606:4700:4700::1111]/x") == ""
    settings.HEEDFUL_WEBHOOK_ALLOW_PRIVATE = True
    assert refusal("http://127.0.0.1:8000/x") == ""
