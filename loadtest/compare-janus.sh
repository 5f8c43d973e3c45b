#!/usr/bin/env bash
# Runs the same scenario against our SFU (DigitalWeRoom.Sfu.Server in its own process, real signaling) and Janus 1.1.2 VideoRoom, alternately (A B A B ...),
# and prints per-round figures and the ratios of medians. Needs root (network namespaces) and the Debian package
# `janus` (installed if missing). Everything runs in two namespaces this script creates and deletes:
#   dwrlt-c  (load generator; veth h0 10.77.0.1/24)  <->  dwrlt-j  (Janus; veth r0 10.77.0.2/24)
#   (BENCH_NS_PREFIX=NAME names them NAME-c and NAME-j, so that two runs on one machine do not clash)
# libnice in Janus does not gather on lo, hence the veth pair (../shared/TESTING-NOTES.md §4).
# Usage: loadtest/compare-janus.sh [rounds=3] [scenario args...]   e.g.  loadtest/compare-janus.sh 3 meeting -n 6 -d 15
# OURS_NET=veth: our server runs in Janus's namespace on 10.77.0.2 and is reached over the same veth pair as Janus (the
# default is loopback in the generator's namespace; on 2026-12-07 both gave the same ratios).
# Latency by stage: BENCH_SERVER_ENV=DWR_PATH_TRACE=1 BENCH_GEN_ENV=DWR_PATH_TRACE=1 (PATHTRACE lines in server.log
# and in each round's .txt; src/DigitalWeRoom.Sfu.Transport/Diagnostics/PathTrace.cs).
set -euo pipefail
ROUNDS=${1:-3}; shift || true
SCENARIO=("$@"); [ ${#SCENARIO[@]} -eq 0 ] && SCENARIO=(meeting -n 6 -d 15 --video-bitrate 1500000)
OUT=${OUT:-$(cd "$(dirname "$0")/.." && pwd)/loadtest/results/$(date -u +%Y%m%dT%H%M%SZ)}
NS_C=${BENCH_NS_PREFIX:-dwrlt}-c; NS_J=${BENCH_NS_PREFIX:-dwrlt}-j
mkdir -p "$OUT"
. "$(dirname "$0")/bench-lib.sh"
bench_build

trap 'bench_stop_janus $NS_C $NS_J' EXIT
bench_stop_janus $NS_C $NS_J
bench_start_janus $NS_C $NS_J
# Our server on loopback inside the generator's namespace, P2P off (every room is SFU), limits raised for load,
# runtime levers from BENCH_GC / BENCH_JIT (bench-lib.sh).
if [ "${OURS_NET:-lo}" = veth ]; then
  BENCH_NS=$NS_J BENCH_ADDR=10.77.0.2 bench_start_server
  OURS_ARGS=(--server-url "ws://10.77.0.2:$BENCH_HTTP_PORT/ws" --bind 10.77.0.1 --allow-netns-address)
else
  BENCH_NS=$NS_C bench_start_server
  OURS_ARGS=(--server-url "ws://127.0.0.1:$BENCH_HTTP_PORT/ws")
fi
OURS_PID=$SERVER_PID
echo "ours pid $OURS_PID up (gc $BENCH_GC, jit $BENCH_JIT); janus pid $JANUS_PID up; scenario: ${SCENARIO[*]}; rounds $ROUNDS; results in $OUT"

run() { # $1 = label, rest = args
  local label=$1; shift
  ip netns exec $NS_C env DOTNET_gcServer=0 ${BENCH_GEN_ENV:-} ${BENCH_GEN_WRAP:-} dotnet "$DLL" "${SCENARIO[@]}" "$@" --json "$OUT/$label.json" > "$OUT/$label.txt" 2>&1 || true
  tail -n 22 "$OUT/$label.txt" | grep -E "connected|loss|latency|CPU|forwarded" || cat "$OUT/$label.txt" | tail -5
}
for r in $(seq "$ROUNDS"); do
  echo "== round $r: A = ours (server process)"; run "ours-$r" --target server "${OURS_ARGS[@]}" --server-pid "$OURS_PID"
  echo "== round $r: B = janus";              run "janus-$r" --target janus --janus-url http://10.77.0.2:8088/janus --bind 10.77.0.1 --allow-netns-address --server-pid "$JANUS_PID"
done

python3 - "$OUT" "$ROUNDS" <<'PY'
import json, sys, statistics as st, os
out, rounds = sys.argv[1], int(sys.argv[2])
def load(l):
    rs = []
    for r in range(1, rounds + 1):
        p = os.path.join(out, f"{l}-{r}.json")
        if os.path.exists(p): rs.append(json.load(open(p)))
    return rs
A, B = load("ours"), load("janus")
def med(rs, k):
    v = [x[k] for x in rs if isinstance(x.get(k), (int, float))]
    return (st.median(v), min(v), max(v)) if v else (float('nan'),) * 3
keys = ["Connected", "Failed", "ForwardedPacketsPerSecond", "LossPercent", "LatencyMsP50", "LatencyMsP99",
        "AudioLatencyMsP50", "AudioLatencyMsP99", "VideoLatencyMsP50", "VideoLatencyMsP99", "LoadAverage1m",
        "ServerCpuSeconds", "CpuMicrosPerForwardedPacket", "LoadGeneratorCpuMicrosPerForwardedPacket", "ServerRssMb"]
print(f"{'metric':42} {'ours median [min..max]':30} {'janus median [min..max]':30}")
for k in keys:
    a, b = med(A, k), med(B, k)
    print(f"{k:42} {a[0]:9.3f} [{a[1]:.3f}..{a[2]:.3f}]      {b[0]:9.3f} [{b[1]:.3f}..{b[2]:.3f}]")
for name, rs in (("ours", A), ("janus", B)):
    # Video p50 by the packet's position in its frame: a burst handled one packet after another grows with it.
    rows = [x.get("VideoLatencyMsP50ByFramePosition") or [] for x in rs]
    if rows and all(rows):
        n = min(len(r) for r in rows)
        print(f"{name + ' video p50 ms by packet of frame (median of rounds)':42}", " / ".join(f"{st.median(r[i] for r in rows):.3f}" for i in range(n)))
a = med(A, "CpuMicrosPerForwardedPacket")[0]; b = med(B, "CpuMicrosPerForwardedPacket")[0]
print(f"ratio ours/janus, server CPU-us per forwarded packet (medians): {a / b:.2f}")
num = lambda v: isinstance(v, (int, float)) and v == v
# A round where either side failed (e.g. no join: CPU per packet "NaN") has no ratio.
pairs = [x["CpuMicrosPerForwardedPacket"] / y["CpuMicrosPerForwardedPacket"] for x, y in zip(A, B)
         if num(x.get("CpuMicrosPerForwardedPacket")) and num(y.get("CpuMicrosPerForwardedPacket")) and y["CpuMicrosPerForwardedPacket"]]
print("per-round ratios:", " ".join(f"{p:.2f}" for p in pairs))
PY
