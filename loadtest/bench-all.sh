#!/usr/bin/env bash
# Every headline figure of issue #16 in one run (<= 15 min on a quiet 2-core machine), each next to its reference
# measured in the same run, with the ratio, the date and the load average:
#   1. forwarding path: `forward-bench -s 10` vs the reference forwarder (../shared/perf-reference `fwd 1 10 gcm-native
#      sendmmsg 0 8`), alternating rounds; in->out latency at 50 % / 80 % of saturation (`forward-bench --latency`);
#      one room's fan-out on 2 cores: `forward-bench --workers 2 --cores 2` over the 1-core rounds, next to the
#      reference's `fwd 2 ...` over `fwd 1 ...`;
#   2. against Janus 1.1.2 (compare-janus.sh, meeting -n 6): server CPU per forwarded packet, p50/p99 latency, RSS;
#      and the server's CPU-us per forwarded packet over forward-bench's us per out-packet (the fixed costs);
#   3. capacity scenarios at the goal sizes (livestream, large-meeting, audio), quality measured on the probes;
#      the join phase of the livestream (all subscribers connected, DTLS included); a join storm (STORM_N joins over
#      STORM_SECONDS into a second room) with the loss of a meeting already running;
#   4. server RSS per additional (nearly) idle subscriber: 100 -> 500 listeners of one microphone (50 pkt/s each).
# Refuses to start when the 1-minute load average is above 1.5 (BENCH_FORCE=1 or --force: measure anyway, warned).
# Usage: loadtest/bench-all.sh [--smoke] [--force] [--gc MODE] [--jit MODE]     (root: network namespaces)
#   --smoke   tiny sizes, end to end in about a minute or two: checks the script, measures nothing worth keeping
#   --gc/--jit  server runtime levers (bench-lib.sh: default|server|workstation|workstation-nonconcurrent|conserve;
#               default|no-pgo|no-tiering|r2r|aot); also BENCH_MIN_THREADS / BENCH_MAX_THREADS
# Environment: ROUNDS (3), FB_SECONDS (3), MEASURE (60), WARMUP (5), LS_N (1500), LM_N (60), AU_N (2000), STORM_N (500),
#   STORM_SECONDS (1), PROBES (20), LS_SIZES ($LS_N), LM_SIZES (20 40 $LM_N), AU_SIZES (150 300 500 1000 $AU_N),
#   SWEEP_MEASURE (15: seconds measured at the sizes below the goal; a size that holds is measured again for MEASURE s),
#   STORM_MEASURE (30: the storm's window, from the storm's start), BENCH_NS_NAME (dwrlt-all: its namespace),
#   JOIN_CONCURRENCY (16), RECEIVE_THREADS (2), PERF_REFERENCE_DIR (../shared/perf-reference), OUT.
set -euo pipefail
SMOKE=0
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) SMOKE=1 ;;
    --force) export BENCH_FORCE=1 ;;
    --gc) export BENCH_GC=$2; shift ;;
    --jit) export BENCH_JIT=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/results/all-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
export OUT
. "$HERE/bench-lib.sh"
if [ $SMOKE = 1 ]; then
  ROUNDS=${ROUNDS:-1}; FB_SECONDS=${FB_SECONDS:-0.5}; MEASURE=${MEASURE:-2}; WARMUP=${WARMUP:-1}
  LS_N=${LS_N:-8}; LM_N=${LM_N:-11}; AU_N=${AU_N:-6}; STORM_N=${STORM_N:-10}; STORM_SECONDS=${STORM_SECONDS:-2}; IDLE_A=${IDLE_A:-4}; IDLE_B=${IDLE_B:-8}; JANUS_ARGS=(meeting -n 3 -d 4)
  BENCH_FORCE=1
else
  ROUNDS=${ROUNDS:-3}; FB_SECONDS=${FB_SECONDS:-3}; MEASURE=${MEASURE:-60}; WARMUP=${WARMUP:-5}
  LS_N=${LS_N:-1500}; LM_N=${LM_N:-60}; AU_N=${AU_N:-2000}; STORM_N=${STORM_N:-500}; STORM_SECONDS=${STORM_SECONDS:-1}; IDLE_A=${IDLE_A:-100}; IDLE_B=${IDLE_B:-500}; JANUS_ARGS=(meeting -n 6 -d 15)
fi
# Sizes swept below each goal (ascending, the goal last): "held N" is the largest that meets the bar.
LS_SIZES=${LS_SIZES:-$LS_N}; LM_SIZES=${LM_SIZES:-$([ $SMOKE = 1 ] && echo "$LM_N" || echo "20 40 $LM_N")}
AU_SIZES=${AU_SIZES:-$([ $SMOKE = 1 ] && echo "$AU_N" || echo "150 300 500 1000 $AU_N")}; SWEEP_MEASURE=${SWEEP_MEASURE:-$([ $SMOKE = 1 ] && echo 1 || echo 15)}
STORM_MEASURE=${STORM_MEASURE:-$([ $SMOKE = 1 ] && echo "$MEASURE" || echo 30)}
PROBES=${PROBES:-20}; JOIN_CONCURRENCY=${JOIN_CONCURRENCY:-16}; RECEIVE_THREADS=${RECEIVE_THREADS:-2}
export BENCH_FORCE=${BENCH_FORCE:-0}
bench_check_quiet 1.5
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ); LOAD_START=$(bench_loadavg)
echo "bench-all $([ $SMOKE = 1 ] && echo '(smoke) ')at $STARTED, load average $LOAD_START, gc $BENCH_GC, jit $BENCH_JIT; results in $OUT"
bench_build

# The reference forwarder, built from a copy (shared/ may be read-only) outside this repository's build settings.
REF_DIR=${PERF_REFERENCE_DIR:-$BENCH_ROOT/../shared/perf-reference}
REF_BIN=""
if [ -f "$REF_DIR/PerfReference.csproj" ]; then
  REF_SRC=$(mktemp -d /tmp/dwr-bench-perfref.XXXXXX)
  cp "$REF_DIR"/*.cs "$REF_DIR"/PerfReference.csproj "$REF_SRC"/
  dotnet build -c Release "$REF_SRC/PerfReference.csproj" -o "$REF_SRC/bin" -nologo -v q > "$OUT/perf-reference-build.txt" 2>&1 && REF_BIN=$REF_SRC/bin/PerfReference
else
  echo "no reference forwarder at $REF_DIR (set PERF_REFERENCE_DIR): its rows stay empty" >&2
fi
cleanup() { bench_cleanup; [ -n "${REF_SRC:-}" ] && rm -rf "$REF_SRC"; true; }
trap cleanup EXIT
bench_namespace "${BENCH_NS_NAME:-dwrlt-all}"; NS=$BENCH_NS

echo "== 1. forwarding path vs reference, $ROUNDS alternating rounds of $FB_SECONDS s"
for r in $(seq "$ROUNDS"); do
  ip netns exec "$NS" env DOTNET_gcServer=0 dotnet "$DLL" forward-bench -s 10 --seconds "$FB_SECONDS" --cpu 0 > "$OUT/fb-$r.txt" 2>&1 || echo "  forward-bench exited $?"
  grep RESULT "$OUT/fb-$r.txt" || true
  if [ -n "$REF_BIN" ]; then
    ip netns exec "$NS" env BENCH_SECONDS="$FB_SECONDS" "$REF_BIN" fwd 1 10 gcm-native sendmmsg 0 8 > "$OUT/ref-$r.txt" 2>&1 || echo "  reference exited $?"
    grep RESULT "$OUT/ref-$r.txt" || true
  fi
done
echo "== 1b. one room's fan-out on 2 cores: forward-bench --workers 2 --cores 2 vs the 1-core rounds above; reference fwd 2 vs fwd 1"
for r in $(seq "$ROUNDS"); do
  ip netns exec "$NS" env DOTNET_gcServer=0 dotnet "$DLL" forward-bench -s 10 --seconds "$FB_SECONDS" --cpu 0 --workers 2 --cores 2 > "$OUT/fbw2-$r.txt" 2>&1 || echo "  forward-bench --workers 2 exited $?"
  grep RESULT "$OUT/fbw2-$r.txt" || true
  if [ -n "$REF_BIN" ]; then
    ip netns exec "$NS" env BENCH_SECONDS="$FB_SECONDS" "$REF_BIN" fwd 2 10 gcm-native sendmmsg 0 8 > "$OUT/fwd2-$r.txt" 2>&1 || echo "  reference fwd 2 exited $?"
    grep RESULT "$OUT/fwd2-$r.txt" || true
  fi
done
ip netns exec "$NS" env DOTNET_gcServer=0 dotnet "$DLL" forward-bench -s 10 --seconds "$FB_SECONDS" --cpu 0 --latency > "$OUT/fb-latency.txt" 2>&1 || echo "  forward-bench --latency exited $?"
grep -E "RESULT|LATENCY" "$OUT/fb-latency.txt" || true

echo "== 2. against Janus: ${JANUS_ARGS[*]}, $ROUNDS rounds"
if command -v janus >/dev/null || [ $SMOKE = 0 ]; then
  OUT=$OUT/janus "$HERE/compare-janus.sh" "$ROUNDS" "${JANUS_ARGS[@]}" > "$OUT/janus.txt" 2>&1 || echo "  compare-janus exited $?"
  tail -n 14 "$OUT/janus.txt"
else
  echo "  janus not installed: skipped in --smoke" | tee "$OUT/janus.txt"
fi

# scenario NAME ARGS...: a fresh server, one generator run, its JSON as $OUT/NAME.json.
scenario() {
  local name=$1; shift
  bench_start_server
  echo "== $name: $* (loadavg $(bench_loadavg))"
  BENCH_TIMEOUT=$((BOUND + 60)) bench_generator "$@" -d "$BOUND" --measure "$MEASURE" --warmup "$WARMUP" --probes "$PROBES" \
    --join-concurrency "$JOIN_CONCURRENCY" --receive-threads "$RECEIVE_THREADS" --json "$OUT/$name.json" > "$OUT/$name.txt" 2>&1 || echo "  $name exited $?"
  grep -E "connected|probes|loss|latency ms|forwarded|server CPU|CPU-µs" "$OUT/$name.txt" | sed 's/^/  /' || tail -5 "$OUT/$name.txt"
  bench_stop_server
}
# meets_bar FILE: the run held the quality bar (everyone connected, loss < 0.1 %, p99 < 20 ms on its probes).
meets_bar() {
  python3 - "$1" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    sys.exit(1)
sys.exit(0 if j["Connected"] >= j["Planned"] and j["Probes"] > 0 and j["LossPercent"] < 0.1 and j["LatencyMsP99"] < 20 else 1)
PY
}
# sweep NAME "SIZES" ARGS...: one fresh server and run per size, ascending (@N@ in ARGS is the size), each as
# NAME-SIZE.json; stops after the first size that misses the bar, since a larger one would miss it too. The last size
# (the goal) is measured MEASURE s, the smaller ones SWEEP_MEASURE s; NAME.json is the largest size run. When the
# ladder stopped below the goal, the largest size that held is measured again for MEASURE s (the quality bar's 60 s
# window): that run replaces its NAME-SIZE.json (the short one is kept as NAME-SIZE-short.json). The table's "held"
# is the largest size that met the bar, with the seconds it was measured.
sweep() {
  local name=$1 sizes=$2; shift 2
  local last=${sizes##* } n held="" measure_saved=$MEASURE
  for n in $sizes; do
    MEASURE=$([ "$n" = "$last" ] && echo "$measure_saved" || echo "$SWEEP_MEASURE")
    sweep_run "$name" "$n" "$@"
    cp "$OUT/$name-$n.json" "$OUT/$name.json" 2>/dev/null || true
    meets_bar "$OUT/$name-$n.json" || { echo "  $name: $n misses the bar, larger sizes skipped"; break; }
    held=$n
  done
  if [ -n "$held" ] && [ "$held" != "$last" ] && [ "$SWEEP_MEASURE" != "$measure_saved" ]; then
    echo "  $name: $held held for $SWEEP_MEASURE s, measured again for $measure_saved s"
    mv "$OUT/$name-$held.json" "$OUT/$name-$held-short.json"; mv "$OUT/$name-$held.txt" "$OUT/$name-$held-short.txt"
    [ -f "$OUT/$name-$held-late.csv" ] && mv "$OUT/$name-$held-late.csv" "$OUT/$name-$held-short-late.csv"
    MEASURE=$measure_saved
    sweep_run "$name" "$held" "$@"
  fi
  MEASURE=$measure_saved
}
# sweep_run NAME N ARGS...: one size of a sweep, measured MEASURE s.
sweep_run() {
  local name=$1 n=$2; shift 2
  # The join phase grows with the size (about 30 subscribers/s on a quiet machine): the run's bound follows it.
  BOUND=$((MEASURE + WARMUP + 60 + n / 15))
  scenario "$name-$n" "${@//@N@/$n}"
}
echo "== 3. capacity scenarios (measured $MEASURE s at the goal size, $SWEEP_MEASURE s below it, after the joins and $WARMUP s of warm-up)"
sweep livestream "$LS_SIZES" livestream -s @N@
# The probes' packets 20 ms late or more go to large-meeting-N-late.csv: whether a tail is a stall of every stream at
# once (scheduling) or some streams, layers or positions in a frame (loadtest/README.md, --late-log).
BENCH_SERVER_ENV="Sfu__Media__LastN=9 ${BENCH_SERVER_ENV:-}" sweep large-meeting "$LM_SIZES" large-meeting -n @N@ --late-log "$OUT/large-meeting-@N@-late.csv" --late-ms 20
sweep audio "$AU_SIZES" audio -p 10 -s @N@ --max-participants 5000
# A storm of STORM_N joins started within STORM_SECONDS (1 s: every client of a restarted server reconnecting at once)
# into a second room while a meeting of 6 runs: all must be connected within 10 s of the first, and the meeting's loss
# must stay 0. (Joins planned over 10 s could never all be connected within 10 s: the last one's own latency adds.)
# The storm's window opens at the storm (ScenarioPlan.LossWindowFrom); STORM_MEASURE s cover the joins and what follows.
BOUND=$((STORM_MEASURE + WARMUP + 120))
MEASURE=$STORM_MEASURE JOIN_CONCURRENCY=256 scenario join-storm join-storm -n 6 -s "$STORM_N" --storm-at 5 --storm-seconds "$STORM_SECONDS"
echo "== 4. idle subscribers: server RSS with $IDLE_A and $IDLE_B listeners of one microphone"
IDLE_MEASURE=$([ $SMOKE = 1 ] && echo 1 || echo 5)
MEASURE=$IDLE_MEASURE scenario idle-a audio -p 1 -s "$IDLE_A"
MEASURE=$IDLE_MEASURE scenario idle-b audio -p 1 -s "$IDLE_B"

LOAD_END=$(bench_loadavg)
python3 "$HERE/bench-table.py" "$OUT" "$STARTED" "$LOAD_START" "$LOAD_END" "$BENCH_GC" "$BENCH_JIT" "$SMOKE" "$LS_N" "$LM_N" "$AU_N" "$IDLE_A" "$IDLE_B" "$STORM_N" "$STORM_SECONDS" "$SECONDS" | tee "$OUT/table.md"
echo "results in $OUT"
