#!/usr/bin/env bash
# Run Label Studio's benchmark harness (../shared/bench/bench.py, unchanged) against a fresh
# Labelwise server, then stop the server and print the path of the JSON figures.
#
#   bench/run_harness.sh [--postgres URL|auto] [--workers N] [--keep] [BENCH.PY ARGS...]
#
#   --postgres URL   run on PostgreSQL: a new empty database is created in that cluster for the run
#                    (and dropped afterwards); URL must reach a database we can CREATE DATABASE from,
#                    e.g. postgresql://postgres@127.0.0.1:5432/postgres
#   --postgres auto  start a throwaway cluster (bench/pg_cluster.py, as the tests do) and remove it after
#   --workers N      server processes (default 1)
#   --keep           keep the temporary data directory (and database)
#   anything else    passed to bench.py after the defaults (later options win), e.g. --sizes 1000,10000
#
# Defaults passed to bench.py: --export-formats JSON --skip h (concurrent workload and CSV export come
# later). Output: bench/out/harness-<sqlite|postgres>-<YYYYmmdd-HHMMSS>.json; bench.py's own figures
# plus a "labelwise_run" key (backend, commit, startup seconds, machine load during the run).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/server.sh"
BENCH_PY="$REPO/../shared/bench/bench.py"
[[ -f "$BENCH_PY" ]] || { echo "bench.py not found at $BENCH_PY" >&2; exit 2; }
OUT="$REPO/bench/out/harness-$BACKEND-$(date +%Y%m%d-%H%M%S).json"
LOADFILE="$DATA/sysload.json"

"$PY" bench/sysload.py --out "$LOADFILE" --root-pid $$ ${PG_PID:+--root-pid "$PG_PID"} &
MON_PID=$!

set +e
"$PY" "$BENCH_PY" --url "$URL" --token "$TOKEN" --server-pid "$SERVER_PID" --data-dir "$DATA" \
  --export-formats JSON --skip h --out "$OUT" "${EXTRA[@]}" >"$DATA/bench.stdout"
RC=$?
set -e

kill -TERM "$MON_PID"; wait "$MON_PID" || true; MON_PID=""
if [[ -n "$PG" ]]; then
  DB_SIZE="$("$PY" - "$DB_URL" <<'EOF'
import sys, psycopg
from urllib.parse import urlsplit, urlunsplit
u = urlsplit(sys.argv[1])
with psycopg.connect(urlunsplit(u._replace(scheme="postgresql"))) as c:
    print(c.execute("select pg_database_size(current_database())").fetchone()[0])
EOF
)"
else
  DB_SIZE=""
fi

if [[ -f "$OUT" ]]; then
  "$PY" - "$OUT" "$BACKEND" "$STARTUP_S" "$LOAD_BEFORE" "$LOADFILE" "$WORKERS" "$DB_SIZE" "$DATA/server.log" <<'EOF'
import json, subprocess, sys
out, backend, startup, load_before, loadfile, workers, db_size, log = sys.argv[1:9]
res = json.load(open(out))
try:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "src"], capture_output=True, text=True).stdout.strip())
except OSError:
    commit, dirty = None, None
try:
    load = json.load(open(loadfile))
except (OSError, ValueError):
    load = None
tail = open(log, errors="replace").read()[-2000:]
res["labelwise_run"] = {
    "backend": backend, "workers": int(workers), "commit": commit, "src_dirty": dirty,
    "startup_to_health_s": float(startup), "loadavg_before": load_before, "machine_load": load,
    "postgres_db_mib": round(int(db_size) / 2**20, 1) if db_size else None,
    "server_log_tail": tail,
}
json.dump(res, open(out, "w"), indent=1)
open(out, "a").write("\n")
EOF
fi
[[ $RC -eq 0 ]] || echo "bench.py exited with $RC" >&2
echo "$OUT"
exit $RC
