"""Real processes for the crash tests: the web and worker processes started as production starts
them, a Redis of their own, and a PostgreSQL cluster of their own that a test may stop and start
(the shared server is never touched)."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(predicate, timeout: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return bool(predicate())


def database_url(settings_dict: dict, **override) -> str:
    db = {**settings_dict, **override}
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def production_env(database: str, redis: str, **extra: str) -> dict:
    """Production settings with Celery jobs; the sweepers look at pending rows after 1 s, so a
    test waits seconds, not the production half-minute."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "heedful.config.settings", "DATABASE_URL": database,
            "REDIS_URL": redis, "CELERY_BROKER_URL": redis, "HEEDFUL_JOBS": "celery",
            "HEEDFUL_INGEST_STALE_SECONDS": "1", "HEEDFUL_WEBHOOK_ALLOW_PRIVATE": "1", **extra}


class Process:
    """A service in its own process group, so a kill takes its children (gunicorn's workers,
    Celery's pool) with it, as a machine crash would."""

    def __init__(self, name: str, argv: list[str], env: dict, logs: Path):
        self.name, self.argv, self.env, self.log_path = name, argv, env, logs / f"{name}.log"
        self.popen: subprocess.Popen | None = None

    def start(self) -> Process:
        log = open(self.log_path, "ab")  # noqa: SIM115 (closed with the process)
        self.popen = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True, cwd=self.log_path.parent)
        log.close()
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL, no warm shutdown."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
        self._reap()

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                pass
        self._reap()

    def _reap(self) -> None:
        """Wait for the whole group: a pool child still holding a database connection would keep
        the test database from being dropped."""
        if self.popen is None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait()
        wait_for(lambda: not _group_alive(self.popen.pid), 10, 0.05)

    def tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def web(env: dict, logs: Path, port: int) -> Process:
    """gunicorn as deploy/systemd/heedful-web.service runs it (threaded workers, group commit),
    with fewer workers for a 2-core test machine and no control socket (one per home directory,
    which concurrent test runs would share)."""
    return Process("web", [str(VENV_BIN / "gunicorn"), "heedful.config.wsgi", "--workers", "2", "--worker-class",
                           "gthread", "--threads", "8", "--bind", f"127.0.0.1:{port}", "--no-control-socket"],
                   env, logs)


def warmed(url: str, requests: int = 8) -> bool:
    """True once `requests` GETs in parallel all succeed: every web worker has loaded the app, so
    the first webhooks of a test do not wait on imports (and time out) on a busy machine."""
    import httpx

    def one(_):
        try:
            return httpx.get(url, timeout=5).is_success
        except httpx.HTTPError:
            return False

    with ThreadPoolExecutor(requests) as pool:
        return all(pool.map(one, range(requests)))


def worker(env: dict, logs: Path) -> Process:
    """The Celery worker of deploy/systemd with beat inside it (the sweepers run on a schedule)."""
    return Process("worker", [str(VENV_BIN / "celery"), "-A", "heedful.config.celery", "worker", "-B", "-Q",
                              "ingest,outbound,celery", "--concurrency", "2", "--loglevel", "WARNING",
                              "-s", str(logs / "celerybeat-schedule")], env, logs)


class PrivateRedis:
    def __init__(self, directory: Path):
        if not shutil.which("redis-server") or not shutil.which("redis-cli"):
            pytest.skip("redis-server is not installed")
        self.dir, self.port = directory, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--daemonize", "yes", "--dir", str(self.dir),
                        "--logfile", str(self.dir / "redis.log")], check=True)
        assert wait_for(lambda: listening(self.port), 10), "redis-server did not start"

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        assert wait_for(lambda: not listening(self.port), 10), "redis-server did not stop"


class PrivatePostgres:
    """A throw-away cluster in a temporary directory on a free port. PostgreSQL refuses to run as
    root, so as root the server commands run as the `postgres` user."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed under /usr/lib/postgresql")
        self.bin = Path(found[-1]).parent
        # Not under pytest's tmp_path: as root that is closed to the postgres user.
        self.dir, self.port = Path(tempfile.mkdtemp(prefix="heedful-pg-")), free_port()
        self._as = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]

    def _server(self, *args: str) -> None:
        subprocess.run([*self._as, str(self.bin / args[0]), *args[1:]], check=True, capture_output=True)

    def init(self) -> None:
        self._server("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                     "--no-sync")

    def start(self) -> None:
        self._server("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"), "-w", "start",
                     "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off")

    def stop(self) -> None:
        """`-m fast`: clients are cut off at once, open transactions roll back."""
        self._server("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return listening(self.port)

    def remove(self) -> None:
        if self.running():
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def clone(self, source: dict, name: str) -> None:
        """A copy of the test database (schema and rows) under `name`: migrations already run."""
        self._server("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        dump = subprocess.run(
            [str(self.bin / "pg_dump"), "--no-owner", "-h", source["HOST"] or "127.0.0.1", "-p",
             str(source["PORT"] or 5432), "-U", source["USER"] or "postgres", source["NAME"]],
            check=True, capture_output=True).stdout
        subprocess.run([str(self.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                        str(self.port), "-U", "postgres", name], input=dump, check=True, capture_output=True)


@contextmanager
def celery_pointed_at(broker_url: str):
    """This process's Celery app publishes to `broker_url` (pooled producers are dropped so the
    next publish opens a connection to it, and again afterwards for the tests that follow)."""
    from heedful.config.celery import app

    def drop_producers():
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        if (amqp := app.__dict__.get("amqp")) is not None:
            amqp._producer_pool = None

    previous = app.conf.broker_url
    drop_producers()
    app.conf.broker_url = broker_url
    try:
        yield app
    finally:
        drop_producers()
        app.conf.broker_url = previous
