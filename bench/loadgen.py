"""The load generator: a separate process that POSTs pre-signed webhooks over loopback HTTP.

    python -m bench.loadgen REQUESTS_FILE BASE_URL --rate 500 --connections 16 --out result.json

REQUESTS_FILE has one request per line: `path TAB signature TAB body` (the body is compact JSON,
so it holds no raw tab or newline). `--rate 0` sends as fast as the connections allow; a rate
sends request i at start + i / rate (open loop: a slow answer does not delay the schedule,
up to the number of connections). `wrk_load` drives the same file through wrk when installed.
Bounded: it stops after the file or `--max-seconds`, whichever comes first.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
LUA = Path(__file__).resolve().parent / "signed_webhooks.lua"


def read_requests(path: Path) -> list[tuple[str, str, bytes]]:
    rows = []
    with open(path, "rb") as fh:
        for line in fh:
            route, signature, body = line.rstrip(b"\n").split(b"\t", 2)
            rows.append((route.decode(), signature.decode(), body))
    return rows


def percentiles(values: list[float], points=(50, 95, 99)) -> dict[str, float]:
    if not values:
        return {f"p{p}": None for p in points}
    ordered = sorted(values)
    return {f"p{p}": round(ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))], 2) for p in points}


class Sender:
    def __init__(self, base_url: str, rows, rate: float, connections: int, max_seconds: float):
        self.base_url, self.rows, self.rate = base_url.rstrip("/"), rows, rate
        self.connections, self.max_seconds = connections, max_seconds
        self.next = 0
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.started = 0.0

    def _take(self) -> int | None:
        with self.lock:
            if self.next >= len(self.rows):
                return None
            index, self.next = self.next, self.next + 1
            return index

    def _loop(self) -> None:
        with httpx.Client(timeout=30.0, limits=httpx.Limits(max_connections=1)) as client:
            while (index := self._take()) is not None:
                if time.monotonic() - self.started > self.max_seconds:
                    return
                if self.rate:
                    delay = self.started + index / self.rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                url, body, headers = self.request(index)
                t0 = time.monotonic()
                try:
                    status = str(client.post(url, content=body, headers=headers).status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                elapsed = (time.monotonic() - t0) * 1000
                with self.lock:
                    self.latencies.append(elapsed)
                    self.statuses[status] = self.statuses.get(status, 0) + 1

    def request(self, index: int) -> tuple[str, bytes, dict]:
        """(url, body, headers) of request `index`: here a signed webhook of the file."""
        route, signature, body = self.rows[index]
        return self.base_url + route, body, {"Content-Type": "application/json", SIGNATURE_HEADER: signature}

    def run(self) -> dict:
        self.started = time.monotonic()
        threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(self.connections)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(self.max_seconds + 60)
        duration = time.monotonic() - self.started
        ok = sum(n for s, n in self.statuses.items() if s.startswith("2"))
        return {"tool": "httpx", "sent": len(self.latencies), "ok": ok, "statuses": self.statuses,
                "duration_s": round(duration, 3), "ok_per_s": round(ok / duration, 1) if duration else 0,
                "offered_rate": self.rate or None, "connections": self.connections,
                "latency_ms": percentiles(self.latencies)}


def wrk_available() -> bool:
    """wrk is installed and not turned off (BENCH_LOADGEN=python): every max-load phase asks here,
    so the figures set side by side come from the same load generator."""
    return shutil.which("wrk") is not None and os.environ.get("BENCH_LOADGEN", "") != "python"


def wrk_load(requests_file: Path, base_url: str, *, connections: int, threads: int = 2,
             max_seconds: float = 120) -> dict:
    """Send every request in the file once, as fast as possible, with wrk (C, event loop).

    wrk runs for a fixed time; each of its threads leaves a marker file when all its answers are
    in, and then wrk is interrupted (SIGINT makes it print its results at once)."""
    markers = requests_file.parent / f"{requests_file.stem}.wrk-done-"
    for old in requests_file.parent.glob(markers.name + "*"):
        old.unlink()
    argv = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{int(max_seconds)}s",
            "--timeout", "30s", "-s", str(LUA), base_url, "--", str(requests_file), str(threads), str(markers)]
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while proc.poll() is None and time.monotonic() - started < max_seconds + 30:
        if len(list(requests_file.parent.glob(markers.name + "*"))) >= threads:
            proc.send_signal(signal.SIGINT)
            break
        time.sleep(0.05)
    try:
        stdout, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
    for line in stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line.removeprefix("BENCH_JSON "))
            data.update(tool="wrk", connections=connections, wall_s=round(time.monotonic() - started, 3))
            data["ok_per_s"] = round(data["ok"] / data["duration_s"], 1) if data["duration_s"] else 0
            return data
    raise RuntimeError(f"wrk gave no result (exit {proc.returncode}): {stderr[-2000:]}")


def python_load(requests_file: Path, base_url: str, *, rate: float, connections: int,
                max_seconds: float) -> dict:
    """Send the file with this module's own sender in a separate process (at `rate`/s, or as
    fast as it can with 0); its result, as `wrk_load` gives one."""
    out = requests_file.parent / f"{requests_file.stem}-result.json"
    argv = [sys.executable, "-m", "bench.loadgen", str(requests_file), base_url, "--rate", str(rate),
            "--connections", str(connections), "--max-seconds", str(max_seconds), "--out", str(out)]
    subprocess.run(argv, cwd=Path(__file__).resolve().parent.parent, check=True, timeout=max_seconds + 90)
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requests_file", type=Path)
    parser.add_argument("base_url")
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sender = Sender(args.base_url, read_requests(args.requests_file), args.rate, args.connections,
                    args.max_seconds)
    args.out.write_text(json.dumps(sender.run()))


if __name__ == "__main__":
    main()
