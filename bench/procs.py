"""Subprocesses the harness starts (each in its own process group), and their memory.

Every process is stopped by the id the harness got when it started it: SIGTERM to its group,
then SIGKILL after a grace period. Memory comes from /proc: resident set size sampled while a
phase runs, and the kernel's own high-water mark (VmHWM) per process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True, file=_stderr())


def _stderr():
    import sys

    return sys.stderr


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    logfile: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, grace: float = 10.0) -> None:
        if not self.alive():
            return
        try:
            os.killpg(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(5)


def start(name: str, argv: list[str], *, env: dict, logdir: Path, cwd: Path | None = None) -> Proc:
    logdir.mkdir(parents=True, exist_ok=True)
    logfile = logdir / f"{name}.log"
    handle = open(logfile, "wb")  # noqa: SIM115 - the child owns it for its lifetime
    popen = subprocess.Popen(argv, env=env, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
    handle.close()
    return Proc(name, popen, logfile)


def _proc_stats():
    """(pid, /proc/<pid>/stat text) for every live process."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                yield int(entry), fh.read()
        except OSError:
            continue


def descendants(pid: int) -> list[int]:
    """pid and every process below it (read from /proc, no extra dependency)."""
    children: dict[int, list[int]] = {}
    for pid_, stat in _proc_stats():
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(pid_)
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class MemoryPeaks:
    total_mb: dict[str, float] = field(default_factory=dict)  # group -> peak of summed RSS
    largest_process_mb: dict[str, float] = field(default_factory=dict)  # group -> max VmHWM
    processes: dict[str, int] = field(default_factory=dict)


class MemorySampler:
    """Samples the RSS of process groups (web, worker ...) every `interval` seconds."""

    def __init__(self, groups: dict[str, int], interval: float = 0.5):
        self.groups, self.interval = groups, interval
        self.peaks = MemoryPeaks()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-rss", daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sample(final=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self, final: bool = False) -> None:
        for group, root in self.groups.items():
            pids = descendants(root)
            total = sum(_status_kb(p, "VmRSS") for p in pids) / 1024
            self.peaks.total_mb[group] = round(max(self.peaks.total_mb.get(group, 0.0), total), 1)
            self.peaks.processes[group] = len(pids)
            if final:
                hwm = max((_status_kb(p, "VmHWM") for p in pids), default=0) / 1024
                self.peaks.largest_process_mb[group] = round(hwm, 1)


def wait_until(check, *, timeout: float, interval: float = 0.25, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def _cpu_table() -> dict[int, tuple[str, int, float]]:
    """pid -> (command name, parent pid, CPU seconds used so far)."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for pid_, stat in _proc_stats():
        name = stat[stat.index("(") + 1: stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        table[pid_] = (name, int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return table


class CpuAccount:
    """Where the machine's CPU went during a phase: web, worker, PostgreSQL, the load
    generator, Redis and everything else (other users of the machine included)."""

    def __init__(self, groups: dict[str, int]):
        self.groups = groups
        self.before = _cpu_table()
        self.machine_before = _machine_busy()
        self.started = time.monotonic()

    def _group_of(self, pid: int, table, members: dict[int, str]) -> str:
        if pid in members:
            return members[pid]
        name = table[pid][0]
        if name.startswith("postgres"):
            return "postgres"
        if name.startswith("redis"):
            return "redis"
        if name == "wrk" or _is_load_process(pid):
            return "load_generator"
        return "other"

    def finish(self) -> dict:
        after = _cpu_table()
        wall = time.monotonic() - self.started
        members = {pid: group for group, root in self.groups.items() for pid in descendants(root)}
        members[os.getpid()] = "harness"
        used: dict[str, float] = {}
        others: dict[str, float] = {}
        for pid, (name, _, cpu) in after.items():
            spent = max(0.0, cpu - self.before.get(pid, ("", 0, 0.0))[2])
            group = self._group_of(pid, after, members)
            used[group] = used.get(group, 0.0) + spent
            if group == "other":
                others[name] = others.get(name, 0.0) + spent
        cores = os.cpu_count() or 1
        machine = (_machine_busy() - self.machine_before) / wall
        # Processes that started and ended inside the phase (other users' tests) show up only here.
        used["other"] = used.get("other", 0.0) + max(0.0, machine * wall - sum(used.values()))
        top_others = sorted(others.items(), key=lambda kv: -kv[1])[:4]
        return {"wall_s": round(wall, 2), "cores": cores, "machine_cores_busy": round(machine, 2),
                "cores_busy": {g: round(s / wall, 2) for g, s in sorted(used.items()) if s > 0.01},
                "other_processes": {n: round(s / wall, 2) for n, s in top_others if s / wall > 0.01}}


def wait_quiet(*, max_cores: float = 0.3, window: float = 2.0, timeout: float = 90.0) -> float:
    """Wait until the machine used under `max_cores` over `window` seconds (a burst's follow-up
    jobs, rollups and sweeps have finished), at most `timeout`; returns the last busy figure.
    Pages are timed on a quiet machine, as the peer's are on its own idle stack."""
    deadline = time.monotonic() + timeout
    while True:
        before = _machine_busy()
        time.sleep(window)
        busy = (_machine_busy() - before) / window
        if busy < max_cores or time.monotonic() > deadline:
            return round(busy, 2)


def _machine_busy() -> float:
    """CPU seconds the whole machine spent not idle (all processes, alive or gone)."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _is_load_process(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmdline = fh.read()
    except OSError:
        return False
    return b"bench.loadgen" in cmdline or b"bench.sse_clients" in cmdline
