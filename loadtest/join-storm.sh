#!/usr/bin/env bash
# The join storm of bench-all.sh on its own, with the counts that say where packets went (issue 16 item 3): a meeting of
# 6 runs in room 0 while STORM_N subscribers join room 1 within STORM_SECONDS; per run it prints the probes' loss and latency by room (running room 0, storm room 1),
# the server's drops by reason (its /metrics, read just before it stops) and the kernel's drops on the server's UDP
# port (/proc/net/udp in the namespace: datagrams the receive loop did not read in time). Counts, not timings, so runs
# on a busy machine compare; RUNS fresh servers in a row.
# Usage: loadtest/join-storm.sh [STORM_N=500] [STORM_SECONDS=1]   (root)
# Environment: RUNS (1), MEASURE (20), WARMUP (5), PROBES (20), RECEIVE_THREADS (2), JOIN_CONCURRENCY (256), OUT,
#   SFU_ROOT (another checkout whose Release builds to run instead of this one's, for an A/B), and bench-lib.sh's.
set -euo pipefail
STORM_N=${1:-500}; STORM_SECONDS=${2:-1}
RUNS=${RUNS:-1}; MEASURE=${MEASURE:-20}; WARMUP=${WARMUP:-5}
OUT=${OUT:-$(cd "$(dirname "$0")/.." && pwd)/loadtest/results/storm-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
. "$(dirname "$0")/bench-lib.sh"
if [ -n "${SFU_ROOT:-}" ]; then
  DLL=$SFU_ROOT/loadtest/DigitalWeRoom.Sfu.LoadTest/bin/Release/net10.0/DigitalWeRoom.Sfu.LoadTest.dll
  SERVER_DLL=$SFU_ROOT/src/DigitalWeRoom.Sfu.Server/bin/Release/net10.0/DigitalWeRoom.Sfu.Server.dll
  [ -f "$DLL" ] && [ -f "$SERVER_DLL" ] || { echo "no Release builds under $SFU_ROOT" >&2; exit 1; }
else
  bench_build
fi
trap bench_cleanup EXIT
bench_namespace "${BENCH_NS_NAME:-dwrlt-storm}"

for r in $(seq "$RUNS"); do
  bench_start_server
  echo "== storm run $r: $STORM_N joins in $STORM_SECONDS s beside a meeting of 6 (loadavg $(bench_loadavg)) $SERVER_DLL"
  BENCH_TIMEOUT=$((MEASURE + WARMUP + 180)) bench_generator join-storm -n 6 -s "$STORM_N" --storm-at 5 --storm-seconds "$STORM_SECONDS" \
    -d $((MEASURE + WARMUP + 120)) --measure "$MEASURE" --warmup "$WARMUP" --probes "${PROBES:-20}" \
    --join-concurrency "${JOIN_CONCURRENCY:-256}" --receive-threads "${RECEIVE_THREADS:-2}" --json "$OUT/storm-$r.json" > "$OUT/storm-$r.txt" 2>&1 || echo "  exited $?"
  ip netns exec "$BENCH_NS" python3 -c "import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:$BENCH_HTTP_PORT/metrics',timeout=5).read().decode())" > "$OUT/metrics-$r.txt" 2>/dev/null || true
  ip netns exec "$BENCH_NS" cat /proc/net/udp /proc/net/udp6 > "$OUT/udp-$r.txt" 2>/dev/null || true
  bench_stop_server
  python3 - "$OUT" "$r" "$BENCH_UDP_PORT" <<'PY'
import json, os, re, sys
out, r, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    j = json.load(open(os.path.join(out, f"storm-{r}.json")))
    print(f"  connected {j['Connected']}/{j['Planned']} in {j['JoinPhaseSeconds']:.1f} s; all probes: loss {j['LossPercent']:.3f} %, p99 {j['LatencyMsP99']:.1f} ms")
    # Room 0 is the meeting already running, room 1 the storm's: each room's own loss and latency during the storm.
    loss, lat = j.get("LossPercentByRoom", {}), j.get("LatencyMsByRoom", {})
    for k, name in (("0", "running room"), ("1", "storm room")):
        p = lat.get(k)
        print(f"  {name} ({k}): loss {loss.get(k, float('nan')):.3f} %, latency p50/p99 " + (f"{p[0]:.2f}/{p[1]:.2f} ms" if p else "n/a"))
except (OSError, ValueError, KeyError) as e:
    print(f"  no generator result: {e}")
drops = {}
for line in open(os.path.join(out, f"metrics-{r}.txt"), errors="replace"):
    # One series per meter scope (Transport, Media) and reason: summed by reason.
    m = re.match(r'sfu_packets_dropped_total\{[^}]*\breason="([a-z_]+)"[^}]*\} (\d+)', line)
    if m and int(m.group(2)) > 0:
        drops[m.group(1)] = drops.get(m.group(1), 0) + int(m.group(2))
print("  server drops by reason: " + (", ".join(f"{k} {v}" for k, v in sorted(drops.items())) or "none"))
kernel = 0
for line in open(os.path.join(out, f"udp-{r}.txt")):
    f = line.split()
    if len(f) > 12 and ":" in f[1] and int(f[1].rsplit(":", 1)[1], 16) == port:
        kernel += int(f[-1])
print(f"  kernel drops on the server's UDP port {port}: {kernel}")
PY
done
echo "results in $OUT"
