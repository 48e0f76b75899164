"""Optional sampling profiles (py-spy) of the web and worker processes during ingest.

`--profile` records collapsed stacks of every gunicorn and Celery process for the whole ingest
phase and keeps, besides the raw files under bench/out/, a short summary: the frames where
most samples were spent (inclusive) and the leaf frames (self time).
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
from collections import Counter
from dataclasses import dataclass, field

from bench.config import OUT, VENV_BIN
from bench.procs import log


@dataclass
class Profile:
    summary: dict = field(default_factory=dict)


def _py_spy() -> str | None:
    local = VENV_BIN / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


@contextlib.contextmanager
def maybe(enabled: bool, stack):
    profile = Profile()
    binary = _py_spy() if enabled else None
    if enabled and binary is None:
        log("--profile: py-spy is not installed (pip install py-spy); running without profiles")
    if not binary:
        yield profile
        return
    recorders = {}
    for name, proc in (("web", stack.web), ("worker", stack.worker)):
        out = OUT / f"profile-{name}.txt"
        recorders[name] = (out, subprocess.Popen(
            [binary, "record", "--pid", str(proc.pid), "--subprocesses", "--format", "raw", "--rate", "50",
             "--nonblocking", "--output", str(out), "--duration", "1200"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        yield profile
    finally:
        for name, (out, popen) in recorders.items():
            popen.send_signal(signal.SIGINT)
            try:
                popen.wait(30)
            except subprocess.TimeoutExpired:
                popen.kill()
            profile.summary[name] = summarize(out)


def summarize(path, top: int = 25) -> dict:
    inclusive, leaf, total = Counter(), Counter(), 0
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return {"error": "no profile written"}
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if f and not f.startswith("process ")]
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        if frames:
            leaf[frames[-1]] += n

    def share(counter):
        return [(frame, round(100 * n / total, 1)) for frame, n in counter.most_common(top)]

    return {"samples": total, "file": str(path.relative_to(OUT.parent.parent)),
            "inclusive_percent": share(inclusive), "self_percent": share(leaf)}
