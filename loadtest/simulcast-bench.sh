#!/usr/bin/env bash
# The same meeting with and without simulcast against our server (DigitalWeRoom.Sfu.Server, its own process, real
# signaling), alternately (A B A B ...), each run with a fresh server; prints per-run figures and the medians.
#   A: one VP8 stream per camera at $A_BITRATE.
#   B: three simulcast layers q/h/f ($B_BITRATES); subscribers show every camera in a --tile and publisher 0 (the
#      speaker) in a --speaker-tile, sent as video-size, so they receive q of 23 cameras and f of one.
# Needs root (a network namespace with only lo, created and deleted here); server, namespace and runtime levers
# (BENCH_GC, BENCH_JIT, ...) from bench-lib.sh. Every participant publishes, so by default all are probes (PROBES).
# Usage: loadtest/simulcast-bench.sh [rounds=3] [participants=25] [seconds=20]
# Environment: A_BITRATE, B_BITRATES, FPS, TILE, SPEAKER_TILE, WARMUP, EXTRA (more generator options, e.g. --no-audio), OUT.
set -euo pipefail
ROUNDS=${1:-3}; N=${2:-25}; SECONDS_RUN=${3:-20}
A_BITRATE=${A_BITRATE:-500000}; B_BITRATES=${B_BITRATES:-100000,500000,1500000}; FPS=${FPS:-15}
TILE=${TILE:-160x90}; SPEAKER_TILE=${SPEAKER_TILE:-1280x720}; WARMUP=${WARMUP:-8}
OUT=${OUT:-$(cd "$(dirname "$0")/.." && pwd)/loadtest/results/simulcast-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
. "$(dirname "$0")/bench-lib.sh"
bench_build
trap bench_cleanup EXIT
bench_namespace dwrlt-sim

COMMON=(meeting -n "$N" -d "$SECONDS_RUN" --warmup "$WARMUP" --fps "$FPS" --join-concurrency 4 --probes "${PROBES:-$N}" ${EXTRA:-})
for r in $(seq "$ROUNDS"); do
  for label in A B; do
    bench_start_server
    if [ $label = A ]; then ARGS=(--video-bitrate "$A_BITRATE"); else ARGS=(--simulcast --simulcast-bitrates "$B_BITRATES" --tile "$TILE" --speaker-tile "$SPEAKER_TILE"); fi
    echo "round $r $label: loadavg $(bench_loadavg) gc $BENCH_GC jit $BENCH_JIT"
    bench_generator "${COMMON[@]}" "${ARGS[@]}" --json "$OUT/$label-$r.json" > "$OUT/$label-$r.txt" 2>&1 || true
    bench_stop_server
  done
done

python3 - "$OUT" "$ROUNDS" <<'PY'
import json, sys, statistics, os
out, rounds = sys.argv[1], int(sys.argv[2])
keys = ["Connected", "Failed", "ForwardedPacketsPerSecond", "ServerCpuPercent", "CpuMicrosPerForwardedPacket", "LossPercent",
        "LatencyMsP50", "LatencyMsP99", "LoadGeneratorCpuMicrosPerForwardedPacket", "LoadAverage1m", "PacerLateTicks", "SkippedFrames"]
runs = {"A": [], "B": []}
for label in runs:
    for r in range(1, rounds + 1):
        p = os.path.join(out, f"{label}-{r}.json")
        if os.path.exists(p): runs[label].append(json.load(open(p)))
for label, rs in runs.items():
    for i, j in enumerate(rs):
        extra = f" layers {j.get('VideoLayerPacketsReceived')} switches {j.get('LayerSwitches')} notKey {j.get('LayerSwitchesNotOnKeyFrame')} seqGap {j.get('LayerSwitchesWithSeqGap')}" if label == "B" else ""
        print(f"{label}{i+1}: " + ", ".join(f"{k}={j[k]:.4g}" if isinstance(j[k], float) else f"{k}={j[k]}" for k in keys) + extra)
for label, rs in runs.items():
    if rs: print(f"median {label}: " + ", ".join(f"{k}={statistics.median(j[k] for j in rs):.4g}" for k in keys))
if runs["A"] and runs["B"]:
    a = statistics.median(j["CpuMicrosPerForwardedPacket"] for j in runs["A"]); b = statistics.median(j["CpuMicrosPerForwardedPacket"] for j in runs["B"])
    fa = statistics.median(j["ForwardedPacketsPerSecond"] for j in runs["A"]); fb = statistics.median(j["ForwardedPacketsPerSecond"] for j in runs["B"])
    ca = statistics.median(j["ServerCpuPercent"] for j in runs["A"]); cb = statistics.median(j["ServerCpuPercent"] for j in runs["B"])
    print(f"B/A: CPU-us per forwarded packet {b/a:.2f}, forwarded pkt/s {fb/fa:.2f}, server CPU % {cb/ca:.2f}")
PY
echo "results in $OUT"
