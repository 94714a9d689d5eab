#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, lint, format check, types, then pytest on
# SQLite and on a PostgreSQL cluster the tests start themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
echo "== ruff check";  .venv/bin/ruff check src tests bench
echo "== ruff format"; .venv/bin/ruff format --check src tests bench
echo "== mypy";        .venv/bin/mypy src/labelwise   # strict on labelwise.labeling (pyproject.toml)
echo "== pytest"
# Two workers (xdist): each gets its own PostgreSQL databases and its own browser-test server.
.venv/bin/pytest -q -p no:cacheprovider -n "${PYTEST_WORKERS:-2}" "$@"
