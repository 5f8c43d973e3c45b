#!/usr/bin/env bash
# Broadcast with a simulcast publisher against our server (DigitalWeRoom.Sfu.Server, its own process, real signaling):
# one publisher sends q/h/f ($BITRATES) + audio, N subscribers show it in a small --tile (so the server forwards q,
# and dynacast turns h and f off at the publisher). For each N of the ladder, $ROUNDS runs, each with a fresh server;
# the ladder stops after the first N whose median loss exceeds $MAX_LOSS % or that did not connect everyone.
# SendQueueLength is raised: every join sends a participant-joined to every member, and with the default 256 queued
# signaling messages a member whose WebSocket reader falls behind during the join storm is disconnected (the publisher
# too, which ends the broadcast). The load generator runs on the same cores as the server; all but PROBES subscribers are sinks
# (they join fully, then leave their socket unread). Needs root (a network namespace with only lo). Server start/stop, the
# namespace and the runtime levers (BENCH_GC, BENCH_JIT, ...) come from bench-lib.sh.
# Usage: loadtest/broadcast-bench.sh [rounds=3] [seconds=20] [N ...=250 500 1000 1500]
# Environment: PROBES (default 20), JOIN_CONCURRENCY (default 16), BITRATES, FPS, TILE, WARMUP, RECEIVE_THREADS (generator epoll threads, default 1; 0: a thread per client), MAX_LOSS, EXTRA (more generator options), OUT.
set -euo pipefail
ROUNDS=${1:-3}; SECONDS_RUN=${2:-20}; shift 2 2>/dev/null || true
LADDER=("$@"); [ ${#LADDER[@]} -gt 0 ] || LADDER=(250 500 1000 1500)
BITRATES=${BITRATES:-100000,500000,1500000}; FPS=${FPS:-30}; TILE=${TILE:-160x90}; WARMUP=${WARMUP:-5}; MAX_LOSS=${MAX_LOSS:-0.1}
OUT=${OUT:-$(cd "$(dirname "$0")/.." && pwd)/loadtest/results/broadcast-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
. "$(dirname "$0")/bench-lib.sh"
bench_build
trap bench_cleanup EXIT
bench_namespace dwrlt-bc

for n in "${LADDER[@]}"; do
  for r in $(seq "$ROUNDS"); do
    bench_start_server
    echo "N=$n round $r: $(date -u +%H:%M:%S) loadavg $(bench_loadavg) gc $BENCH_GC jit $BENCH_JIT"
    # -d only bounds the run (joins of N subscribers take a while); --measure is the measured window after the joins.
    BOUND=$((SECONDS_RUN + WARMUP + 60 + n / 5))
    # shellcheck disable=SC2086
    BENCH_TIMEOUT=$((BOUND + 60)) bench_generator broadcast -p 1 -s "$n" -d "$BOUND" --measure "$SECONDS_RUN" \
      --warmup "$WARMUP" --fps "$FPS" --join-concurrency "${JOIN_CONCURRENCY:-16}" \
      --simulcast --simulcast-bitrates "$BITRATES" --tile "$TILE" --receive-threads "${RECEIVE_THREADS:-1}" --probes "${PROBES:-20}" ${EXTRA:-} \
      --json "$OUT/N$n-$r.json" > "$OUT/N$n-$r.txt" 2>&1 || echo "  run exited $?"
    bench_stop_server
  done
  python3 - "$OUT" "$n" "$ROUNDS" "$MAX_LOSS" <<'PY' || break
import json, sys, statistics, os
out, n, rounds, max_loss = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
keys = ["Connected", "Failed", "ForwardedPacketsPerSecond", "LossPercent", "LatencyMsP50", "LatencyMsP99", "ServerCpuPercent",
        "CpuMicrosPerForwardedPacket", "LoadGeneratorCpuPercent", "UdpReceiveBufferErrors", "LoadAverage1m", "PacerLateTicks"]
rs = [json.load(open(p)) for p in (os.path.join(out, f"N{n}-{r}.json") for r in range(1, rounds + 1)) if os.path.exists(p)]
for j in rs: j["LoadGeneratorCpuPercent"] = 100 * j["LoadGeneratorCpuSeconds"] / j["MeasuredSeconds"] if j.get("MeasuredSeconds") else 0
for i, j in enumerate(rs):
    print(f"N={n} run {i+1}: " + ", ".join(f"{k}={j.get(k)}" for k in keys) + f" layers {j.get('VideoLayerPacketsReceived')}")
if not rs: print(f"N={n}: no run finished"); sys.exit(1)
med = {k: statistics.median(float(j.get(k) or 0) for j in rs) for k in keys}
print(f"N={n} median: " + ", ".join(f"{k}={v:.4g}" for k, v in med.items()))
sys.exit(1 if med["LossPercent"] > max_loss or med["Connected"] < n + 1 else 0)
PY
done
echo "results in $OUT"
