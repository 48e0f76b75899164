"""Sizes, targets and where things run. One place to read what a run measures."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
VENV_BIN = ROOT / ".venv" / "bin"
# The real-tweet sample lives beside the repository, never inside it (licence).
TWCS_DIR = ROOT.parent / "shared" / "data" / "twcs"


@dataclass(frozen=True)
class Sizes:
    name: str
    # ingest: a max-load burst, then a fixed offered load
    max_webhooks: int
    paced_rate: int
    paced_seconds: float
    warmup_webhooks: int
    load_connections: int
    drain_timeout: float
    # desk at scale
    desk_conversations: int
    desk_messages: int
    desk_big_threads: int
    desk_big_thread_size: int
    desk_agents: int
    page_requests: int
    # live updates
    live_agents: int
    live_rate: int
    live_seconds: float
    # ingest again, on the loaded desk
    scale_paced_seconds: float
    # whole run
    budget_seconds: float
    # mail: the same RFC 822 mails for Heedful (webhook, parallel senders) and the peer
    mail_threads: int = 100  # of mail_gen.MAILS_PER_THREAD mails each
    mail_senders: int = 8
    # the staff lists compared (peer ticket list, Heedful inbox) hold this many rows each
    list_rows: int = 2_000


QUICK = Sizes(
    name="quick", max_webhooks=1500, paced_rate=200, paced_seconds=4, warmup_webhooks=100,
    load_connections=16, drain_timeout=45,
    desk_conversations=20_000, desk_messages=100_000, desk_big_threads=1, desk_big_thread_size=2_000,
    desk_agents=10, page_requests=8,
    live_agents=10, live_rate=40, live_seconds=3,
    scale_paced_seconds=3, budget_seconds=160,  # the mail phase adds about 25 s
    # BENCH_MAIL_THREADS: a bigger quick mail phase while working on mail ingestion
    mail_threads=int(os.environ.get("BENCH_MAIL_THREADS", 50)), mail_senders=8, list_rows=2_000,
)

FULL = Sizes(
    name="full", max_webhooks=40_000, paced_rate=500, paced_seconds=30, warmup_webhooks=500,
    load_connections=64, drain_timeout=240,
    desk_conversations=1_000_000, desk_messages=5_000_000, desk_big_threads=3,
    desk_big_thread_size=10_000, desk_agents=50, page_requests=40,
    # BENCH_LIVE_AGENTS / BENCH_LIVE_RATE: the live phase with more agents (500 at 10 msg/s)
    live_agents=int(os.environ.get("BENCH_LIVE_AGENTS", 50)), live_rate=int(os.environ.get("BENCH_LIVE_RATE", 100)),
    live_seconds=15,
    # the peer's mail ingestion runs at tens of mails/s in one process: 20,000 mails take minutes
    scale_paced_seconds=20, budget_seconds=34 * 60,
    mail_threads=5_000, mail_senders=16, list_rows=50_000,
)

# What the issue asks for; every figure in the report is printed beside one of these.
# The targets of the second performance round (each quoted beside a ceiling of the same run).
TARGETS = {
    "ingest.accepted_webhooks_per_s": (">=", 2000),
    "ingest.processed_messages_per_s": (">=", 1500),
    "ingest.paced.receipt_to_visible_ms.p99": ("<", 1000),
    "ingest.max.route_step_us_per_message.wall": ("<", 1000),  # routing + priority under 1 ms a message
    "ingest.paced_on_loaded_desk.receipt_to_visible_ms.p99": ("<", 2000),
    "ingest.max.echoes_dropped": ("<=", 0),
    "soak.events_lost": ("<=", 0),  # sent = stored = processed over the whole soak
    "copy.ratio_copy_to_heedful": ("<=", 10),
    "desk.inbox_p95_ms": ("<=", 50),
    "desk.conversation_p95_ms": ("<=", 50),
    "desk.search_p95_ms": ("<=", 200),
    "desk.reports_p95_ms": ("<=", 200),
    "live.receipt_to_event_ms.p99": ("<=", 1000),
    "mail.ratio_heedful_to_peer": (">=", 10),  # the same mails, end to end
    "peer.ratio_peer_to_heedful_list_p95": (">=", 20),  # the same size of list
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Settings:
    """Connection strings and ports for one run (dedicated database, Redis and web port)."""

    sizes: Sizes
    pg_base: str = field(default_factory=lambda: os.environ.get(
        "BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/"))
    db_name: str = field(default_factory=lambda: os.environ.get("BENCH_DB", "heedful_bench"))
    redis_url: str = ""  # set when Redis is up (a private instance, or db 14 of the shared one)
    web_port: int = field(default_factory=free_port)
    web_workers: int = 2
    web_threads: int = 32
    worker_concurrency: int = 2
    secret_key: str = "bench-only-secret-key-not-for-production-0123456789"

    @property
    def database_url(self) -> str:
        return f"{self.pg_base}/{self.db_name}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def app_env(self) -> dict[str, str]:
        """The environment of every Heedful process in the run (web, worker, beat, harness)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HEEDFUL_", "DJANGO_"))}
        env.update(
            DATABASE_URL=self.database_url, REDIS_URL=self.redis_url, HEEDFUL_JOBS="celery",
            HEEDFUL_GROUP_COMMIT="1", HEEDFUL_SECRET_KEY=self.secret_key,
            HEEDFUL_ALLOWED_HOSTS="127.0.0.1,localhost", HEEDFUL_VAR_DIR=str(OUT / "var"),
            HEEDFUL_LOG_LEVEL="WARNING", DJANGO_SETTINGS_MODULE="heedful.config.settings",
            HEEDFUL_BASE_URL=self.base_url,
            # BENCH_HOOKS_FAST_PATH=0 measures webhooks through Django's whole handler, for comparison.
            HEEDFUL_HOOKS_FAST_PATH=os.environ.get("BENCH_HOOKS_FAST_PATH", "1"),
        )
        return env
