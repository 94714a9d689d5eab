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

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$REPO/.venv/bin/python"
LW="$REPO/.venv/bin/labelwise"
BENCH_PY="$REPO/../shared/bench/bench.py"
[[ -f "$BENCH_PY" ]] || { echo "bench.py not found at $BENCH_PY" >&2; exit 2; }

PG=""
WORKERS=1
KEEP=0
EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --postgres) PG="$2"; shift 2 ;;
    --postgres=*) PG="${1#*=}"; shift ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --workers=*) WORKERS="${1#*=}"; shift ;;
    --keep) KEEP=1; shift ;;
    *) EXTRA+=("$1"); shift ;;
  esac
done

BACKEND=sqlite
[[ -n "$PG" ]] && BACKEND=postgres
STAMP="$(date +%Y%m%d-%H%M%S)"
mkdir -p "$REPO/bench/out"
OUT="$REPO/bench/out/harness-$BACKEND-$STAMP.json"
DATA="$(mktemp -d /tmp/labelwise-bench-XXXXXX)"
PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
TOKEN="bench$("$PY" -c 'import secrets; print(secrets.token_hex(16))')"
URL="http://127.0.0.1:$PORT"
LOADFILE="$DATA/sysload.json"

SERVER_PID=""
MON_PID=""
CLUSTER_JSON=""
DB_URL=""
cleanup() {
  set +e
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID"
  fi
  if [[ -n "$MON_PID" ]] && kill -0 "$MON_PID" 2>/dev/null; then kill -TERM "$MON_PID"; wait "$MON_PID"; fi
  if [[ -n "$DB_URL" && $KEEP -eq 0 && -z "$CLUSTER_JSON" ]]; then
    "$PY" "$REPO/bench/pg_cluster.py" dropdb "$DB_URL"
  fi
  if [[ -n "$CLUSTER_JSON" && $KEEP -eq 0 ]]; then
    "$PY" - "$CLUSTER_JSON" <<'EOF'
import json, subprocess, sys
c = json.loads(sys.argv[1])
subprocess.run([sys.executable, __import__("os").path.join("bench", "pg_cluster.py"), "stop",
                c["root"], c["pg_ctl"], str(c["as_postgres"])], check=False)
EOF
  fi
  if [[ $KEEP -eq 0 ]]; then rm -rf "$DATA"; else echo "kept data dir $DATA ${DB_URL:+and database $DB_URL}" >&2; fi
}
trap cleanup EXIT
cd "$REPO"

PG_PID=""
if [[ "$PG" == "auto" ]]; then
  CLUSTER_JSON="$("$PY" bench/pg_cluster.py start)"
  PG="$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["url"])' "$CLUSTER_JSON")"
  PG_PID="$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["postmaster_pid"] or "")' "$CLUSTER_JSON")"
  echo "throwaway PostgreSQL cluster at $PG" >&2
fi
if [[ -n "$PG" ]]; then
  DB_URL="$("$PY" bench/pg_cluster.py createdb "$PG")"
  export LABELWISE_DATABASE_URL="$DB_URL"
  echo "fresh database $DB_URL" >&2
fi

LOAD_BEFORE="$(cat /proc/loadavg)"
T_START="$("$PY" -c 'import time; print(time.time())')"
"$LW" start --data-dir "$DATA" --port "$PORT" --workers "$WORKERS" \
  --username admin@example.com --password adminpass123 --user-token "$TOKEN" \
  >"$DATA/server.log" 2>&1 &
SERVER_PID=$!

# wait for /health (60 s at most)
STARTUP_S=""
for _ in $(seq 1 6000); do
  if curl -fsS -o /dev/null --max-time 1 "$URL/health" 2>/dev/null; then
    STARTUP_S="$("$PY" -c 'import sys, time; print(round(time.time() - float(sys.argv[1]), 3))' "$T_START")"
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited:" >&2; cat "$DATA/server.log" >&2; exit 1; }
  sleep 0.01
done
[[ -n "$STARTUP_S" ]] || { echo "server did not answer /health within 60 s" >&2; cat "$DATA/server.log" >&2; exit 1; }
echo "server pid $SERVER_PID at $URL, /health after ${STARTUP_S}s (includes the shell's polling overhead)" >&2

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
