#!/usr/bin/env bash
# A/B of Sfu:Udp:ReceiveSockets in the same minutes: two servers (A: ReceiveSockets=$AB_A, default 1; B: $AB_B, default 2)
# run side by side in one loopback namespace, and the load generator runs the scenario against A, then B, round after
# round (A B A B ...), so both see the same machine minutes. Prints per-side medians [min..max] and the ratio B/A of
# the medians. Each server's log is in $OUT/rs$AB_A/server.log and $OUT/rs$AB_B/server.log (spaces as _); with DWR_PATH_TRACE=1 in
# the environment both servers and the generator trace where the latency goes (the last PATHTRACE block of a server's
# log covers all its rounds).
# Usage: loadtest/receive-sockets-ab.sh [rounds=3] [scenario args...]   e.g.  loadtest/receive-sockets-ab.sh 3 meeting -n 6 -d 15
# Needs root (network namespace). BENCH_* levers as in bench-lib.sh (BENCH_JIT=aot: the Native AOT build).
set -euo pipefail
ROUNDS=${1:-3}; shift || true
SCENARIO=("$@"); [ ${#SCENARIO[@]} -eq 0 ] && SCENARIO=(meeting -n 6 -d 15)
AB_A=${AB_A:-1}; AB_B=${AB_B:-2}
OUT=${OUT:-$(cd "$(dirname "$0")/.." && pwd)/loadtest/results/receive-sockets-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
. "$(dirname "$0")/bench-lib.sh"
bench_build
bench_namespace "${BENCH_NS_PREFIX:-dwrab}-ab"
RESULTS=$OUT
PID_A=""; PID_B=""
cleanup() {
  for pid in $PID_A $PID_B; do SERVER_PID=$pid bench_stop_server; done
  ip netns del "$BENCH_NS" 2>/dev/null || true
}
trap cleanup EXIT

# start SOCKETS HTTP UDP: one server with that many receive sockets; prints nothing, sets SERVER_PID.
start() {
  mkdir -p "$RESULTS/rs${1// /_}"
  OUT=$RESULTS/rs${1// /_} BENCH_HTTP_PORT=$2 BENCH_UDP_PORT=$3 BENCH_SERVER_ENV="${BENCH_SERVER_ENV:-} Sfu__Udp__ReceiveSockets=$1" bench_start_server
}
start "$AB_A" 7990 7992; PID_A=$SERVER_PID
start "$AB_B" 7994 7996; PID_B=$SERVER_PID
echo "A: ReceiveSockets=$AB_A pid $PID_A; B: ReceiveSockets=$AB_B pid $PID_B (jit $BENCH_JIT); scenario: ${SCENARIO[*]}; rounds $ROUNDS; load $(bench_loadavg); results in $RESULTS"

run() { # $1 label, $2 pid, $3 http port
  SERVER_PID=$2 BENCH_HTTP_PORT=$3 bench_generator "${SCENARIO[@]}" --json "$RESULTS/$1.json" > "$RESULTS/$1.txt" 2>&1 || true
  tail -n 22 "$RESULTS/$1.txt" | grep -E "loss|latency|CPU" | head -4 || true
}
for r in $(seq "$ROUNDS"); do
  echo "== round $r: A (ReceiveSockets=$AB_A)"; run "a-$r" "$PID_A" 7990
  echo "== round $r: B (ReceiveSockets=$AB_B)"; run "b-$r" "$PID_B" 7994
done
echo "load average at the end: $(bench_loadavg)"

python3 - "$RESULTS" "$ROUNDS" <<'PY'
import json, sys, statistics as st, os
out, rounds = sys.argv[1], int(sys.argv[2])
def load(l):
    return [json.load(open(p)) for r in range(1, rounds + 1) if os.path.exists(p := os.path.join(out, f"{l}-{r}.json"))]
A, B = load("a"), load("b")
def med(rs, k):
    v = [x[k] for x in rs if isinstance(x.get(k), (int, float)) and x[k] == x[k]]
    return (st.median(v), min(v), max(v)) if v else (float('nan'),) * 3
keys = ["ForwardedPacketsPerSecond", "LossPercent", "AudioLatencyMsP50", "AudioLatencyMsP99", "VideoLatencyMsP50",
        "VideoLatencyMsP99", "CpuMicrosPerForwardedPacket", "ServerRssMb", "LoadAverage1m"]
print(f"{'metric':30} {'A median [min..max]':28} {'B median [min..max]':28} B/A")
for k in keys:
    a, b = med(A, k), med(B, k)
    ratio = b[0] / a[0] if a[0] == a[0] and a[0] else float('nan')
    print(f"{k:30} {a[0]:9.3f} [{a[1]:.3f}..{a[2]:.3f}]   {b[0]:9.3f} [{b[1]:.3f}..{b[2]:.3f}]   {ratio:.2f}")
for name, rs in (("A", A), ("B", B)):
    rows = [x.get("VideoLatencyMsP50ByFramePosition") or [] for x in rs]
    if rows and all(rows):
        n = min(len(r) for r in rows)
        print(f"{name} video p50 ms by packet of frame:", " / ".join(f"{st.median(r[i] for r in rows):.3f}" for i in range(n)))
PY
for side in "$AB_A" "$AB_B"; do
  echo "-- path trace, ReceiveSockets=$side (cumulative, last block):"
  grep PATHTRACE "$RESULTS/rs${side// /_}/server.log" | tail -n 9 || true
done
