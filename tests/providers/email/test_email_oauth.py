"""Modern mail sign-in: the OAuth flow from the channel settings page, then XOAUTH2 for IMAP and
SMTP, against a local fake of the provider's OAuth server, a real Dovecot with its oauth2 passdb
(token introspection over HTTP) and a real SMTP server that accepts AUTH XOAUTH2.
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from django.db import connection

from heedful.channels.models import Channel
from heedful.channels.providers.email.fake_oauth import FakeOAuthServer
from tests.browser import SCREENSHOTS
from tests.web.conftest import PASSWORD, make_user

from .conftest import DOVECOT, Dovecot, SmtpRecorder, fixture_bytes, free_port
from .test_email_imap import poll
from .test_email_smtp import agent_reply

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs its own loop here

CLIENT_ID, CLIENT_SECRET = "heedful-test-client", "client-secret-for-tests"


@pytest.fixture(scope="module")
def oauth_server():
    with FakeOAuthServer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, user="box1") as fake:
        yield fake


@pytest.fixture(scope="module")
def oauth_dovecot(oauth_server):
    if not os.path.exists(DOVECOT) or os.geteuid() == 0 and shutil.which("dovecot") is None:
        pytest.skip("dovecot is not installed; the XOAUTH2 IMAP test needs Debian's dovecot-imapd")
    root = Path(tempfile.mkdtemp(prefix="heedful-dovecot-oauth-"))
    root.chmod(0o755)
    server = Dovecot(root, oauth_introspection_url=oauth_server.base_url + "/introspect")
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


class OAuthSmtp(SmtpRecorder):
    """Accepts AUTH XOAUTH2 when the provider's introspection says the token is live."""

    introspect_url = ""
    logins: list = []

    async def auth_XOAUTH2(self, server, args):
        blob = args[1] if len(args) > 1 else await server.challenge_auth("", encode_to_b64=False)
        blob = blob.encode() if isinstance(blob, str) else blob
        fields = dict(part.split("=", 1) for part in base64.b64decode(blob).decode().split("\x01") if "=" in part)
        token = fields.get("auth", "").removeprefix("Bearer ")
        answer = httpx.post(self.introspect_url, data={"token": token}, timeout=5).json()
        ok = bool(answer.get("active")) and answer.get("username") == fields.get("user")
        self.logins.append((fields.get("user"), ok))
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def oauth_smtp(oauth_server):
    recorder = OAuthSmtp()
    recorder.introspect_url, recorder.logins = oauth_server.base_url + "/introspect", []
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), auth_require_tls=False)
    controller.start()
    recorder.port = controller.port
    yield recorder
    controller.stop()


@pytest.fixture
def oauth_channel(email_channel, oauth_dovecot, oauth_smtp, oauth_server):
    user, password = oauth_dovecot.new_mailbox()
    oauth_server.user = user  # whose mailbox the fake's tokens open
    channel = email_channel({
        "address": "support@brand.test", "imap_host": oauth_dovecot.host, "imap_port": oauth_dovecot.port,
        "imap_user": user, "smtp_host": "127.0.0.1", "smtp_port": oauth_smtp.port, "smtp_user": user,
        "oauth_provider": "custom", "oauth_client_id": CLIENT_ID, "oauth_client_secret": CLIENT_SECRET,
        "oauth_authorize_url": oauth_server.base_url + "/authorize",
        "oauth_token_url": oauth_server.base_url + "/token", "oauth_scope": "mail",
    }, {"smtp_starttls": False}, name="Support mailbox")
    channel.box = (user, password)  # for the test to deliver mail into it
    return channel


def _sign_in_in_the_browser(browser, live_server, admin, channel) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", admin.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/inbox/")
        page.goto(live_server.url + "/settings/channels/")
        row = page.locator(f'[data-heedful="channel-row"][data-channel="{channel.pk}"]')
        row.locator('[data-heedful="channel-sign-in"]').click()  # -> consent page -> back here
        page.get_by_text("Support mailbox is signed in.").wait_for()
        assert "signed in" in row.locator('[data-heedful="channel-status"]').inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "channel-sign-in.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.browser
def test_sign_in_then_imap_and_smtp_use_xoauth2(browser, live_server, django_user_model, oauth_channel,
                                                oauth_dovecot, oauth_server, oauth_smtp, api, settings):
    from heedful.accounts.models import Role

    settings.HEEDFUL_BASE_URL = live_server.url  # where the consent page sends the browser back

    admin = make_user(django_user_model, "ada", role=Role.ADMIN)
    _sign_in_in_the_browser(browser, live_server, admin, oauth_channel)

    channel = Channel.objects.get(pk=oauth_channel.pk)
    creds = channel.credentials
    assert creds["oauth_access_token"] in oauth_server.access_tokens and creds["oauth_refresh_token"]
    assert creds["oauth_expires_at"] > time.time() + 3000
    with connection.cursor() as cursor:  # encrypted at rest: the token is not in the row
        cursor.execute("SELECT credentials FROM channels_channel WHERE id = %s", [channel.pk])
        assert creds["oauth_access_token"] not in str(cursor.fetchone()[0])
    authorize = oauth_server.requests_to("GET", "/authorize")[-1].query
    assert authorize["code_challenge_method"] == ["S256"] and authorize["login_hint"] == ["support@brand.test"]

    # IMAP with XOAUTH2: there is no password in the channel at all.
    oauth_dovecot.append(*oauth_channel.box, fixture_bytes("simple_crlf.eml"))
    assert poll() == "stored 1 new mail(s)"
    conversation = api.get("/api/v1/conversations").json()["results"][0]
    assert conversation["subject"] == "Printer keeps jamming"

    # SMTP with XOAUTH2.
    sent = agent_reply(api, conversation["id"])
    assert sent["delivery_status"] == "sent", sent
    assert oauth_smtp.logins == [(oauth_channel.box[0], True)] and len(oauth_smtp.received) == 1


def test_an_expiring_token_is_renewed_before_use(oauth_channel, oauth_server, oauth_dovecot):
    from heedful.channels import actions

    grant = _grant(oauth_server)
    actions.update(None, oauth_channel, credentials={**grant, "oauth_expires_at": int(time.time()) + 30})
    oauth_dovecot.append(*oauth_channel.box, fixture_bytes("simple_lf.eml"))
    assert poll() == "stored 1 new mail(s)"
    renewed = Channel.objects.get(pk=oauth_channel.pk).credentials
    assert renewed["oauth_access_token"] != grant["oauth_access_token"]
    assert renewed["oauth_refresh_token"] != grant["oauth_refresh_token"]  # rotated, and kept
    assert renewed["oauth_expires_at"] > time.time() + 3000
    assert [r for r in oauth_server.requests_to("POST", "/token") if b"refresh_token" in r.body]


def test_a_refused_refresh_marks_the_channel_and_the_page_says_so(oauth_channel, oauth_server, client,
                                                                  django_user_model):
    from heedful.accounts.models import Role
    from heedful.channels import actions

    actions.update(None, oauth_channel, credentials={**_grant(oauth_server), "oauth_expires_at": 1})
    oauth_server.revoke_all()
    poll()
    channel = Channel.objects.get(pk=oauth_channel.pk)
    assert channel.status == "needs_reauth"
    assert "invalid_grant" in channel.status_detail and "sign in again" in channel.status_detail

    admin = make_user(django_user_model, "ada", role=Role.ADMIN)
    client.force_login(admin)
    page = client.get("/settings/channels/").content.decode()
    assert 'data-heedful="needs-reauth"' in page and "Sign in again below" in page


def test_a_callback_that_did_not_start_here_is_refused(oauth_channel, client, django_user_model):
    from heedful.accounts.models import Role

    client.force_login(make_user(django_user_model, "ada", role=Role.ADMIN))
    response = client.get("/settings/channels/sign-in/done/?code=stolen&state=forged", follow=True)
    assert "did not start here" in response.content.decode()
    assert not Channel.objects.get(pk=oauth_channel.pk).credentials.get("oauth_access_token")


def test_agents_cannot_start_a_sign_in(oauth_channel, client, django_user_model):
    client.force_login(make_user(django_user_model, "ann"))
    assert client.post(f"/settings/channels/{oauth_channel.pk}/sign-in/").status_code == 403
    assert client.get("/settings/channels/").status_code == 403


def _grant(oauth_server) -> dict:
    """A sign-in done directly against the fake (the browser test covers the flow itself)."""
    from heedful.channels.providers.email import oauth

    verifier = "v" * 50
    creds = {"oauth_client_id": CLIENT_ID, "oauth_client_secret": CLIENT_SECRET,
             "oauth_authorize_url": oauth_server.base_url + "/authorize",
             "oauth_token_url": oauth_server.base_url + "/token", "oauth_provider": "custom"}
    location = httpx.get(oauth.authorize_url(creds, redirect_uri="http://desk.test/done", state="s",
                                             verifier=verifier)).headers["location"]
    code = httpx.URL(location).params["code"]
    return oauth.exchange_code(creds, code=code, redirect_uri="http://desk.test/done", verifier=verifier)
