"""The accept ceiling: a minimal Django view that verifies the webhook's HMAC and inserts one row.

The same signed bodies as ingest's max-load burst (re-signed with one secret), sent by the same
load generator over the same number of connections, to a one-view Django project under the same
gunicorn (workers x threads, gthread) as Heedful's web tier, on the same database. Heedful's
webhooks accepted/s is quoted as a share of this, measured in the same run: the ratio says how
close Heedful's receivers come to what Django and gunicorn can do on this machine at all.
The view does the least a safe receiver must (HMAC check, one durable INSERT, acknowledge after
commit), without Heedful's dedupe, group commit or processing.
"""

from __future__ import annotations

import secrets

import psycopg

from bench import loadgen, procs
from bench.config import OUT, VENV_BIN, Settings, Sizes, free_port
from bench.procs import log

PROJECT = OUT / "ceiling"
TABLE = "bench_ceiling_event"

SETTINGS = '''
import os
import dj_database_url

SECRET_KEY = "ceiling-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = []
MIDDLEWARE = []
ROOT_URLCONF = "ceilingdesk.urls"
DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
USE_TZ = True
'''

URLS = '''
import base64
import hashlib
import hmac
import os

from django.db import connection
from django.http import JsonResponse
from django.urls import path

SECRET = os.environ["CEILING_SECRET"].encode()


def hook(request):
    given = request.headers.get("X-Twitter-Webhooks-Signature", "")
    want = "sha256=" + base64.b64encode(hmac.new(SECRET, request.body, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(given.encode(), want.encode()):
        return JsonResponse({"error": "unauthorized"}, status=401)
    with connection.cursor() as cursor:  # autocommit: answered after its own commit
        cursor.execute("INSERT INTO TABLE_NAME (raw) VALUES (%s) RETURNING id", [request.body])
        event_id = cursor.fetchone()[0]
    return JsonResponse({"status": "accepted", "event_id": event_id})


urlpatterns = [path("hook", hook)]
'''.replace("TABLE_NAME", TABLE)

WSGI = '''
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ceilingdesk.settings")
application = get_wsgi_application()
'''


def _write_project() -> None:
    package = PROJECT / "ceilingdesk"
    package.mkdir(parents=True, exist_ok=True)
    for name, text in {"__init__.py": "", "settings.py": SETTINGS, "urls.py": URLS, "wsgi.py": WSGI}.items():
        (package / name).write_text(text.lstrip())


def _requests(source, secret: str):
    """Ingest's max-load requests, each body re-signed for the ceiling's one secret."""
    from heedful.channels.providers.twitter.signing import webhook_signature

    out = OUT / "requests-ceiling.tsv"
    count = 0
    with open(source, "rb") as src, open(out, "wb") as dst:
        for line in src:
            _, _, body = line.rstrip(b"\n").split(b"\t", 2)
            dst.write(f"/hook\t{webhook_signature(secret, body)}\t".encode() + body + b"\n")
            count += 1
    return out, count


def run(settings: Settings, sizes: Sizes, results: dict) -> dict:
    source = OUT / "requests-max.tsv"
    if not source.exists():
        raise RuntimeError("run the ingest phase first: the ceiling replays its max-load requests")
    secret = secrets.token_urlsafe(32)
    requests_file, count = _requests(source, secret)
    _write_project()
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
        conn.execute(f"CREATE TABLE {TABLE} (id bigserial PRIMARY KEY, raw bytea NOT NULL)")
    port = free_port()
    env = {**settings.app_env(), "CEILING_SECRET": secret, "PYTHONPATH": str(PROJECT),
           "DJANGO_SETTINGS_MODULE": "ceilingdesk.settings"}
    argv = [str(VENV_BIN / "gunicorn"), "ceilingdesk.wsgi", "--workers", str(settings.web_workers),
            "--worker-class", "gthread", "--threads", str(settings.web_threads), "--bind", f"127.0.0.1:{port}",
            "--backlog", "2048", "--keep-alive", "30", "--chdir", str(PROJECT)]
    web = procs.start("ceiling-web", argv, env=env, logdir=OUT / "logs")
    try:
        procs.wait_until(lambda: _up(port, web), timeout=60, what="ceiling gunicorn")
        base = f"http://127.0.0.1:{port}"
        if loadgen.wrk_available():
            http = loadgen.wrk_load(requests_file, base, connections=sizes.load_connections)
        else:
            http = loadgen.python_load(requests_file, base, rate=0, connections=sizes.load_connections,
                                       max_seconds=120)
    finally:
        web.stop()
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            stored = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]
            conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    rate = http.get("ok_per_s") or 0
    heedful = (results.get("ingest") or {}).get("accepted_webhooks_per_s")
    result = {"requests": count, "stored": stored, "accepted_per_s": rate, "http": http,
              "server": f"gunicorn gthread {settings.web_workers} x {settings.web_threads}, one-view Django"}
    if heedful and rate:
        result["ratio_heedful_to_ceiling"] = round(heedful / rate, 2)
    log(f"accept ceiling: {rate:,.0f} webhooks/s (minimal Django view, HMAC + one INSERT); "
        f"Heedful {heedful or 0:,.0f}/s = {result.get('ratio_heedful_to_ceiling', 0):.2f} of it")
    return result


def _up(port: int, web) -> bool:
    import httpx

    if not web.alive():
        raise RuntimeError("ceiling gunicorn exited:\n" + web.tail())
    try:
        return httpx.post(f"http://127.0.0.1:{port}/hook", content=b"{}", timeout=2).status_code == 401
    except httpx.HTTPError:
        return False
