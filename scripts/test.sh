#!/usr/bin/env bash
# The whole test suite: installs what it needs, starts services, runs on PostgreSQL, then the
# SQLite smoke run of the embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/bootstrap.sh test
bash scripts/services.sh
export DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/heedful}
export REDIS_TEST_URL=${REDIS_TEST_URL:-redis://127.0.0.1:6379/15}
mkdir -p test-output
echo "== full suite on PostgreSQL"
.venv/bin/pytest "$@"
echo "== smoke suite on SQLite (embedded default)"
DATABASE_URL= .venv/bin/pytest -m "not browser" tests/test_smoke.py tests/core tests/ingestion tests/outbound tests/channels "$@"
echo "== lint"
.venv/bin/ruff check src tests bench
