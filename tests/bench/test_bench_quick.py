"""The benchmark harness end to end at --quick sizes: every phase runs and reports its figures."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")

pytestmark = pytest.mark.slow


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _services_or_skip() -> None:
    url = urlparse(POSTGRES)
    if not _reachable(url.hostname or "127.0.0.1", url.port or 5432):
        pytest.skip("PostgreSQL is not reachable; the benchmark needs it")
    from shutil import which

    if not which("redis-server") and not _reachable("127.0.0.1", 6379):
        pytest.skip("Redis is not available; the benchmark needs it")


def test_quick_run_prints_every_figure_as_json(tmp_path):
    _services_or_skip()
    env = {**os.environ, "BENCH_DB": f"heedful_bench_ci_{os.getpid()}"}
    result = subprocess.run([sys.executable, "-m", "bench.run", "--quick"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout)

    assert report["mode"] == "quick"
    assert "errors" not in report, report.get("errors")
    ingest = report["ingest"]
    assert ingest["accepted_webhooks_per_s"] > 0
    assert ingest["processed_messages_per_s"] > 0
    for run in ("paced", "max"):
        assert ingest[run]["drained"] is True
        assert ingest[run]["messages"] > 0.9 * ingest[run]["webhooks_sent"]
        assert set(ingest[run]["receipt_to_visible_ms"]) >= {"p50", "p95", "p99"}
        assert ingest[run]["memory_peak_mb"]["web"] > 0 and ingest[run]["memory_peak_mb"]["worker"] > 0
        assert ingest[run]["echoes_dropped"] == 0, ingest[run]["ignored_reasons"]  # held for their parents
    assert report["live"]["delivered_share"] > 0.9
    desk = report["desk"]
    assert not desk["failed_pages"], desk["failed_pages"]
    assert desk["inbox_p95_ms"] and desk["conversation_p95_ms"] and desk["search_p95_ms"]
    assert report["desk_load"]["messages"] == 100_000
    assert report["copy"]["copy_rows_per_s"] > report["copy"]["heedful_processed_messages_per_s"] > 0
    assert report["peer"]["peer_messages_per_s"] > 0 and report["peer"]["ratio_heedful_to_peer_ingest"]
    assert report["peer"]["peer_list_rows"] == report["peer"]["heedful_list_rows"] == 2_000  # same list size
    mail = report["mail"]  # the same mails through Heedful's webhook and the peer's mail ingestion
    assert mail["heedful_mails_per_s"] > 0 and mail["peer_mails_per_s"] > 0 and mail["ratio_heedful_to_peer"]
    assert mail["heedful"]["drained"] is True and mail["heedful"]["messages"] == mail["mails"]
    assert mail["peer"]["followups"] == mail["mails"] and not mail["peer"]["errors"]
    assert mail["heedful_conversations"] == mail["threads"]  # threaded by In-Reply-To / References
    assert abs(mail["peer_tickets"] - mail["threads"]) <= 0.02 * mail["threads"]
    assert {t["metric"] for t in report["targets"]} >= {"ingest.accepted_webhooks_per_s",
                                                       "desk.inbox_p95_ms", "desk.search_p95_ms",
                                                       "mail.ratio_heedful_to_peer"}
    assert "Heedful benchmark" in result.stderr  # the short table
