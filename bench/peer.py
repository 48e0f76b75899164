"""Side by side with a peer: django-helpdesk, installed from PyPI into its own venv.

The same threads Heedful ingested at max load (same seed, same texts, same number of messages)
become tickets + follow-ups through the peer's own models, in two processes (Heedful has two
Celery workers). Then the peer's staff ticket list is fetched over HTTP from the same kind of
gunicorn, logged in: the page and the table data it loads, which together show the rows. Its
tickets are first topped up to `sizes.list_rows`, the number of conversations Heedful's inbox
held when it was timed (bench/list_parity.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench import procs, traffic
from bench.config import BENCH, OUT, Settings, Sizes, free_port
from bench.peer_project import FILES
from bench.procs import log
from bench.stack import admin_conn, database_exists, recreate_database

VENV = BENCH / ".peer-venv"
PROJECT = BENCH / ".peer"
PACKAGES = ["django-helpdesk", "psycopg[binary]", "gunicorn"]


def ensure_venv(timeout: float) -> dict:
    python = VENV / "bin" / "python"
    if not (python.exists() and (VENV / "bin" / "gunicorn").exists() and _has_helpdesk(python)):
        log("peer: creating bench/.peer-venv and installing django-helpdesk from PyPI")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True, timeout=120)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES], check=True, timeout=timeout,
                       stdout=subprocess.DEVNULL)
    versions = subprocess.run([str(python), "-c", "import django, helpdesk, importlib.metadata as m; "
                               "print(m.version('django-helpdesk'), django.get_version())"],
                              capture_output=True, text=True, check=True).stdout.split()
    return {"package": "django-helpdesk", "version": versions[0], "django": versions[1]}


def _has_helpdesk(python: Path) -> bool:
    return subprocess.run([str(python), "-c", "import helpdesk"], capture_output=True).returncode == 0


def write_project() -> None:
    for relative, text in FILES.items():
        path = PROJECT / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip())


def peer_env(settings: Settings, db_name: str) -> dict:
    from urllib.parse import urlparse

    url = urlparse(settings.pg_base)
    return {"PATH": "/usr/bin:/bin", "PEER_DB_NAME": db_name, "PEER_DB_USER": url.username or "postgres",
            "PEER_DB_HOST": url.hostname or "127.0.0.1", "PEER_DB_PORT": str(url.port or 5432),
            "DJANGO_SETTINGS_MODULE": "peerdesk.settings", "PYTHONPATH": str(PROJECT)}


def _run(argv: list[str], env: dict, timeout: float) -> str:
    result = subprocess.run(argv, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"peer: {' '.join(argv[1:3])} failed: {result.stderr[-2000:]}")
    return result.stdout


def write_threads(shape, sizes: Sizes) -> tuple[Path, int]:
    """The threads of Heedful's max-load run (same generator, same seed)."""
    chains = traffic.threads(shape, sizes.max_webhooks, seed=3, id_base=10**15 + 3 * 10**9,
                             customer_base=10**8 + 3 * 10**6)
    path = OUT / "peer-threads.jsonl"
    with open(path, "w") as fh:
        for chain in chains:
            fh.write(json.dumps([{"inbound": t.inbound, "customer": t.customer, "text": t.text} for t in chain]) + "\n")
    return path, sum(map(len, chains))


def migrated_database(settings: Settings, name: str) -> None:
    """`name` as a copy of a peer database migrated once per run (the peer and mail phases
    both need one; migrating takes 15 s or more on a busy machine, copying about a second)."""
    template = settings.db_name + "_peer_template"
    if not database_exists(settings, template):
        recreate_database(settings, template)
        _run([str(VENV / "bin" / "python"), "manage.py", "migrate", "--noinput", "-v", "0"],
             peer_env(settings, template), 300)
    with admin_conn(settings) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def _login(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=60.0)
    client.get("/helpdesk/login/")
    response = client.post("/helpdesk/login/", data={
        "username": "staff", "password": "bench-password-1", "csrfmiddlewaretoken": client.cookies.get("csrftoken", ""),
        "next": "/helpdesk/tickets/"}, headers={"Referer": base_url + "/helpdesk/login/"})
    if response.status_code not in (302, 303):
        raise RuntimeError(f"peer: login failed (HTTP {response.status_code})")
    return client


def measure_list(base_url: str, n: int) -> dict:
    from bench.desk import _quantile

    client = _login(base_url)
    try:
        page = client.get("/helpdesk/tickets/")
        match = re.search(r"datatables_ticket_list/([A-Za-z0-9_=\-]+)", page.text)
        if page.status_code != 200 or not match:
            raise RuntimeError(f"peer: ticket list did not render (HTTP {page.status_code})")
        data_url = f"/helpdesk/datatables_ticket_list/{match.group(1)}?draw=1&start=0&length=25"
        pages, datas, totals, rows = [], [], [], 0
        for i in range(n + 2):
            t0 = time.perf_counter()
            page = client.get("/helpdesk/tickets/")
            t1 = time.perf_counter()
            data = client.get(data_url)
            t2 = time.perf_counter()
            if i >= 2:
                pages.append((t1 - t0) * 1000)
                datas.append((t2 - t1) * 1000)
                totals.append((t2 - t0) * 1000)
                rows = len(data.json().get("data", []))
        return {"page_p50_ms": _quantile(pages, .5), "page_p95_ms": _quantile(pages, .95),
                "data_p50_ms": _quantile(datas, .5), "data_p95_ms": _quantile(datas, .95),
                "list_p50_ms": _quantile(totals, .5), "list_p95_ms": _quantile(totals, .95),
                "rows_per_page": rows, "n": len(totals), "status": [page.status_code, data.status_code]}
    finally:
        client.close()


def run(settings: Settings, sizes: Sizes, results: dict, shape, *, deadline: float) -> dict:
    package = ensure_venv(timeout=max(60, min(300, deadline - time.monotonic() - 60)))
    write_project()
    db_name = settings.db_name + "_peer"
    migrated_database(settings, db_name)
    env = peer_env(settings, db_name)
    python = str(VENV / "bin" / "python")
    _run([python, "workload.py", "setup"], env, 60)
    threads_file, messages = write_threads(shape, sizes)
    log(f"peer: creating {messages} messages as tickets + follow-ups")
    created = json.loads(_run([python, "workload.py", "ingest", str(threads_file), str(settings.worker_concurrency)],
                              env, max(60, deadline - time.monotonic() - 60)).strip().splitlines()[-1])
    created["list_rows"] = json.loads(_run([python, "workload.py", "pad", str(sizes.list_rows)], env,
                                           300).strip().splitlines()[-1])
    port = free_port()
    web = procs.start("peer-web", [str(VENV / "bin" / "gunicorn"), "peerdesk.wsgi", "--workers",
                                   str(settings.web_workers), "--worker-class", "gthread", "--threads",
                                   str(settings.web_threads), "--bind", f"127.0.0.1:{port}"],
                      env=env, logdir=OUT / "logs", cwd=PROJECT)
    try:
        base = f"http://127.0.0.1:{port}"
        procs.wait_until(lambda: _up(base, web), timeout=60, what="peer gunicorn")
        listing = measure_list(base, sizes.page_requests)
    finally:
        web.stop()
    return _compare(package, created, listing, results)


def _up(base: str, web) -> bool:
    if not web.alive():
        raise RuntimeError("peer gunicorn exited:\n" + web.tail())
    try:
        return httpx.get(base + "/helpdesk/login/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _compare(package: dict, created: dict, listing: dict, results: dict) -> dict:
    heedful = results.get("ingest") or {}
    ours = heedful.get("processed_messages_per_s")
    inbox = (heedful.get("inbox_at_ingest_scale") or {}).get("inbox_first_page", {})
    out = {"peer": package, "ingest": created, "list": listing,
           "peer_messages_per_s": created["messages_per_s"], "heedful_messages_per_s": ours,
           "ratio_heedful_to_peer_ingest": round(ours / created["messages_per_s"], 2) if ours else None,
           "heedful_inbox_p95_ms": inbox.get("p95_ms"),
           "peer_list_rows": created["list_rows"]["tickets"],
           "heedful_list_rows": (heedful.get("list_rows") or {}).get("conversations"),
           "ratio_peer_to_heedful_list_p95": (round(listing["list_p95_ms"] / inbox["p95_ms"], 2)
                                               if inbox.get("p95_ms") else None)}
    log(f"peer: {created['messages_per_s']} msg/s (Heedful {ours}); list p95 {listing['list_p95_ms']} ms "
        f"(Heedful inbox {inbox.get('p95_ms')} ms)")
    return out

