#!/usr/bin/env bash
# A join burst against our server (its own process, in a namespace with only lo): N livestream subscribers (PROBES of
# them measuring, the rest sinks) join with the given concurrency; prints the join phase (all connected), where the time
# of a join goes (ws, joined, offer, ICE, DTLS: p50/p99 ms from its start) and, with dotnet-counters installed
# (`dotnet tool install -g dotnet-counters`), the server's thread pool, lock contention, GC and CPU during the burst.
# Usage: loadtest/join-burst.sh [N=200] [concurrency ...=8 32]   (one fresh server per concurrency; root)
# Environment: PROBES (20), RECEIVE_THREADS (2), BENCH_GC / BENCH_JIT / BENCH_MIN_THREADS (bench-lib.sh), OUT.
set -euo pipefail
N=${1:-200}; shift || true
LEVELS=("$@"); [ ${#LEVELS[@]} -gt 0 ] || LEVELS=(8 32)
OUT=${OUT:-$(cd "$(dirname "$0")/.." && pwd)/loadtest/results/joins-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
. "$(dirname "$0")/bench-lib.sh"
bench_build
COUNTERS=$(command -v dotnet-counters || ls "$HOME/.dotnet/tools/dotnet-counters" 2>/dev/null || true)
COUNTERS_PID=""
cleanup() { [ -n "$COUNTERS_PID" ] && kill "$COUNTERS_PID" 2>/dev/null; bench_cleanup; }
trap cleanup EXIT
bench_namespace dwrlt-join

for c in "${LEVELS[@]}"; do
  bench_start_server
  if [ -n "$COUNTERS" ]; then
    "$COUNTERS" collect -p "$SERVER_PID" --format csv -o "$OUT/counters-c$c.csv" --refresh-interval 1 \
      --counters System.Runtime > "$OUT/counters-c$c.log" 2>&1 &
    COUNTERS_PID=$!
  fi
  echo "== $N joins, concurrency $c (loadavg $(bench_loadavg), gc $BENCH_GC)"
  BENCH_TIMEOUT=$((N + 200)) bench_generator livestream -s "$N" -d $((N + 120)) --measure 1 --warmup 0 --probes "${PROBES:-20}" \
    --join-concurrency "$c" --receive-threads "${RECEIVE_THREADS:-2}" --json "$OUT/c$c.json" > "$OUT/c$c.txt" 2>&1 || echo "  exited $?"
  if [ -n "$COUNTERS_PID" ]; then kill "$COUNTERS_PID" 2>/dev/null || true; for _ in $(seq 25); do kill -0 "$COUNTERS_PID" 2>/dev/null || break; sleep 0.2; done; kill -9 "$COUNTERS_PID" 2>/dev/null || true; COUNTERS_PID=""; fi
  bench_stop_server
  python3 - "$OUT" "$c" <<'PY'
import csv, json, os, sys
out, c = sys.argv[1], sys.argv[2]
j = json.load(open(os.path.join(out, f"c{c}.json")))
steps = ", ".join(f"{k} {v[0]:.0f}/{v[1]:.0f}" for k, v in j.get("JoinStepsMs", {}).items())
print(f"  connected {j['Connected']}/{j['Planned']} in {j['JoinPhaseSeconds']:.1f} s ({j['Connected'] / j['JoinPhaseSeconds']:.1f} joins/s); "
      f"join ms p50/p99 {j['JoinMsP50']:.0f}/{j['JoinMsP99']:.0f}; steps p50/p99 ms from start: {steps}; generator CPU {j['LoadGeneratorCpuSeconds']:.1f} s")
p = os.path.join(out, f"counters-c{c}.csv")
if os.path.exists(p):
    peaks = {}
    for row in csv.DictReader(open(p)):
        name = row.get("Counter Name") or row.get("Counter") or ""
        try: v = float(row.get("Mean/Increment") or row.get("Value") or "nan")
        except ValueError: continue
        peaks.setdefault(name, []).append(v)
    keep = [k for k in peaks if any(w in k for w in ("thread_pool.queue", "thread_pool.thread", "lock_contentions", "cpu.time", "gc.collections", "gc.pause", "working_set", "total_allocated"))]
    for k in sorted(keep):
        v = peaks[k]
        print(f"  server {k}: max {max(v):.3g}, sum {sum(v):.3g} over {len(v)} s")
PY
done
echo "results in $OUT"
