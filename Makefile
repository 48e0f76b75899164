.PHONY: demo test lint bench-quick

# Install into ./.venv and run the seeded demo at http://127.0.0.1:8000 (SQLite, jobs in-process).
demo:
	bash scripts/bootstrap.sh
	.venv/bin/heedful demo

# Install everything the tests need and run the whole suite (PostgreSQL, then SQLite smoke).
test:
	bash scripts/test.sh

lint:
	.venv/bin/ruff check src tests bench

# The benchmark at small sizes (same code paths, under 2 minutes); see bench/README.md.
bench-quick:
	bash scripts/services.sh
	.venv/bin/python -m bench.run --quick
