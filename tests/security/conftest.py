"""The security suites say what they tried and found at the end of the run, whatever the output
capture: the schemathesis tally per status, its failures, and documented statuses it never saw."""

from __future__ import annotations

import sys
from collections import Counter

# Proved by their own suites, not by generated requests: 429 (test_throttle.py) and the 403 a
# session without a CSRF token gets (test_csrf.py); schemathesis sends API keys.
PROVED_ELSEWHERE = {"403", "429"}


def pytest_terminal_summary(terminalreporter):
    module = sys.modules.get("tests.security.test_schemathesis")
    if module is None or not module.TRIED:
        return
    write = terminalreporter.write_line
    answers = Counter()
    for counter in module.TRIED.values():
        answers.update(counter)
    documented = {f"{method.upper()} {path}": set(op.get("responses", {}))
                  for path, ops in module.schema.raw_schema["paths"].items() for method, op in ops.items()}
    write("")
    write(f"schemathesis: seed {module.SEED}, {module.BUDGET} examples per operation and phase; "
          f"{len(module.TRIED)} of {len(documented)} operations driven, {sum(answers.values())} requests")
    write("  answers: " + ", ".join(f"{code} x{n}" for code, n in sorted(answers.items())))
    server_errors = sum(n for code, n in answers.items() if code.startswith("5"))
    write(f"  server errors: {server_errors}; operations with failures: {sum(bool(f) for f in module.FOUND.values())}")
    for label, found in sorted(module.FOUND.items()):
        write(f"    {label}: {'; '.join(sorted(set(found)))}")
    unseen = {label: sorted(codes - set(module.TRIED[label]) - PROVED_ELSEWHERE)
              for label, codes in documented.items() if label in module.TRIED}
    unseen = {label: codes for label, codes in unseen.items() if codes}
    write(f"  documented statuses this run never got (403/429 aside): {sum(map(len, unseen.values()))}")
    for label, codes in sorted(unseen.items()):
        write(f"    {label}: {', '.join(codes)}")
