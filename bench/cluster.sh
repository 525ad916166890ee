#!/usr/bin/env bash
# The fan-out across two server processes with Redis and PostgreSQL, beside one process on the same
# PostgreSQL in the same run, and the durable ack on PostgreSQL (docs/performance.md, issue #5).
# Needs PostgreSQL and Redis on 127.0.0.1 (as `make test` does); everything stays on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_ADMIN=${KRING_BENCH_PG:-postgresql://127.0.0.1:5432/test}
DB=kring_bench_$$
REDIS=${KRING_BENCH_REDIS:-redis://127.0.0.1:6379/0}
WORK=$(mktemp -d)
PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
PORTS=($("$BIN/python" -c 'import socket
for _ in range(3):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'))
A=http://127.0.0.1:${PORTS[0]} B=http://127.0.0.1:${PORTS[1]} ONE=http://127.0.0.1:${PORTS[2]}
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

psql "$PG_ADMIN" -qc "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL="postgresql://127.0.0.1:5432/$DB" KRING_VAR_DIR="$WORK/var" SECRET_KEY="bench-$PASSWORD"
export LOG_LEVEL=warning ALLOWED_ORIGINS="$A,$B,$ONE" KRING_REDIS_PREFIX="bench-$$"
# A thousand simulated phones connect from one loopback address (bench/procs.py BENCH_LIMITS).
export KRING_CONNECTS_PER_SECOND=100000 KRING_CONNECTS_BURST=100000
"$BIN/kring" migrate >/dev/null 2>&1
echo "$PASSWORD" | "$BIN/kring" user add bench@kring.local --name Bench >/dev/null

serve() {  # serve PORT [REDIS_URL]
  HOST=127.0.0.1 PORT=$1 PUBLIC_URL="http://127.0.0.1:$1" REDIS_URL=${2:-} "$BIN/kring" serve >>"$WORK/serve-$1.log" 2>&1 &
  PIDS+=($!)
}
serve "${PORTS[0]}" "$REDIS"
serve "${PORTS[1]}" "$REDIS"
serve "${PORTS[2]}"
for url in "$A" "$B" "$ONE"; do
  for _ in $(seq 1 100); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done
done

export KRING_BENCH_PASSWORD=$PASSWORD
RUN=("$BIN/python" -m bench --facilitator bench@kring.local --wait-quiet "${KRING_BENCH_WAIT_QUIET:-60}" "$@")
echo "### one process, PostgreSQL, no Redis"
"${RUN[@]}" fanout --rooms 50 --clients 20 --rate 10 --servers "$ONE"
echo "### two processes, PostgreSQL and Redis: every room's phones spread over both"
"${RUN[@]}" fanout --rooms 50 --clients 20 --rate 10 --servers "$A,$B"
echo "### durable ack on PostgreSQL, one process"
"${RUN[@]}" ack --servers "$ONE"
