#!/usr/bin/env bash
# Counts, per forwarded packet, what the server process does besides forwarding: context switches (voluntary and not,
# per thread), syscalls by kind (perf trace -s), CPU. These counts do not depend on the machine's load, so they can be
# compared between builds on a busy machine. Runs the Janus comparison scenario (meeting -n 6 -d 15) against our server
# in a namespace of its own; with JANUS=1 also against Janus 1.1.2 VideoRoom (namespaces $BENCH_NS_PREFIX-c/-j, as compare-janus.sh).
# Usage: [BENCH_JIT=aot] [BENCH_NS_PREFIX=fc] [JANUS=1] loadtest/fixed-costs.sh [scenario args...]
set -euo pipefail
SCENARIO=("$@"); [ ${#SCENARIO[@]} -eq 0 ] && SCENARIO=(meeting -n 6 -d 15)
PREFIX=${BENCH_NS_PREFIX:-fc}
OUT=${OUT:-$(cd "$(dirname "$0")/.." && pwd)/loadtest/results/fixed-costs-$(date -u +%Y%m%dT%H%M%SZ)}
WINDOW=${WINDOW:-5}; START=${START:-7}
mkdir -p "$OUT"
. "$(dirname "$0")/bench-lib.sh"
bench_build
NS_C=$PREFIX-c; NS_J=$PREFIX-j
trap 'bench_stop_janus $NS_C $NS_J' EXIT
bench_stop_janus $NS_C $NS_J
bench_namespace $NS_C

# snapshot PID: per thread (id, name, voluntary and involuntary context switches, CPU ticks), after a "T <monotonic s>" line.
snapshot() {
  python3 - "$1" <<'PY'
import os, sys, time
pid = sys.argv[1]
print("T", time.monotonic())
for t in os.listdir(f"/proc/{pid}/task"):
    try:
        s = open(f"/proc/{pid}/task/{t}/status").read(); st = open(f"/proc/{pid}/task/{t}/stat").read()
    except OSError: continue
    f = dict(l.split(":\t", 1) for l in s.splitlines() if ":\t" in l)
    rest = st[st.rindex(")") + 2:].split()
    print(t, f["Name"].strip().replace(" ", "_"), f["voluntary_ctxt_switches"].strip(), f["nonvoluntary_ctxt_switches"].strip(), int(rest[11]) + int(rest[12]))
PY
}

# sample LABEL PID: thread snapshots around WINDOW seconds of perf trace -s (syscalls by kind and thread).
sample() {
  snapshot "$2" > "$OUT/$1.threads.before"
  perf trace -s -p "$2" -o "$OUT/$1.trace" -- sleep "$WINDOW" >/dev/null 2>&1 || true
  snapshot "$2" > "$OUT/$1.threads.after"
}

run_target() { # LABEL PID generator-args...
  local label=$1 pid=$2; shift 2
  ip netns exec $NS_C env DOTNET_gcServer=0 dotnet "$DLL" "${SCENARIO[@]}" "$@" --server-pid "$pid" --json "$OUT/$label.json" > "$OUT/$label.txt" 2>&1 &
  local gen=$!
  sleep "$START"
  sample "$label" "$pid"
  wait $gen || true
}

BENCH_NS=$NS_C bench_start_server
run_target ours "$SERVER_PID" --target server --server-url "ws://127.0.0.1:$BENCH_HTTP_PORT/ws"
bench_stop_server

if [ "${JANUS:-0}" = 1 ]; then
  ip netns del $NS_C
  bench_start_janus $NS_C $NS_J
  run_target janus "$JANUS_PID" --target janus --janus-url http://10.77.0.2:8088/janus --bind 10.77.0.1 --allow-netns-address
fi

python3 "$(dirname "$0")/fixed-costs-table.py" "$OUT" "$WINDOW"
