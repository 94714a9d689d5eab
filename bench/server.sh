# Shared by bench/run_harness.sh and bench/run_million.sh (source it; not run on its own):
# parses --postgres/--workers/--keep, starts a fresh Labelwise server on a free port (with a
# fresh database, and a throwaway PostgreSQL cluster for --postgres auto), and cleans up on exit.
#
# Sets: REPO PY LW BACKEND DATA PORT TOKEN URL SERVER_PID PG_PID DB_URL STARTUP_S EXTRA (array)
# Callers may set MON_PID for a monitor process to stop on exit.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$REPO/.venv/bin/python"
LW="$REPO/.venv/bin/labelwise"

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
mkdir -p "$REPO/bench/out"
DATA="$(mktemp -d /tmp/labelwise-bench-XXXXXX)"
PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
TOKEN="bench$("$PY" -c 'import secrets; print(secrets.token_hex(16))')"
URL="http://127.0.0.1:$PORT"

SERVER_PID=""
MON_PID=""
CLUSTER_JSON=""
DB_URL=""
PG_PID=""
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
    read -r ROOT PGCTL ASPG < <("$PY" -c 'import json,sys; c=json.loads(sys.argv[1]); print(c["root"], c["pg_ctl"], c["as_postgres"])' "$CLUSTER_JSON")
    "$PY" "$REPO/bench/pg_cluster.py" stop "$ROOT" "$PGCTL" "$ASPG"
  fi
  if [[ $KEEP -eq 0 ]]; then rm -rf "$DATA"; else echo "kept data dir $DATA ${DB_URL:+and database $DB_URL}" >&2; fi
}
trap cleanup EXIT
cd "$REPO"

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
echo "server pid $SERVER_PID at $URL ($BACKEND), /health after ${STARTUP_S}s" >&2
