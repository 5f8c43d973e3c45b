#!/usr/bin/env bash
# Memory levers of the Native AOT server (the container's build), one at a time, interleaved: for every round, every
# lever gets a fresh server that carries the Janus comparison's meeting $MEETINGS times (default 3, one per round of
# `compare-janus.sh 3`, whose server carries them all), then its RSS (VmRSS, and smaps_rollup's anonymous and
# file-backed parts) after the last meeting, peak RSS, CPU-µs per forwarded packet of the last meeting, and each
# meeting's own RSS at the end of its measured window (rss_in: what compare-janus.sh reports, rooms still open) are
# recorded. Needs root (a network namespace) and the Native AOT publish (bench-lib.sh, BENCH_JIT=aot).
#   sudo loadtest/aot-levers.sh [rounds=2] [lever ...]        levers: see LEVERS below (default: all)
# A lever "publish:<folder>" runs another Native AOT publish (e.g. one made with -p:IlcOptimizationPreference=Size) with
# the shipped settings, so publish-time levers interleave with the rest.
set -euo pipefail
ROUNDS=${1:-2}; shift || true
OUT=${OUT:-$(cd "$(dirname "$0")/.." && pwd)/loadtest/results/aot-levers-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
BENCH_JIT=aot
. "$(dirname "$0")/bench-lib.sh"
bench_build
SHIPPED_DLL=$SERVER_DLL

# label -> the server's extra environment (DOTNET_ values are hexadecimal).
declare -A LEVERS=(
  [shipped]=""
  [gen0-4m]="DOTNET_GCgen0size=0x400000"
  [gen0-1m]="DOTNET_GCgen0size=0x100000"
  [conserve-5]="DOTNET_GCConserveMemory=5"
  [bgc-off]="DOTNET_gcConcurrent=0"
  [pool-max-8]="DOTNET_ThreadPool_ForceMaxWorkerThreads=8"
  [arraypool-1]="DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXPARTITIONCOUNT=1"
  [region-1m]="DOTNET_GCRegionSize=0x100000"
  [gen0max-1m]="DOTNET_GCgen0MaxBudget=0x100000"
  [stack-256k]="DOTNET_DefaultStackSize=0x40000"
  [no-metrics]="Sfu__Telemetry__MetricsEnabled=false"
  [no-trim]="Sfu__Memory__TrimWhenSettled=false"
  [malloc-arenas-2]="MALLOC_ARENA_MAX=2"
)
ORDER=(shipped no-trim gen0-4m gen0-1m conserve-5 bgc-off pool-max-8 arraypool-1 region-1m gen0max-1m stack-256k no-metrics)
MEETINGS=${MEETINGS:-3}
[ $# -gt 0 ] && ORDER=("$@")
SCENARIO=(meeting -n 6 -d 15 --video-bitrate 1500000)

trap bench_cleanup EXIT
bench_namespace "${AOT_LEVERS_NS:-aot-levers}"
echo "lever round rss_mb peak_mb anon_mb file_mb gc_heap_mb cpu_us_per_pkt loss_pct load rss_in_mb_per_meeting" | tee "$OUT/table.txt"
for r in $(seq "$ROUNDS"); do
  for lever in "${ORDER[@]}"; do
    label=${lever//[:\/]/_}
    SERVER_DLL=$SHIPPED_DLL
    case "$lever" in publish:*) SERVER_DLL=${lever#publish:}/DigitalWeRoom.Sfu.Server.dll; settings="" ;; *) settings=${LEVERS[$lever]} ;; esac
    # shellcheck disable=SC2086
    bench_start_server $settings
    for m in $(seq "$MEETINGS"); do
      bench_generator "${SCENARIO[@]}" --json "$OUT/$label-$r-$m.json" > "$OUT/$label-$r-$m.txt" 2>&1 || true
    done
    rss=$(awk '/^VmRSS:/ {print $2}' /proc/$SERVER_PID/status); peak=$(awk '/^VmHWM:/ {print $2}' /proc/$SERVER_PID/status)
    anon=$(awk '/^Anonymous:/ {print $2}' /proc/$SERVER_PID/smaps_rollup); file=$(awk '/^Rss:/ {print $2}' /proc/$SERVER_PID/smaps_rollup)
    cp /proc/$SERVER_PID/smaps "$OUT/$label-$r.smaps" 2>/dev/null || true
    # The GC's own figure: bytes in use on the managed heap (GC.GetTotalMemory), from /metrics.
    heap=$(ip netns exec "$BENCH_NS" python3 -c "import urllib.request,re;t=urllib.request.urlopen('http://127.0.0.1:$BENCH_HTTP_PORT/metrics',timeout=3).read().decode();print(re.search(r'^sfu_process_gc_heap_bytes\\S* (\\S+)',t,re.M).group(1))" 2>/dev/null || echo nan)
    bench_stop_server
    python3 - "$OUT/$label-$r" "$MEETINGS" "$label" "$r" "$rss" "$peak" "$anon" "$file" "$heap" <<'PY' | tee -a "$OUT/table.txt"
import json, sys
prefix, meetings, label, r, rss, peak, anon, total, heap = sys.argv[1:10]
def load(m):
    try:
        return json.load(open(f"{prefix}-{m}.json"))
    except Exception:
        return {}
runs = [load(m) for m in range(1, int(meetings) + 1)]
j = runs[-1]
f = lambda j, k: j.get(k) if isinstance(j.get(k), (int, float)) else float("nan")
print(f"{label} {r} {int(rss)/1024:.1f} {int(peak)/1024:.1f} {int(anon)/1024:.1f} {(int(total)-int(anon))/1024:.1f} {float(heap)/1048576:.1f} "
      f"{f(j, 'CpuMicrosPerForwardedPacket'):.2f} {f(j, 'LossPercent'):.3f} {f(j, 'LoadAverage1m'):.1f} "
      + "/".join(f"{f(x, 'ServerRssMb'):.1f}" for x in runs))
PY
  done
done
echo "results in $OUT"
