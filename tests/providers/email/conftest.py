"""Email channel fixtures: channels, a webhook poster, a real SMTP server and a real IMAP server."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
ADDRESS = "support@brand.test"
TOKEN = "inbound-token-for-tests"
DOVECOT = "/usr/sbin/dovecot"
MAILBOXES = 20


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _fresh_channel_cache():
    """Channel ids repeat across tests on SQLite; the webhook's channel cache must not."""
    from heedful.channels import cache

    cache.forget()
    yield
    cache.forget()


@pytest.fixture
def email_channel(make_channel):
    def make(credentials: dict | None = None, settings: dict | None = None, **kwargs):
        creds = {"address": ADDRESS, "inbound_token": TOKEN, **(credentials or {})}
        return make_channel("email", creds, settings or {}, **kwargs)

    return make


@pytest.fixture
def channel(email_channel):
    return email_channel()


@pytest.fixture
def post_mail(client):
    """POST raw mail to the channel's webhook with the bearer token (or another one)."""

    def post(channel, raw: bytes, token: str | None = TOKEN):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
        return client.post(f"/hooks/email/{channel.pk}", raw, content_type="message/rfc822", **headers)

    return post


@pytest.fixture
def deliver(post_mail, api):
    """Post a mail and return its processed inbound event as the API shows it."""

    def run(channel, raw: bytes) -> dict:
        response = post_mail(channel, raw)
        assert response.status_code == 200, response.content
        return api.get(f"/api/v1/inbound-events/{response.json()['event_id']}").json()

    return run


# -- SMTP --------------------------------------------------------------------------------------

@dataclass
class SmtpRecorder:
    """An aiosmtpd handler that keeps what it accepts, or answers with a chosen error."""

    received: list[bytes] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    rcpt_reply: str = ""  # e.g. "451 4.7.1 Greylisted": refuse every recipient with it
    failures_left: int = -1  # how many RCPTs get `rcpt_reply`; -1 = all

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply and self.failures_left != 0:
            self.failures_left -= 1 if self.failures_left > 0 else 0
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope.content)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free loopback port; login with user "mailer" / "right-password"."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"mailer" and auth_data.password == b"right-password"
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    recorder = SmtpRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(),
                            authenticator=authenticator, auth_require_tls=False)
    controller.start()
    recorder.port = controller.port
    yield recorder
    controller.stop()


# -- IMAP (a throwaway dovecot) ----------------------------------------------------------------

class Dovecot:
    """A dovecot started for the test session; each test gets its own mailbox user."""

    def __init__(self, root: Path, oauth_introspection_url: str = ""):
        self.root, self.host, self.port = root, "127.0.0.1", free_port()
        self.oauth_introspection_url = oauth_introspection_url
        self.mail_uid, self.mail_gid, login_user, internal_user = self._users()
        self.mail_root = root / "mail"
        self.mail_root.mkdir()
        os.chown(self.mail_root, self.mail_uid, self.mail_gid)
        # All mailboxes exist from the start: dovecot may not notice a passwd-file edited twice
        # within one second.
        self.passwd = root / "passwd"
        self.passwd.write_text("".join(
            f"box{n}:{{PLAIN}}pw-{n}-secret::::{self.mail_root / f'box{n}'}::\n"
            for n in range(1, MAILBOXES + 1)))
        (root / "dovecot.conf").write_text(self._config(login_user, internal_user))
        self.log = root / "dovecot.log"
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self._wait_for_port()
        self._users_made = 0

    @staticmethod
    def _users():
        me = pwd.getpwuid(os.geteuid())
        if os.geteuid() != 0:  # everything runs as the current user, without chroot
            return me.pw_uid, me.pw_gid, me.pw_name, me.pw_name
        # As root, dovecot refuses root for logins and mail: use the unprivileged system users.
        nobody, dovenull, dovecot = (pwd.getpwnam(n) for n in ("nobody", "dovenull", "dovecot"))
        return nobody.pw_uid, nobody.pw_gid, dovenull.pw_name, dovecot.pw_name

    def _config(self, login_user: str, internal_user: str) -> str:
        return textwrap.dedent(f"""\
            protocols = imap
            listen = 127.0.0.1
            base_dir = {self.root}/run
            state_dir = {self.root}/state
            instance_name = heedful-test-{self.port}
            log_path = {self.root}/dovecot.log
            info_log_path = {self.root}/dovecot.log
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login{" xoauth2 oauthbearer" if self.oauth_introspection_url else ""}
            default_login_user = {login_user}
            default_internal_user = {internal_user}
            default_internal_group = {grp.getgrgid(pwd.getpwnam(internal_user).pw_gid).gr_name}
            mail_location = maildir:~/Maildir
            first_valid_uid = {min(self.mail_uid, 500)}
            passdb {{
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {self.passwd}
            }}
            {self._oauth_passdb()}
            userdb {{
              driver = passwd-file
              args = username_format=%u {self.passwd}
              default_fields = uid={self.mail_uid} gid={self.mail_gid}
            }}
            service anvil {{
              chroot =
            }}
            service imap-login {{
              chroot =
              inet_listener imap {{
                address = 127.0.0.1
                port = {self.port}
              }}
              inet_listener imaps {{
                port = 0
              }}
            }}
            """)

    def _oauth_passdb(self) -> str:
        """XOAUTH2 / OAUTHBEARER logins checked by token introspection (RFC 7662)."""
        if not self.oauth_introspection_url:
            return ""
        conf = self.root / "oauth2.conf.ext"
        conf.write_text(f"introspection_url = {self.oauth_introspection_url}\nintrospection_mode = post\n"
                        "force_introspection = yes\nusername_attribute = username\n"
                        "active_attribute = active\nactive_value = true\n")
        return f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {conf}\n}}"

    def _wait_for_port(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as sock:
                    if sock.recv(64).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        log = self.log.read_text() if self.log.exists() else "(no log)"
        self.stop()
        pytest.fail(f"dovecot did not start on port {self.port}:\n{log[-2000:]}")

    def new_mailbox(self) -> tuple[str, str]:
        """A fresh user with an empty INBOX: (login, password)."""
        self._users_made += 1
        assert self._users_made <= MAILBOXES, "raise MAILBOXES in the email tests' conftest"
        return f"box{self._users_made}", f"pw-{self._users_made}-secret"

    def client(self, user: str, password: str):
        from imapclient import IMAPClient

        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(user, password)
        return client

    def append(self, user: str, password: str, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a mail into a folder with IMAP APPEND."""
        client = self.client(user, password)
        try:
            if folder != "INBOX" and not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw)
        finally:
            client.logout()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="session")
def dovecot():
    if not os.path.exists(DOVECOT):
        pytest.skip(f"dovecot is not installed ({DOVECOT}); the IMAP tests need Debian's "
                    "dovecot-imapd package")
    if os.geteuid() == 0:
        try:
            for name in ("nobody", "dovenull", "dovecot"):
                pwd.getpwnam(name)
        except KeyError as exc:
            pytest.skip(f"running as root needs the system user {exc} for dovecot")
    # Not under pytest's private tmp dir: as root, dovecot's auth process runs as another user.
    root = Path(tempfile.mkdtemp(prefix="heedful-dovecot-"))
    root.chmod(0o755)
    server = Dovecot(root)
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)
