#!/usr/bin/env bash
# The 50x20x10 fan-out on two server processes behind HAProxy (deploy/haproxy.cfg: a room's sockets go
# to one process), beside one process on the same PostgreSQL, in the same run; then how many updates
# crossed Redis, per process and room (docs/performance.md, "Two processes behind a balancer").
# Needs PostgreSQL and Redis on 127.0.0.1 (as `make test` does) and Debian's haproxy; all on loopback.
# KRING_BENCH_SPREAD=1 adds the run without the balancer: every room's phones spread over both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_ADMIN=${KRING_BENCH_PG:-postgresql://127.0.0.1:5432/test}
DB=kring_bench_$$
REDIS=${KRING_BENCH_REDIS:-redis://127.0.0.1:6379/0}
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$HAPROXY" ] || { echo "bench-cluster needs HAProxy (Debian: apt-get install haproxy)" >&2; exit 2; }
WORK=$(mktemp -d)
PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
PORTS=($("$BIN/python" -c 'import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
for s in socks: print(s.getsockname()[1])
for s in socks: s.close()'))
A=http://127.0.0.1:${PORTS[0]} B=http://127.0.0.1:${PORTS[1]} ONE=http://127.0.0.1:${PORTS[2]} LB=http://127.0.0.1:${PORTS[3]}
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
export LOG_LEVEL=warning ALLOWED_ORIGINS="$A,$B,$ONE,$LB" KRING_REDIS_PREFIX="bench-$$"
# A thousand simulated phones connect from one loopback address (bench/procs.py BENCH_LIMITS).
export KRING_CONNECTS_PER_SECOND=100000 KRING_CONNECTS_BURST=100000
# The bench signs in as a script, with no authenticator app (as bench/procs.py's servers do).
export KRING_REQUIRE_SECOND_FACTOR=0
"$BIN/kring" migrate >/dev/null 2>&1
echo "$PASSWORD" | "$BIN/kring" user add bench@kring.local --name Bench >/dev/null

serve() {  # serve PORT [REDIS_URL]
  HOST=127.0.0.1 PORT=$1 PUBLIC_URL="http://127.0.0.1:$1" REDIS_URL=${2:-} "$BIN/kring" serve >>"$WORK/serve-$1.log" 2>&1 &
  PIDS+=($!)
}
serve "${PORTS[0]}" "$REDIS"; PID_A=$!
serve "${PORTS[1]}" "$REDIS"; PID_B=$!
serve "${PORTS[2]}"; PID_ONE=$!
for url in "$A" "$B" "$ONE"; do
  for _ in $(seq 1 100); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done
done
# The balancer once the processes answer, so that its first health checks find them up.
KRING_LB_BIND="127.0.0.1:${PORTS[3]}" KRING_A="127.0.0.1:${PORTS[0]}" KRING_B="127.0.0.1:${PORTS[1]}" \
  "$HAPROXY" -db -f deploy/haproxy.cfg >>"$WORK/haproxy.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do curl -sf "$LB/healthz" >/dev/null && break; sleep 0.1; done

export KRING_BENCH_PASSWORD=$PASSWORD
RUN=("$BIN/python" -m bench --facilitator bench@kring.local --wait-quiet "${KRING_BENCH_WAIT_QUIET:-60}" "$@")
echo "### one process, PostgreSQL, no Redis"
"${RUN[@]}" fanout --rooms 50 --clients 20 --rate 10 --servers "$ONE" --server-pids "$PID_ONE" --json "$WORK/one.json"
echo "### two processes behind HAProxy (deploy/haproxy.cfg), PostgreSQL and Redis: each room on one process"
"${RUN[@]}" fanout --rooms 50 --clients 20 --rate 10 --servers "$LB" --server-pids "$PID_A+$PID_B" --behind "$A,$B" \
  --json "$WORK/lb.json"
echo "### updates relayed through Redis since the processes started (joins and provisioning included)"
for url in "$A" "$B"; do
  curl -sf "$url/metrics" | awk -v who="$url" '
    /^kring_redis_relayed_updates_total / { total = $2 }
    /^kring_redis_relayed_updates_by_room\{/ { rooms++; if ($2 + 0 > 0) relayed++ }
    END { printf "- %s: %d rooms hosted, %d of them with relayed updates; %d updates relayed in all\n", who, rooms, relayed, total }'
done
if [ "${KRING_BENCH_SPREAD:-0}" = 1 ]; then
  echo "### two processes, no balancer: every room's phones spread over both (each update crosses Redis)"
  "${RUN[@]}" fanout --rooms 50 --clients 20 --rate 10 --servers "$A,$B" --server-pids "$PID_A,$PID_B" --json "$WORK/spread.json"
fi
"$BIN/python" - "$WORK" <<'EOF'
import json, sys
from pathlib import Path

work = Path(sys.argv[1])


def relayed(r):
    if r.get("relayed_updates_in_window") is None:
        return "-"
    return (f"{r['relayed_updates_in_window']} ({r['rooms_with_relayed_updates_in_window']} "
            f"/ {r['rooms_hosted_by_the_processes']})")


print("\n## Balanced cluster beside one process (50x20x10, every phone applies every update)\n")
print("| run | delivered | p50 ms | p99 ms | servers' CPU % of a core | edit→saved p99 ms "
      "| updates relayed in the window (rooms with any / hosted) |")
print("|---|---:|---:|---:|---:|---:|---:|")
p99 = {}
for name, label in (("one", "one process"), ("lb", "two processes behind HAProxy"), ("spread", "two, spread (no balancer)")):
    path = work / f"{name}.json"
    if not path.exists():
        continue
    r = json.loads(path.read_text())["results"][0]
    p99[name] = r["latency_ms"].get("p99")
    cpu = sum(c for c in r["server_cpu_pct"] if c is not None)
    print(f"| {label} | {100 * (r['delivered_fraction'] or 0):.1f}% | {r['latency_ms'].get('p50', '-')} "
          f"| {p99[name]} | {cpu:.0f} | {r['ack_ms'].get('p99', '-')} "
          f"| {relayed(r)} |")
if p99.get("one") and p99.get("lb"):
    print(f"\np99 two processes behind HAProxy / one process: {p99['lb'] / p99['one']:.2f}x")
EOF
echo "### HAProxy's health checks during the runs (a process marked DOWN moves its rooms)"
grep -E "is (DOWN|UP)" "$WORK/haproxy.log" | sed 's/^/    /' || echo "    no process changed state"
echo "### durable ack on PostgreSQL, one process"
"${RUN[@]}" ack --servers "$ONE" --server-pids "$PID_ONE"
