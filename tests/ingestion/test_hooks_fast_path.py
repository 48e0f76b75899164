"""The webhook fast path, served over real HTTP by the project's own WSGI application.

Each request goes once to the application as deployed (`heedful.config.wsgi`, fast path in front)
and once to Django's handler alone; both must give the same answer and store the same thing.
"""

from __future__ import annotations

import importlib
import json
import threading
from socketserver import ThreadingMixIn
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from django.db import connections

from heedful.channels.providers.twilio.signature import expected
from heedful.config.wsgi import application
from heedful.conversations.models import Message
from heedful.ingestion.models import InboundEvent

pytestmark = pytest.mark.django_db(transaction=True)


class _ThreadedServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def _serve(app):
    def closing(environ, start_response):
        try:
            return list(app(environ, start_response))
        finally:
            connections.close_all()  # each request's thread ends here; the test database must drop

    server = make_server("127.0.0.1", 0, closing, server_class=_ThreadedServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def servers():
    """{"fast": url, "django": url}: the deployed app and Django's handler without the fast path."""
    assert application.django_app is not None  # the deployed app has the fast path mounted
    running = {"fast": _serve(application), "django": _serve(application.django_app)}
    yield {name: f"http://127.0.0.1:{server.server_port}" for name, server in running.items()}
    for server in running.values():
        server.shutdown()


@pytest.fixture(params=["fast", "django"])
def base(request, servers):
    return servers[request.param]


@pytest.fixture
def api_channel(make_channel):
    return make_channel("api", {"inbound_token": "secret-token"})


def _post_api(base, channel, body, token="secret-token", **headers):
    return httpx.post(f"{base}/hooks/api/{channel.pk}", content=json.dumps(body).encode(),
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", **headers})


def test_a_signed_webhook_is_stored_once_processed_and_acknowledged(base, api_channel):
    body = {"id": "m-1", "from": {"id": "u-1"}, "text": "My order never came"}
    first = _post_api(base, api_channel, body)
    again = _post_api(base, api_channel, body)

    assert first.status_code == again.status_code == 200
    assert first.headers["content-type"] == "application/json"
    assert first.headers["x-content-type-options"] == "nosniff"
    assert first.json() == {"status": "accepted", "event_id": first.json()["event_id"], "duplicate": False}
    assert again.json() == {**first.json(), "duplicate": True}
    assert InboundEvent.objects.get().pk == first.json()["event_id"]
    assert Message.objects.get().text == "My order never came"


@pytest.mark.parametrize("path, expect", [("wrong-token", 401), ("unknown-channel", 404), ("wrong-family", 404)])
def test_refusals_store_nothing(base, api_channel, path, expect):
    body = {"id": "m-1", "from": {"id": "u-1"}, "text": "hi"}
    if path == "wrong-token":
        response = _post_api(base, api_channel, body, token="guess")
    else:
        url = (f"{base}/hooks/api/{api_channel.pk + 1000}" if path == "unknown-channel"
               else f"{base}/hooks/twilio/{api_channel.pk}")
        response = httpx.post(url, content=json.dumps(body).encode(), headers={"Authorization": "Bearer secret-token"})
    assert response.status_code == expect
    assert response.json()["error"]
    assert InboundEvent.objects.count() == 0


def test_a_body_over_the_limit_is_413(base, api_channel, settings):
    settings.HEEDFUL_MAX_WEBHOOK_BYTES = 100
    response = _post_api(base, api_channel, {"id": "m-1", "from": {"id": "u-1"}, "text": "x" * 200})
    assert response.status_code == 413 and response.json()["error"] == "too_large"
    assert InboundEvent.objects.count() == 0


def test_a_host_outside_allowed_hosts_is_400(base, api_channel):
    response = _post_api(base, api_channel, {"id": "m-1", "from": {"id": "u-1"}, "text": "hi"},
                         Host="attacker.example")
    assert response.status_code == 400
    assert InboundEvent.objects.count() == 0


def test_twilio_signs_the_url_it_called_and_gets_twiml(base, make_channel):
    """The signature covers the full URL, so the fast path must rebuild it as Django does."""
    channel = make_channel("twilio", {"account_sid": "AC123", "auth_token": "tw-token",
                                      "phone_number": "+15005550006"})
    params = {"MessageSid": "SM1", "SmsSid": "SM1", "AccountSid": "AC123", "From": "+442079460018",
              "To": "+15005550006", "Body": "Where is my engineer?", "NumMedia": "0"}
    url = f"{base}/hooks/twilio/{channel.pk}?tenant=acme"
    response = httpx.post(url, content=urlencode(params).encode(),
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   "X-Twilio-Signature": expected("tw-token", url, params)})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    assert Message.objects.get().text == "Where is my engineer?"


def test_the_meta_handshake_is_answered(base, make_channel):
    channel = make_channel("facebook", {"page_id": "1", "app_secret": "s", "verify_token": "vt",
                                        "page_access_token": "p"})
    ok = httpx.get(f"{base}/hooks/meta/{channel.pk}",
                   params={"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "1158201444"})
    wrong = httpx.get(f"{base}/hooks/meta/{channel.pk}",
                      params={"hub.mode": "subscribe", "hub.verify_token": "no", "hub.challenge": "1"})
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert wrong.status_code == 403


def test_other_paths_go_to_django(servers, make_channel):
    login = httpx.get(f"{servers['fast']}/login/")
    assert login.status_code == 200 and "csrftoken" in login.cookies
    deletion = httpx.post(f"{servers['fast']}/hooks/meta/987654/data-deletion")
    assert (deletion.status_code, deletion.json()["detail"]) == (404, "no such channel")


def test_the_fast_path_can_be_switched_off(settings):
    """With the setting off the WSGI module serves Django's handler alone."""
    from heedful.config import wsgi

    settings.HEEDFUL_HOOKS_FAST_PATH = False
    try:
        assert not hasattr(importlib.reload(wsgi).application, "django_app")
    finally:
        settings.HEEDFUL_HOOKS_FAST_PATH = True
        importlib.reload(wsgi)
    assert hasattr(wsgi.application, "django_app")
