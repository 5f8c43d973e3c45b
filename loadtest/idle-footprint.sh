#!/bin/bash
# Where an idle subscriber's memory is (issue 16 item 4): per N, a fresh server in a namespace of its own,
# `audio -p 1 -s N` (one microphone, N listeners), and once all N+1 WebSockets are up and 20 s have passed:
# /proc/PID/smaps_rollup three times, dotnet-counters' System.Runtime (GC committed bytes, heap per generation),
# /proc/PID/smaps, and with GCDUMP=1 a dotnet-gcdump and its report (live objects by type).
# Per subscriber = (figure at the larger N - figure at the smaller) / difference in N; the committed and live bytes
# do not depend on the machine's load, single RSS reads do.
#
#   loadtest/idle-footprint.sh [N...]          (default 100 500; root: network namespaces; BENCH_GC etc. as bench-lib.sh)
#   tools: dotnet tool install -g dotnet-counters dotnet-gcdump
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
export OUT=${OUT:-$HERE/results/idle-footprint-$(date -u +%Y%m%dT%H%M%SZ)}; mkdir -p "$OUT"
export BENCH_HTTP_PORT=${BENCH_HTTP_PORT:-7990} BENCH_UDP_PORT=${BENCH_UDP_PORT:-7992}
source "$HERE/bench-lib.sh"
TOOLS=${DOTNET_TOOLS:-$HOME/.dotnet/tools}
bench_build
bench_namespace "${BENCH_NS_NAME:-dwrlt-idle}"
trap bench_cleanup EXIT
[ $# -gt 0 ] || set -- 100 500
for N in "$@"; do
  bench_start_server
  echo "== N=$N, server pid $SERVER_PID, gc $BENCH_GC, load $(bench_loadavg)"
  BENCH_TIMEOUT=400 bench_generator audio -p 1 -s "$N" -d 300 --measure 200 --warmup 5 --probes 20 > "$OUT/gen-$N.txt" 2>&1 &
  GEN=$!
  for _ in $(seq 240); do
    c=$(ip netns exec "$BENCH_NS" ss -Htn state established "( sport = :$BENCH_HTTP_PORT )" | wc -l)
    [ "$c" -ge $((N + 1)) ] && break
    sleep 1
  done
  echo "  $c WebSockets at $(date -u +%T)"; sleep 20
  for _ in 1 2 3; do grep -E "^(Rss|Anonymous)" "/proc/$SERVER_PID/smaps_rollup" | tr -s ' ' | paste -sd' '; sleep 3; done | tee "$OUT/smaps-$N.txt"
  cp "/proc/$SERVER_PID/smaps" "$OUT/smaps-full-$N.txt"
  timeout 30 ip netns exec "$BENCH_NS" "$TOOLS/dotnet-counters" collect -p "$SERVER_PID" --counters System.Runtime --refresh-interval 2 \
    --duration 00:00:00:05 --format csv -o "$OUT/counters-$N.csv" > /dev/null 2>&1
  echo "  GC committed at the last collection $(grep committed "$OUT/counters-$N.csv" | tail -1 | cut -d, -f5) B (0: none yet)"
  if [ "${GCDUMP:-1}" = 1 ]; then
    timeout 120 ip netns exec "$BENCH_NS" "$TOOLS/dotnet-gcdump" collect -p "$SERVER_PID" -o "$OUT/dump-$N.gcdump" > /dev/null 2>&1
    timeout 60 "$TOOLS/dotnet-gcdump" report "$OUT/dump-$N.gcdump" > "$OUT/report-$N.txt" 2>&1 && head -1 "$OUT/report-$N.txt"
  fi
  kill "$GEN" 2>/dev/null; wait "$GEN" 2>/dev/null
  bench_stop_server
done
