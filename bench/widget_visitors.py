"""Web chat at load: many visitors hold their live stream open while agents answer each of them.

    .venv/bin/python -m bench.widget_visitors                 # 500 visitors
    .venv/bin/python -m bench.widget_visitors --visitors 100 --rate 20

Starts the production stack of the main benchmark (its own PostgreSQL database, a private Redis,
gunicorn with threaded workers, a Celery worker), creates a web chat channel and one agent, then:
every visitor gets a session and sends one message through the visitor API (so each has its own
conversation, made by the pipeline), and holds `/widget/v1/stream` open from a separate load
process. The agent answers every conversation through the REST API at a steady rate. Latency is
the reply's receipt (Message.created_at, stamped by the app when the API accepted it) -> the
moment the visitor's stream delivered it. Reported: p50/p95/p99, deliveries, and the web
processes' peak memory. Not part of the test suite.

Two gunicorn pools, as a deployment with long-lived streams runs them behind one load balancer:
the streams pool (one thread per open stream; the memory reported is its) serves
`/widget/v1/stream`, a small pool serves everything else. Each stream closes its database
connection while it waits, but ordinary requests keep theirs for CONN_MAX_AGE, so hundreds of
request threads would hold hundreds of connections.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench import fixtures, procs
from bench.config import OUT, QUICK, ROOT, VENV_BIN, Settings, free_port
from bench.procs import log
from bench.stack import Stack

DB_NAME = "heedful_bench_widget"
ORIGIN = "https://shop.bench.test"
CONNECT_SPACING_S = 0.01
REPLY_SENDERS = 8
API_THREADS = 8  # streams open over a few seconds, as visitors' pages load


class WidgetSettings(Settings):
    """The main benchmark's settings, with the visitor API's rate limits raised: every visitor of
    the run comes from one loopback address."""

    def app_env(self) -> dict[str, str]:
        visitors = self.sizes_visitors
        return {**super().app_env(), "HEEDFUL_WIDGET_LIMITS":
                f"session_ip={visitors * 2},message_ip={visitors * 2},read_ip={visitors * 20}"}


# -- the visitors' process: one asyncio task per open stream ------------------------------------

async def _visitor(client, token, arrivals, connected, stop):
    headers = {"Authorization": f"Bearer {token}", "Origin": ORIGIN}
    cursor = 0
    while not stop.is_set():
        try:
            if cursor:
                headers["Last-Event-ID"] = str(cursor)
            async with client.stream("GET", "/widget/v1/stream", headers=headers) as response:
                if response.status_code != 200:
                    arrivals.append(("error", response.status_code))
                    return
                kind = "message"
                async for line in response.aiter_lines():
                    if line.startswith(": connected") and connected is not None:
                        connected.release()
                        connected = None
                    elif line.startswith("event:"):
                        kind = line[6:].strip()
                    elif line.startswith("data:"):
                        data = json.loads(line[5:])
                        if kind == "cursor":
                            cursor = data
                        elif kind == "message" and data.get("author") == "agent":
                            arrivals.append((time.time(), data["id"]))
                    if stop.is_set():
                        return
        except (httpx.HTTPError, ValueError):
            await asyncio.sleep(0.5)  # reconnect with Last-Event-ID, as the widget does


async def _visitors_main(base_url: str, tokens: list[str], out_file: Path, stop_file: Path, seconds: float):
    stop, connected = asyncio.Event(), asyncio.Semaphore(0)
    limits = httpx.Limits(max_connections=len(tokens) + 10, max_keepalive_connections=len(tokens) + 10)
    async with httpx.AsyncClient(base_url=base_url, limits=limits,
                                 timeout=httpx.Timeout(30.0, read=120.0)) as client:
        per_visitor = [[] for _ in tokens]
        tasks = []
        for i, token in enumerate(tokens):
            tasks.append(asyncio.create_task(_visitor(client, token, per_visitor[i], connected, stop)))
            await asyncio.sleep(CONNECT_SPACING_S)
        deadline = time.monotonic() + 120
        for _ in tokens:
            await asyncio.wait_for(connected.acquire(), timeout=max(1, deadline - time.monotonic()))
        print("READY", flush=True)
        end = time.monotonic() + seconds
        while time.monotonic() < end and not stop_file.exists():
            await asyncio.sleep(0.2)
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    out_file.write_text(json.dumps({"visitors": per_visitor}))


# -- the harness --------------------------------------------------------------------------------

def _setup_channel_and_agent():
    from django.contrib.auth import get_user_model

    from heedful.accounts.models import ApiToken, Profile, Role
    from heedful.channels.models import Channel
    from heedful.channels.providers.webchat.provider import public_key

    channel = Channel.objects.create(provider="webchat", name="Bench chat",
                                     settings={"allowed_origins": [ORIGIN]})
    user = get_user_model().objects.create_user("bench-chat-agent", "agent@bench.test", fixtures.PASSWORD,
                                                first_name="Bench")
    Profile.objects.create(user=user, role=Role.ADMIN)
    return channel, public_key(channel), ApiToken.issue(user)


def _open_visitors(base_url: str, key: str, count: int) -> list[str]:
    """Each visitor: a session and a first message, through the visitor API like a browser."""
    tokens = []
    with httpx.Client(base_url=base_url, timeout=30, headers={"Origin": ORIGIN}) as client:
        for n in range(count):
            token = client.post("/widget/v1/sessions", json={"channel": key}).raise_for_status().json()["token"]
            client.post("/widget/v1/messages", json={"text": f"Hello, visitor {n} here", "client_id": f"bench-{n:06d}"},
                        headers={"Authorization": f"Bearer {token}"}).raise_for_status()
            tokens.append(token)
    return tokens


def _wait_for_conversations(channel_id: int, count: int, timeout: float = 120) -> list[int]:
    from heedful.conversations.models import Conversation

    def ready():
        fixtures.close_db()
        return Conversation.objects.filter(channel_id=channel_id).count() >= count

    procs.wait_until(ready, timeout=timeout, what=f"{count} web chat conversations")
    return list(Conversation.objects.filter(channel_id=channel_id).order_by("pk").values_list("pk", flat=True))


def _answer(base_url: str, api_token: str, conversations: list[int], rate: float) -> list[int]:
    """One agent reply per conversation, offered at `rate` per second from a few senders (open
    loop: a slow answer does not delay the next); returns the reply message ids."""
    started = time.monotonic()
    local = threading.local()

    def send(n: int, conversation: int) -> int:
        wait = started + n / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base_url, timeout=30,
                                        headers={"Authorization": f"Token {api_token}"})
        response = local.client.post(f"/api/v1/conversations/{conversation}/messages",
                                     json={"text": f"Hi! Reply number {n}."})
        response.raise_for_status()
        return response.json()["id"]

    with ThreadPoolExecutor(max_workers=REPLY_SENDERS) as pool:
        return list(pool.map(send, range(len(conversations)), conversations))


def _up(url: str) -> bool:
    try:
        return httpx.get(url + "/login/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else float("nan")


def run(visitors: int, rate: float, threads: int) -> dict:
    settings = WidgetSettings(sizes=QUICK, db_name=DB_NAME, web_threads=threads)
    settings.sizes_visitors = visitors
    stack = Stack(settings)
    clients = api_pool = None
    try:
        stack.start_redis()
        stack.create_database()
        fixtures.setup_django(settings)
        stack.start_web()
        api_port = free_port()
        api_pool = procs.start("web-api", [str(VENV_BIN / "gunicorn"), "heedful.config.wsgi", "--workers", "2",
                                           "--worker-class", "gthread", "--threads", str(API_THREADS),
                                           "--bind", f"127.0.0.1:{api_port}"],
                               env=settings.app_env(), logdir=stack.logdir)
        api_url = f"http://127.0.0.1:{api_port}"
        procs.wait_until(lambda: _up(api_url), timeout=60, what="the API pool")
        stack.start_worker()
        channel, key, api_token = _setup_channel_and_agent()
        tokens = _open_visitors(api_url, key, visitors)
        conversations = _wait_for_conversations(channel.pk, visitors)
        log(f"{visitors} visitors have a conversation each")
        OUT.mkdir(exist_ok=True)
        tokens_file, out_file, stop_file = OUT / "widget-tokens.json", OUT / "widget-arrivals.json", OUT / "widget-stop"
        tokens_file.write_text(json.dumps(tokens))
        stop_file.unlink(missing_ok=True)
        clients = subprocess.Popen([sys.executable, "-m", "bench.widget_visitors", "--clients", settings.base_url,
                                    str(tokens_file), str(out_file), str(stop_file)],
                                   cwd=ROOT, stdout=subprocess.PIPE, text=True)
        if clients.stdout.readline().strip() != "READY":
            raise RuntimeError("the visitors' streams did not all connect")
        log(f"{visitors} visitor streams open")
        with procs.MemorySampler(stack.memory_groups()) as memory:
            started = time.monotonic()
            reply_ids = _answer(api_url, api_token, conversations, rate)
            answered_in = time.monotonic() - started
            time.sleep(5)  # the last replies are on their way
            stop_file.touch()
            clients.wait(60)
        return _report(visitors, rate, threads, reply_ids, answered_in, out_file, memory.peaks)
    finally:
        if clients is not None and clients.poll() is None:
            clients.kill()
        if api_pool is not None:
            api_pool.stop()
        stack.stop()
        from bench.stack import drop_database

        fixtures.close_db()
        drop_database(settings, DB_NAME)


def _report(visitors, rate, threads, reply_ids, answered_in, out_file, peaks) -> dict:
    from heedful.conversations.models import Message
    from heedful.outbound.models import DeliveryAttempt

    fixtures.close_db()
    created = {pk: at.timestamp() for pk, at in Message.objects.filter(pk__in=reply_ids)
               .values_list("pk", "created_at")}
    # When the provider's receipt released each reply (the end of its sent attempt): splits the
    # path into the outbound queue's part and the live streams' part.
    released = {mid: started.timestamp() + ms / 1000 for mid, started, ms in DeliveryAttempt.objects
                .filter(outbound__message_id__in=reply_ids, outcome="sent")
                .values_list("outbound__message_id", "started_at", "duration_ms")}
    data = json.loads(out_file.read_text())
    latencies, queue_part, stream_part, errors = [], [], [], []
    for arrivals in data["visitors"]:
        seen = set()
        for item in arrivals:
            if item[0] == "error":
                errors.append(item[1])
            elif item[1] in created and item[1] not in seen:
                seen.add(item[1])
                latencies.append((item[0] - created[item[1]]) * 1000)
                if item[1] in released:
                    queue_part.append((released[item[1]] - created[item[1]]) * 1000)
                    stream_part.append((item[0] - released[item[1]]) * 1000)
    result = {
        "visitors": visitors, "reply_rate_per_s": rate, "streams_pool": f"2 gunicorn workers x {threads} threads",
        "replies": len(reply_ids), "replies_sent_in_s": round(answered_in, 1),
        "achieved_reply_rate_per_s": round(len(reply_ids) / answered_in, 1) if answered_in else None,
        "delivered": len(latencies), "stream_errors": errors[:5],
        "receipt_to_visitor_ms": {"p50": _percentile(latencies, 0.50), "p95": _percentile(latencies, 0.95),
                                  "p99": _percentile(latencies, 0.99),
                                  "mean": round(statistics.fmean(latencies), 1) if latencies else None},
        "receipt_to_released_ms": {"p50": _percentile(queue_part, 0.50), "p99": _percentile(queue_part, 0.99)},
        "released_to_visitor_ms": {"p50": _percentile(stream_part, 0.50), "p95": _percentile(stream_part, 0.95),
                                   "p99": _percentile(stream_part, 0.99)},
        "streams_pool_memory_mb": {"peak_total_rss": peaks.total_mb.get("web"),
                          "largest_process_hwm": peaks.largest_process_mb.get("web"),
                          "processes": peaks.processes.get("web")},
        "target": "p99 < 1000 ms",
    }
    result["meets_target"] = bool(latencies) and result["receipt_to_visitor_ms"]["p99"] < 1000 \
        and len(latencies) == len(reply_ids)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50.0, help="agent replies per second")
    parser.add_argument("--threads", type=int, default=300, help="threads per gunicorn worker (one per stream)")
    parser.add_argument("--clients", nargs=4, metavar=("BASE", "TOKENS", "OUT", "STOP"),
                        help=argparse.SUPPRESS)  # internal: the visitors' load process
    args = parser.parse_args()
    if args.clients:
        base, tokens_file, out_file, stop_file = args.clients
        asyncio.run(_visitors_main(base, json.loads(Path(tokens_file).read_text()), Path(out_file),
                                   Path(stop_file), seconds=600))
        return
    result = run(args.visitors, args.rate, args.threads)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
