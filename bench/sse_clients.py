"""Agents with the inbox open: one server-sent-events stream per logged-in session.

    python -m bench.sse_clients BASE_URL SESSIONS_FILE OUT_FILE --seconds 60 --stop-file F

Prints READY once every stream said ": connected", then records the arrival time of every
`data:` notice until the stop file appears or the time is up, and writes
{"clients": [[[arrival_epoch, conversation_id, event], ...], ...], "connected": N} to OUT_FILE.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import httpx


class Client(threading.Thread):
    def __init__(self, base_url: str, session: str, stop: threading.Event, connected: threading.Semaphore):
        super().__init__(daemon=True)
        self.base_url, self.session, self.stop, self.connected = base_url, session, stop, connected
        self.arrivals: list[tuple[float, int, str]] = []
        self.error = ""

    def run(self) -> None:
        try:
            with httpx.Client(base_url=self.base_url, cookies={"sessionid": self.session},
                              timeout=httpx.Timeout(10.0, read=30.0)) as client, \
                    client.stream("GET", "/realtime/stream?topics=inbox") as response:
                if response.status_code != 200:
                    self.error = f"HTTP {response.status_code}"
                    return
                for line in response.iter_lines():
                    if self.stop.is_set():
                        return
                    if line.startswith(": connected"):
                        self.connected.release()
                    elif line.startswith("data: "):
                        now = time.time()
                        notice = json.loads(line[6:])
                        self.arrivals.append((now, notice.get("conversation"), notice.get("event", notice.get("type"))))
        except (httpx.HTTPError, ValueError) as exc:
            if not self.stop.is_set():
                self.error = type(exc).__name__


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("sessions_file", type=Path)
    parser.add_argument("out_file", type=Path)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--stop-file", type=Path, required=True)
    args = parser.parse_args()
    sessions = args.sessions_file.read_text().split()
    stop, connected = threading.Event(), threading.Semaphore(0)
    clients = [Client(args.base_url, s, stop, connected) for s in sessions]
    for client in clients:
        client.start()
    deadline = time.monotonic() + 30
    ready = sum(connected.acquire(timeout=max(0.0, deadline - time.monotonic())) for _ in clients)
    print("READY" if ready == len(clients) else f"ONLY {ready}", flush=True)
    end = time.monotonic() + args.seconds
    while time.monotonic() < end and not args.stop_file.exists():
        time.sleep(0.1)
    stop.set()
    args.out_file.write_text(json.dumps({"connected": ready, "errors": [c.error for c in clients if c.error],
                                         "clients": [c.arrivals for c in clients]}))
    sys.exit(0)


if __name__ == "__main__":
    main()
