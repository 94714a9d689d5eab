#!/usr/bin/env bash
# Set up (if needed) and start the Labelwise server on the embedded SQLite database.
# Extra arguments go to `labelwise start` (for example --port 9000 --data-dir ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_TESTS=0 ./scripts/setup.sh
exec .venv/bin/labelwise start "$@"
