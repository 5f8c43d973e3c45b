#!/usr/bin/env bash
# Broadcast with a simulcast publisher against our server (DigitalWeRoom.Sfu.Server, its own process, real signaling):
# one publisher sends q/h/f ($BITRATES) + audio, N subscribers show it in a small --tile (so the server forwards q,
# and dynacast turns h and f off at the publisher). For each N of the ladder, $ROUNDS runs, each with a fresh server;
# the ladder stops after the first N whose median loss exceeds $MAX_LOSS % or that did not connect everyone.
# SendQueueLength is raised: every join sends a participant-joined to every member, and with the default 256 queued
# signaling messages a member whose WebSocket reader falls behind during the join storm is disconnected (the publisher
# too, which ends the broadcast). The load generator runs on the same cores as the server. Needs root (a network namespace with only lo).
# Usage: loadtest/broadcast-bench.sh [rounds=3] [seconds=20] [N ...=250 500 1000 1500]
# Environment: JOIN_CONCURRENCY (default 16), BITRATES, FPS, TILE, WARMUP, RECEIVE_THREADS (generator epoll threads, default 1; 0: a thread per client), MAX_LOSS, EXTRA (more generator options), OUT.
set -euo pipefail
ROUNDS=${1:-3}; SECONDS_RUN=${2:-20}; shift 2 2>/dev/null || true
LADDER=("$@"); [ ${#LADDER[@]} -gt 0 ] || LADDER=(250 500 1000 1500)
BITRATES=${BITRATES:-100000,500000,1500000}; FPS=${FPS:-30}; TILE=${TILE:-160x90}; WARMUP=${WARMUP:-5}; MAX_LOSS=${MAX_LOSS:-0.1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/loadtest/results/broadcast-$(date -u +%Y%m%dT%H%M%SZ)}
NS=dwrlt-bc
DLL=$ROOT/loadtest/DigitalWeRoom.Sfu.LoadTest/bin/Release/net10.0/DigitalWeRoom.Sfu.LoadTest.dll
SERVER_DLL=$ROOT/src/DigitalWeRoom.Sfu.Server/bin/Release/net10.0/DigitalWeRoom.Sfu.Server.dll
mkdir -p "$OUT"
[ -f "$DLL" ] || dotnet build -c Release "$ROOT/loadtest/DigitalWeRoom.Sfu.LoadTest" -v q
[ -f "$SERVER_DLL" ] || dotnet build -c Release "$ROOT/src/DigitalWeRoom.Sfu.Server" -v q

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    for i in $(seq 25); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
cleanup() { stop_server; ip netns del $NS 2>/dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add $NS; ip -n $NS link set lo up

start_server() {
  (cd "$(dirname "$SERVER_DLL")" && exec ip netns exec $NS env Sfu__Http__Listen=http://127.0.0.1:7890 Sfu__Udp__Port=7892 \
    Sfu__Udp__BindAddress=127.0.0.1 Sfu__Udp__AnnouncedAddresses__0=127.0.0.1 Sfu__Udp__AutoDetectAddresses=false Sfu__P2PEnabled=false \
    Sfu__Limits__MaxParticipantsPerRoom=5000 Sfu__Limits__JoinsPerIpPerMinute=1000000 Sfu__Limits__ConnectionsPerIp=1000000 \
    Sfu__Limits__SendQueueLength=100000 Logging__LogLevel__Default=Warning \
    dotnet "$SERVER_DLL") >> "$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for i in $(seq 100); do
    ip netns exec $NS python3 -c "import urllib.request;urllib.request.urlopen('http://127.0.0.1:7890/healthz/live',timeout=1)" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "server did not start" >&2; exit 1
}

for n in "${LADDER[@]}"; do
  for r in $(seq "$ROUNDS"); do
    start_server
    echo "N=$n round $r: $(date -u +%H:%M:%S) loadavg $(cut -d' ' -f1 /proc/loadavg)"
    # -d only bounds the run (joins of N subscribers take a while); --measure is the measured window after the joins.
    BOUND=$((SECONDS_RUN + WARMUP + 60 + n / 5))
    ip netns exec $NS env DOTNET_gcServer=0 timeout $((BOUND + 60)) dotnet "$DLL" broadcast -p 1 -s "$n" -d "$BOUND" --measure "$SECONDS_RUN" \
      --warmup "$WARMUP" --fps "$FPS" --target server --server-url ws://127.0.0.1:7890/ws --join-concurrency "${JOIN_CONCURRENCY:-16}" \
      --simulcast --simulcast-bitrates "$BITRATES" --tile "$TILE" --receive-threads "${RECEIVE_THREADS:-1}" --server-pid "$SERVER_PID" ${EXTRA:-} \
      --json "$OUT/N$n-$r.json" > "$OUT/N$n-$r.txt" 2>&1 || echo "  run exited $?"
    stop_server
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
