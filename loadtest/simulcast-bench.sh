#!/usr/bin/env bash
# The same meeting with and without simulcast against our server (DigitalWeRoom.Sfu.Server, its own process, real
# signaling), alternately (A B A B ...), each run with a fresh server; prints per-run figures and the medians.
#   A: one VP8 stream per camera at $A_BITRATE.
#   B: three simulcast layers q/h/f ($B_BITRATES); subscribers show every camera in a --tile and publisher 0 (the
#      speaker) in a --speaker-tile, sent as video-size, so they receive q of 23 cameras and f of one.
# Needs root (a network namespace with only lo, created and deleted here).
# Usage: loadtest/simulcast-bench.sh [rounds=3] [participants=25] [seconds=20]
# Environment: A_BITRATE, B_BITRATES, FPS, TILE, SPEAKER_TILE, WARMUP, EXTRA (more generator options, e.g. --no-audio), OUT.
set -euo pipefail
ROUNDS=${1:-3}; N=${2:-25}; SECONDS_RUN=${3:-20}
A_BITRATE=${A_BITRATE:-500000}; B_BITRATES=${B_BITRATES:-100000,500000,1500000}; FPS=${FPS:-15}
TILE=${TILE:-160x90}; SPEAKER_TILE=${SPEAKER_TILE:-1280x720}; WARMUP=${WARMUP:-8}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/loadtest/results/simulcast-$(date -u +%Y%m%dT%H%M%SZ)}
NS=dwrlt-sim
DLL=$ROOT/loadtest/DigitalWeRoom.Sfu.LoadTest/bin/Release/net10.0/DigitalWeRoom.Sfu.LoadTest.dll
SERVER_DLL=$ROOT/src/DigitalWeRoom.Sfu.Server/bin/Release/net10.0/DigitalWeRoom.Sfu.Server.dll
mkdir -p "$OUT"
[ -f "$DLL" ] || dotnet build -c Release "$ROOT/loadtest/DigitalWeRoom.Sfu.LoadTest" -v q
[ -f "$SERVER_DLL" ] || dotnet build -c Release "$ROOT/src/DigitalWeRoom.Sfu.Server" -v q

SERVER_PID=""
stop_server() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }
cleanup() { stop_server; ip netns del $NS 2>/dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add $NS; ip -n $NS link set lo up

start_server() {
  (cd "$(dirname "$SERVER_DLL")" && exec ip netns exec $NS env Sfu__Http__Listen=http://127.0.0.1:7890 Sfu__Udp__Port=7892 \
    Sfu__Udp__BindAddress=127.0.0.1 Sfu__Udp__AnnouncedAddresses__0=127.0.0.1 Sfu__Udp__AutoDetectAddresses=false Sfu__P2PEnabled=false \
    Sfu__Limits__MaxParticipantsPerRoom=500 Sfu__Limits__JoinsPerIpPerMinute=100000 Sfu__Limits__ConnectionsPerIp=100000 Logging__LogLevel__Default=Warning \
    dotnet "$SERVER_DLL") >> "$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for i in $(seq 100); do
    ip netns exec $NS python3 -c "import urllib.request;urllib.request.urlopen('http://127.0.0.1:7890/healthz/live',timeout=1)" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "server did not start" >&2; exit 1
}

COMMON=(meeting -n "$N" -d "$SECONDS_RUN" --warmup "$WARMUP" --fps "$FPS" --target server --server-url ws://127.0.0.1:7890/ws --join-concurrency 4 ${EXTRA:-})
for r in $(seq "$ROUNDS"); do
  for label in A B; do
    start_server
    if [ $label = A ]; then ARGS=(--video-bitrate "$A_BITRATE"); else ARGS=(--simulcast --simulcast-bitrates "$B_BITRATES" --tile "$TILE" --speaker-tile "$SPEAKER_TILE"); fi
    echo "round $r $label: loadavg $(cut -d' ' -f1 /proc/loadavg)"
    ip netns exec $NS env DOTNET_gcServer=0 dotnet "$DLL" "${COMMON[@]}" "${ARGS[@]}" --server-pid "$SERVER_PID" --json "$OUT/$label-$r.json" > "$OUT/$label-$r.txt" 2>&1 || true
    stop_server
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
