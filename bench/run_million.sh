#!/usr/bin/env bash
# bench/million.py against a fresh Labelwise server (same setup as run_harness.sh).
#
#   bench/run_million.sh [--postgres URL|auto] [--workers N] [--keep] [MILLION.PY ARGS...]
#
# Output: bench/out/million-<sqlite|postgres>-<YYYYmmdd-HHMMSS>.json (path printed at the end).
set -euo pipefail

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
OUT="$REPO/bench/out/million-$BACKEND-$(date +%Y%m%d-%H%M%S).json"
mkdir -p "$REPO/bench/out"
DATA="$(mktemp -d /tmp/labelwise-million-XXXXXX)"
PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
TOKEN="bench$("$PY" -c 'import secrets; print(secrets.token_hex(16))')"
URL="http://127.0.0.1:$PORT"

SERVER_PID=""
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

"$LW" start --data-dir "$DATA" --port "$PORT" --workers "$WORKERS" \
  --username admin@example.com --password adminpass123 --user-token "$TOKEN" \
  >"$DATA/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  curl -fsS -o /dev/null --max-time 1 "$URL/health" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited:" >&2; cat "$DATA/server.log" >&2; exit 1; }
  sleep 0.1
done
echo "server pid $SERVER_PID at $URL ($BACKEND)" >&2

set +e
"$PY" bench/million.py --url "$URL" --token "$TOKEN" --server-pid "$SERVER_PID" --data-dir "$DATA" \
  ${PG_PID:+--load-root-pid "$PG_PID"} --out "$OUT" "${EXTRA[@]}" >/dev/null
RC=$?
set -e
echo "$OUT"
exit $RC
