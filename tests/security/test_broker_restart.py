"""Production mode: the Celery worker rides out a Redis restart, and no event stays pending.

The worker and beat run exactly as deploy/systemd's units start them, against a Redis of their
own on another port. Redis is restarted while the worker holds an unacknowledged job (a reply
the brand's endpoint is slow to take: the case that made kombu end the worker with
"AttributeError: 'NoneType' object has no attribute 'hostname'"). Webhooks arrive before, during
and after the outage; all of them must end processed, exactly once, by the same worker, and the
slow reply must have been sent once.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from heedful.conversations.models import Message
from heedful.devtools.fakeserver import FakeProviderServer, Reply
from heedful.ingestion.models import EventStatus, InboundEvent
from heedful.outbound.models import OutboundMessage

pytestmark = [pytest.mark.slow]

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
BRAND_DELAY = 6.0  # seconds the brand's endpoint takes to answer: the job is in flight meanwhile


def unit_command(unit: str, tmp_path: Path) -> list[str]:
    """The unit's ExecStart, run from this virtualenv instead of the unit's install path."""
    text = (UNITS / unit).read_text()
    assert "Restart=always" in text, f"{unit} must be restarted by systemd whatever made it exit"
    line = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    argv = shlex.split(line.removeprefix("ExecStart="))
    argv[0] = str(Path(sys.executable).with_name(Path(argv[0]).name))
    if "--schedule" in argv:
        argv[argv.index("--schedule") + 1] = str(tmp_path / "celerybeat-schedule")
    return argv


def test_the_procfile_runs_the_same_worker_as_the_unit(tmp_path):
    procfile = dict(line.split(": ", 1) for line in (UNITS.parents[1] / "Procfile").read_text().splitlines() if line)
    unit = unit_command("heedful-worker.service", tmp_path)
    assert shlex.split(procfile["worker"])[1:] == unit[1:]


class Redis:
    def __init__(self, tmp_path: Path):
        self.dir, self.port = tmp_path, _free_port(6390)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--daemonize", "yes", "--dir", str(self.dir),
                        "--logfile", str(self.dir / "redis.log")], check=True)
        assert _wait(self.alive, 10), "redis-server did not start"

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        assert _wait(lambda: not self.alive(), 10), "redis-server did not stop"

    def alive(self) -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0


def _free_port(start: int) -> int:
    for port in range(start, start + 50):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port for a test Redis")


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


class SlowBrand(FakeProviderServer):
    def setup_routes(self):
        self.route("POST", "/out", self._out)

    def _out(self, request, match):
        time.sleep(BRAND_DELAY)
        return Reply(200, {"id": "brand-" + request.json()["id"][:10]})


@pytest.fixture
def redis_broker(tmp_path):
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        pytest.skip("redis-server is not installed")
    broker = Redis(tmp_path)
    broker.start()
    yield broker
    if broker.alive():
        broker.stop()


def _drop_producers(app) -> None:
    # Producers are pooled per connection: the next publish must open one to the broker now
    # configured, in this test and in the tests after it.
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    if (amqp := app.__dict__.get("amqp")) is not None:
        amqp._producer_pool = None


@pytest.fixture
def celery_app(redis_broker, settings):
    from heedful.config.celery import app

    previous = app.conf.broker_url
    _drop_producers(app)
    app.conf.broker_url = redis_broker.url
    settings.HEEDFUL_JOBS = "celery"
    yield app
    _drop_producers(app)
    app.conf.broker_url = previous


def _service(unit: str, tmp_path: Path, redis_url: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "heedful.config.settings",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url, "HEEDFUL_JOBS": "celery",
        "HEEDFUL_GROUP_COMMIT": "0", "HEEDFUL_INGEST_STALE_SECONDS": "1", "HEEDFUL_WEBHOOK_ALLOW_PRIVATE": "1",
    }
    log = open(tmp_path / f"{unit}.log", "wb")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(unit_command(unit, tmp_path), env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, cwd=tmp_path)


def _post(client, channel, mid: str):
    body = json.dumps({"id": mid, "from": {"id": f"u-{mid}", "name": "Customer"}, "text": f"message {mid}"})
    return client.post(f"/hooks/api/{channel.pk}", body, content_type="application/json",
                       HTTP_AUTHORIZATION="Bearer t")


def test_a_redis_restart_under_load_leaves_nothing_pending(tmp_path, redis_broker, celery_app, make_channel, api):
    if connection.vendor != "postgresql":
        pytest.skip("production-mode broker test runs on PostgreSQL")
    with SlowBrand() as brand:
        channel = make_channel("api", {"inbound_token": "t", "outbound_url": brand.base_url + "/out",
                                       "signing_secret": "s"})
        worker = _service("heedful-worker.service", tmp_path, redis_broker.url)
        beat = _service("heedful-beat.service", tmp_path, redis_broker.url)
        web = Client(raise_request_exception=False)
        sent = []
        try:
            assert _post(web, channel, "before-0").status_code == 200
            sent.append("before-0")
            assert _wait(lambda: Message.objects.filter(provider_message_id="before-0").exists(), 60), \
                "the worker never processed the first webhook"
            conversation = Message.objects.get(provider_message_id="before-0").conversation
            reply = api.post(f"/api/v1/conversations/{conversation.pk}/messages", {"text": "On it"},
                             content_type="application/json")
            assert reply.status_code == 201
            assert _wait(lambda: brand.requests, 30), "the reply never reached the brand"

            redis_broker.stop()  # while the worker holds the unacknowledged delivery
            during = [_post(web, channel, f"during-{i}").status_code for i in range(20)]
            sent += [f"during-{i}" for i in range(20)]
            time.sleep(4)
            redis_broker.start()
            after = [_post(web, channel, f"after-{i}").status_code for i in range(20)]
            sent += [f"after-{i}" for i in range(20)]

            def drained():
                return not InboundEvent.objects.exclude(status=EventStatus.DONE).exists() and \
                    Message.objects.filter(direction="in").count() >= len(sent)

            done = _wait(drained, 90)
            alive = worker.poll() is None
            print(f"\nbroker restart: {len(sent)} webhooks ({during.count(200)} of 20 acknowledged during the "
                  f"outage, the rest stored and answered with an error), {InboundEvent.objects.filter(status='done').count()} "
                  f"events done, worker alive: {alive}, brand requests: {len(brand.requests)}")
            assert alive, "the worker exited when Redis restarted:\n" + _tail(tmp_path / "heedful-worker.service.log")
            assert done, "events stayed pending after Redis came back:\n" + _tail(tmp_path / "heedful-worker.service.log")
            assert set(after) == {200}
        finally:
            for process in (worker, beat):
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        inbound = sorted(Message.objects.filter(direction="in").values_list("provider_message_id", flat=True))
        assert inbound == sorted(sent)  # every event once, none twice
        assert InboundEvent.objects.count() == len(sent)
        assert len(brand.requests) == 1  # the reply in flight during the restart was sent once
        assert OutboundMessage.objects.get().status == "sent"


def _tail(path: Path, lines: int = 60) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"
