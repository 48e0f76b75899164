"""Live updates: webhook receipt -> the agent's browser gets the inbox notice.

N agents (each its own logged-in session) hold /realtime/stream?topics=inbox open in a separate
process while new customer tweets arrive at a steady rate. For every stored message and every
agent, latency = arrival of the first inbox notice for its conversation - InboundEvent.received_at.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from bench import fixtures, ingest, procs
from bench.config import OUT, ROOT, Settings, Sizes
from bench.procs import log

_MESSAGES_SQL = """
SELECT m.conversation_id, extract(epoch FROM e.received_at)
FROM ingestion_inboundevent e
CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(e.result->'created', '[]'::jsonb)) AS c(mid)
JOIN conversations_message m ON m.id = c.mid::bigint
WHERE e.id > %s AND e.id <= %s
"""


def _latencies(arrivals: list, expected: dict[int, float]) -> tuple[list[float], int]:
    got, found = [], 0
    for client in arrivals:
        first: dict[int, float] = {}
        for at, conversation, event in client:
            if conversation in expected and conversation not in first and event == "message.created":
                first[conversation] = at
        found += len(first)
        got += [(at - expected[c]) * 1000 for c, at in first.items()]
    return got, found


def run(settings: Settings, sizes: Sizes, stack, people, channels, shape) -> dict:
    agents = people.agent_ids[: sizes.live_agents]
    sessions = OUT / "live-sessions.txt"
    sessions.write_text("\n".join(fixtures.session_cookie(a) for a in agents))
    fixtures.close_db()
    stop_file, out_file = OUT / "live-stop", OUT / "live-arrivals.json"
    stop_file.unlink(missing_ok=True)
    count = int(sizes.live_rate * sizes.live_seconds)
    t = ingest.write_traffic("live", shape, channels, count, sizes.live_rate, seed=4, first_only=True)
    clients = subprocess.Popen([sys.executable, "-m", "bench.sse_clients", settings.base_url, str(sessions),
                                str(out_file), "--seconds", str(sizes.live_seconds + 90), "--stop-file",
                                str(stop_file)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        ready = clients.stdout.readline().strip()
        if ready != "READY":
            raise RuntimeError(f"SSE clients did not all connect: {ready or clients.poll()}")
        before = ingest.last_event_id()
        cpu = procs.CpuAccount(stack.memory_groups())
        http = ingest.python_load(t, settings, rate=sizes.live_rate, connections=8,
                                  max_seconds=sizes.live_seconds + 30)
        ingest.wait_drained(before, sizes.drain_timeout)
        time.sleep(2)  # notices of the last commits are on their way
        upto = ingest.last_event_id()
        cpu = cpu.finish()
    finally:
        stop_file.touch()
        try:
            clients.wait(30)
        except subprocess.TimeoutExpired:
            clients.kill()
    data = json.loads(out_file.read_text())
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_MESSAGES_SQL, [before, upto])
        expected = {conversation: float(at) for conversation, at in cursor.fetchall()}
    latencies, found = _latencies(data["clients"], expected)
    wanted = len(expected) * len(agents)
    result = {"agents": len(agents), "connected": data["connected"], "client_errors": data["errors"][:5],
              "messages": len(expected), "offered_rate": sizes.live_rate, "http": http,
              "deliveries": found, "expected_deliveries": wanted,
              "delivered_share": round(found / wanted, 4) if wanted else None,
              "receipt_to_event_ms": traffic_percentiles(latencies), "cpu": cpu}
    log(f"live: {len(agents)} agents, {len(expected)} messages, delivered {found}/{wanted}, "
        f"p50 {result['receipt_to_event_ms']['p50']} ms, p99 {result['receipt_to_event_ms']['p99']} ms")
    return result


def traffic_percentiles(values: list[float]) -> dict:
    from bench.loadgen import percentiles

    out = percentiles(values)
    out["max"] = round(max(values), 1) if values else None
    return out
