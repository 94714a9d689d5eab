#!/usr/bin/env bash
# bench/formats.py (import by file format) against a fresh Labelwise server (setup as run_harness.sh).
#
#   bench/run_formats.sh [--postgres URL|auto] [--workers N] [--keep] [FORMATS.PY ARGS...]
#
# Output: bench/out/formats-<sqlite|postgres>-<YYYYmmdd-HHMMSS>.json (path printed at the end).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/server.sh"
OUT="$REPO/bench/out/formats-$BACKEND-$(date +%Y%m%d-%H%M%S).json"

set +e
"$PY" bench/formats.py --url "$URL" --token "$TOKEN" --server-pid "$SERVER_PID" --out "$OUT" "${EXTRA[@]}" >/dev/null
RC=$?
set -e
echo "$OUT"
exit $RC
