#!/usr/bin/env bash
# Issue 16 item 5: one room's fan-out on 2 cores over 1 core, A/B, interleaved with the reference forwarder's
# `fwd 2` over `fwd 1` in the same minutes (a loaded machine moves every figure; only same-round ratios compare).
#   loadtest/two-cores.sh [ROUNDS] [BEFORE_DLL]
# Each round: forward-bench -s 10 on 1 core and with --workers 2 --cores 2 (this tree's build, and BEFORE_DLL's if
# given: e.g. a build of main), then the reference's fwd 1 and fwd 2. Prints one line per round with the ratios, the
# load average, and each 2-core run's allocated_bytes / worker_allocated_bytes / pool_growth (all 0 expected).
set -euo pipefail
source "$(dirname "$0")/bench-lib.sh"
ROUNDS=${1:-3}; BEFORE=${2:-}; SECONDS_PER_RUN=${FB_SECONDS:-3}
OUT=${OUT:-$BENCH_ROOT/loadtest/results/two-cores-$(date -u +%Y%m%dT%H%M%SZ)}; mkdir -p "$OUT"
bench_build
REF_DIR=${PERF_REFERENCE_DIR:-$BENCH_ROOT/../shared/perf-reference}
REF_SRC=$(mktemp -d /tmp/dwr-two-cores-ref.XXXXXX)
cp "$REF_DIR"/*.cs "$REF_DIR"/PerfReference.csproj "$REF_SRC"/
dotnet build -c Release "$REF_SRC/PerfReference.csproj" -o "$REF_SRC/bin" -nologo -v q > "$OUT/perf-reference-build.txt"
REF=$REF_SRC/bin/PerfReference
trap 'bench_cleanup; rm -rf "$REF_SRC"' EXIT
bench_namespace "${BENCH_NS_NAME:-dwr-two-cores}"; NS=$BENCH_NS
fb() { timeout 300 ip netns exec "$NS" env DOTNET_gcServer=0 dotnet "$1" forward-bench -s 10 --seconds "$SECONDS_PER_RUN" --cpu 0 "${@:2}" | grep RESULT || true; }
field() { { grep -o "$2=[0-9.]*" "$1" || true; } | head -1 | cut -d= -f2; }
median() { { grep -o 'median [0-9.]* k' "$1" || true; } | awk '{print $2}'; }
ratio() { python3 -c "import sys; a,b=sys.argv[1:]; print(f'{float(a)/float(b):.2f}' if a and b and float(b) else '-')" "${1:-}" "${2:-}"; }
for r in $(seq "$ROUNDS"); do
  load=$(bench_loadavg); line="round $r load $load"
  for v in after before; do
    dll=$DLL; [ $v = before ] && dll=$BEFORE; [ -z "$dll" ] && continue
    fb "$dll" > "$OUT/$v-1-$r.txt"; fb "$dll" --workers 2 --cores 2 > "$OUT/$v-2-$r.txt"
    line="$line | $v 2/1 $(ratio "$(field "$OUT/$v-2-$r.txt" out_pps)" "$(field "$OUT/$v-1-$r.txt" out_pps)") (alloc $(field "$OUT/$v-2-$r.txt" allocated_bytes)/$(field "$OUT/$v-2-$r.txt" worker_allocated_bytes)/$(field "$OUT/$v-2-$r.txt" pool_growth))"
  done
  ip netns exec "$NS" env BENCH_SECONDS="$SECONDS_PER_RUN" "$REF" fwd 1 10 gcm-native sendmmsg 0 8 > "$OUT/ref-1-$r.txt" 2>&1 || true
  ip netns exec "$NS" env BENCH_SECONDS="$SECONDS_PER_RUN" "$REF" fwd 2 10 gcm-native sendmmsg 0 8 > "$OUT/ref-2-$r.txt" 2>&1 || true
  ref1=$(median "$OUT/ref-1-$r.txt"); ref2=$(median "$OUT/ref-2-$r.txt")
  echo "$line | reference fwd2/fwd1 $(ratio "$ref2" "$ref1")" | tee -a "$OUT/table.txt"
done
