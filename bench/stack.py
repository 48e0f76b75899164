"""The production stack for one run: a dedicated database, a private Redis, gunicorn
(threaded workers), a Celery worker and Celery beat, all started and stopped by the harness."""

from __future__ import annotations

import shutil
import subprocess
import time

import httpx
import psycopg

from bench import procs
from bench.config import OUT, VENV_BIN, Settings, free_port
from bench.procs import Proc, log

STATEMENT_TIMEOUT_S = 20


def admin_conn(settings: Settings, dbname: str = "postgres") -> psycopg.Connection:
    return psycopg.connect(f"{settings.pg_base}/{dbname}", autocommit=True, connect_timeout=5)


def postgres_reachable(settings: Settings) -> bool:
    try:
        with admin_conn(settings):
            return True
    except psycopg.Error:
        return False


def recreate_database(settings: Settings, name: str) -> None:
    with admin_conn(settings) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_exists(settings: Settings, name: str) -> bool:
    with admin_conn(settings) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def drop_database(settings: Settings, name: str) -> None:
    with admin_conn(settings) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Stack:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.logdir = OUT / "logs"
        self.redis: Proc | None = None
        self.web: Proc | None = None
        self.worker: Proc | None = None
        self.beat: Proc | None = None

    # -- Redis ---------------------------------------------------------------------------
    def start_redis(self) -> None:
        """A private redis-server on a free port when the binary exists (nothing shared with
        other users of the machine's Redis), else database 14 of the local one."""
        binary = shutil.which("redis-server")
        if binary:
            port = free_port()
            self.redis = procs.start("redis", [binary, "--port", str(port), "--bind", "127.0.0.1",
                                               "--save", "", "--appendonly", "no"],
                                     env={}, logdir=self.logdir)
            self.settings.redis_url = f"redis://127.0.0.1:{port}/0"
        else:
            self.settings.redis_url = "redis://127.0.0.1:6379/14"
        import redis

        client = redis.Redis.from_url(self.settings.redis_url, socket_connect_timeout=1)
        procs.wait_until(lambda: _ping(client), timeout=15, what="redis")
        if self.redis is None:
            client.flushdb()

    # -- database ------------------------------------------------------------------------
    def create_database(self) -> None:
        recreate_database(self.settings, self.settings.db_name)
        self.limit_statements()
        started = time.monotonic()
        self.manage("migrate", "--noinput", "-v", "0")
        log(f"database {self.settings.db_name} migrated in {time.monotonic() - started:.1f} s")

    def limit_statements(self) -> None:
        """A page that would run for minutes answers 500 instead of loading the machine."""
        with admin_conn(self.settings) as conn:
            conn.execute(f'ALTER DATABASE "{self.settings.db_name}" SET statement_timeout = '
                         f"'{STATEMENT_TIMEOUT_S}s'")

    def manage(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run([str(VENV_BIN / "heedful"), *args], env=self.settings.app_env(),
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"heedful {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    # -- app processes -------------------------------------------------------------------
    def start_web(self, threads: int | None = None) -> None:
        s = self.settings
        threads = threads or s.web_threads
        argv = [str(VENV_BIN / "gunicorn"), "heedful.config.wsgi", "--workers", str(s.web_workers),
                "--worker-class", "gthread", "--threads", str(threads), "--bind",
                f"127.0.0.1:{s.web_port}", "--backlog", "2048", "--timeout", "120",
                "--graceful-timeout", "5", "--keep-alive", "30"]
        self.web = procs.start("web", argv, env=s.app_env(), logdir=self.logdir)
        procs.wait_until(lambda: self._web_up(), timeout=60, what="gunicorn")
        log(f"gunicorn up on {s.base_url} ({s.web_workers} workers x {threads} threads)")

    def _web_up(self) -> bool:
        if self.web and not self.web.alive():
            raise RuntimeError("gunicorn exited:\n" + self.web.tail())
        try:
            return httpx.get(self.settings.base_url + "/login/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def start_worker(self) -> None:
        s = self.settings
        argv = [str(VENV_BIN / "celery"), "-A", "heedful.config.celery", "worker", "-Q",
                "ingest,outbound,celery", "--concurrency", str(s.worker_concurrency),
                "--loglevel", "INFO", "-n", f"bench-{s.web_port}@%h"]
        self.worker = procs.start("worker", argv, env=s.app_env(), logdir=self.logdir)
        procs.wait_until(lambda: self._worker_ready(), timeout=60, what="celery worker")
        beat = [str(VENV_BIN / "celery"), "-A", "heedful.config.celery", "beat", "--loglevel",
                "WARNING", "--schedule", str(OUT / "celerybeat-schedule")]
        self.beat = procs.start("beat", beat, env=s.app_env(), logdir=self.logdir)
        log("celery worker and beat up")

    def _worker_ready(self) -> bool:
        if not self.worker.alive():
            raise RuntimeError("celery worker exited:\n" + self.worker.tail())
        return " ready." in self.worker.tail(200)

    def restart_web(self, threads: int | None = None) -> None:
        if self.web:
            self.web.stop()
        self.start_web(threads)

    def memory_groups(self) -> dict[str, int]:
        groups = {}
        if self.web:
            groups["web"] = self.web.pid
        if self.worker:
            groups["worker"] = self.worker.pid
        return groups

    def stop(self) -> None:
        for proc in (self.beat, self.worker, self.web, self.redis):
            if proc is not None:
                proc.stop()


def _ping(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # not up yet
        return False
