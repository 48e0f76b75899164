"""Run the benchmark: `python -m bench.run [--quick] [--only ingest,live,mail,desk,copy,ceiling,peer]`.

Starts its own PostgreSQL database, Redis, gunicorn, Celery worker and beat; prints one JSON
document of results on stdout and a short table on stderr; keeps both under bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

from bench import report
from bench.config import FULL, OUT, QUICK, Settings
from bench.procs import log

DEFAULT_PHASES = ("ingest", "live", "mail", "desk", "copy", "ceiling", "peer")
PHASES = DEFAULT_PHASES + ("soak",)  # soak runs only when asked for (--only soak): 10 minutes on its own


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, same code paths (< 2 min)")
    parser.add_argument("--only", default=",".join(DEFAULT_PHASES),
                        help=f"comma-separated phases to run (default: all of {','.join(DEFAULT_PHASES)}; "
                             "also: soak)")
    parser.add_argument("--profile", action="store_true",
                        help="record py-spy profiles of a web and a worker process during max load")
    parser.add_argument("--keep-db", action="store_true", help="leave the benchmark databases in place")
    parser.add_argument("--reuse-db", action="store_true",
                        help="develop faster: reuse a kept database and its loaded desk (implies --keep-db)")
    args = parser.parse_args(argv)
    args.phases = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(args.phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phase(s): {', '.join(sorted(unknown))}")
    return args


def machine() -> dict:
    def run(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=5).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    cpu = next((line.split(":", 1)[1].strip() for line in run(["cat", "/proc/cpuinfo"]).splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((line.split()[1] for line in run(["free", "-g"]).splitlines() if line.startswith("Mem:")), "?")
    return {"cpus": os.cpu_count(), "cpu_model": cpu, "memory_gb": mem, "python": platform.python_version(),
            "os": platform.platform(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def _interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv=None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results = {"benchmark": "heedful", "mode": sizes.name, "phases": args.phases,
               "command": "python -m bench.run " + shlex.join(argv if argv is not None else sys.argv[1:]),
               "date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}
    settings = Settings(sizes)
    signal.signal(signal.SIGTERM, _interrupt)
    # A hard stop well after the budget, whatever a phase is blocked on.
    signal.signal(signal.SIGALRM, _interrupt)
    signal.alarm(int(sizes.budget_seconds + 120))
    from bench.phases import Runner

    runner = Runner(settings, sizes, args)
    try:
        results.update(runner.run())
    except KeyboardInterrupt as exc:
        results["error"] = f"interrupted ({exc or 'SIGINT'})"
    finally:
        signal.alarm(0)
        runner.close()
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    results["targets"] = report.check_targets(results)
    text = json.dumps(results, indent=2, default=str)
    (OUT / "results.json").write_text(text)
    table = report.table(results)
    (OUT / "table.txt").write_text(table)
    (OUT / "RESULTS.generated.md").write_text(report.markdown(results))
    print(text)
    print(table, file=sys.stderr)
    log(f"done in {results['elapsed_s']} s; results in {OUT / 'results.json'}")
    return 1 if results.get("error") or results.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
