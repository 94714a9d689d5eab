#!/usr/bin/env bash
# bench/million.py against a fresh Labelwise server (same setup as run_harness.sh).
#
#   bench/run_million.sh [--postgres URL|auto] [--workers N] [--keep] [MILLION.PY ARGS...]
#
# Output: bench/out/million-<sqlite|postgres>-<YYYYmmdd-HHMMSS>.json (path printed at the end).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/server.sh"
OUT="$REPO/bench/out/million-$BACKEND-$(date +%Y%m%d-%H%M%S).json"

set +e
"$PY" bench/million.py --url "$URL" --token "$TOKEN" --server-pid "$SERVER_PID" --data-dir "$DATA" \
  ${PG_PID:+--load-root-pid "$PG_PID"} --out "$OUT" "${EXTRA[@]}" >/dev/null
RC=$?
set -e
echo "$OUT"
exit $RC
