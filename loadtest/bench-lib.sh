# Shared by the bench scripts (source it): paths and builds, a loopback-only network namespace, our server started
# and stopped in it with bench settings, runtime levers (GC, JIT, thread pool) chosen per run, the load average check.
#
#   BENCH_GC   default | server | server-datas | workstation | workstation-nonconcurrent | conserve   (see bench_runtime_config)
#   BENCH_JIT  default | no-pgo | no-tiering | r2r | aot   (aot: Native AOT, needs clang; see bench_build)
#   BENCH_MIN_THREADS / BENCH_MAX_THREADS   thread-pool worker bounds (System.Threading.ThreadPool.Min/MaxThreads)
#   BENCH_POOL_SPIN    thread-pool spin before sleeping (System.Threading.ThreadPool.UnfairSemaphoreSpinLimit;
#                      shipped 0, the runtime's own default 70)
#   BENCH_SERVER_ENV   more KEY=VALUE settings for the server (e.g. "Sfu__Media__LastN=9")
#   BENCH_REBUILD=1    rebuild the generator and the server even if built
#   BENCH_MEDIA_NICE   e.g. -5: our server's receive loops and send workers (dwr-udp*, dwr-send*) and every Janus thread
#                      run at this nice, above the load generator's threads (nice 0) that share the cores; off by default
#                      (see bench_media_nice)
#   BENCH_GEN_WRAP     a command the load generator runs under, e.g. "chrt -b 0" (SCHED_BATCH: its woken threads
#                      never preempt a running server thread, as clients on other machines could not; docs/benchmarks.md
#                      "Janus scenario: where our latency goes") or "env DWR_PATH_TRACE=1"
#   BENCH_ADDR         the address our server binds and announces in $BENCH_NS (default 127.0.0.1)
# None of them changes the server's shipped defaults: the chosen runtimeconfig is written to $OUT and passed with
# `dotnet exec --runtimeconfig`, so each quiet-machine run can measure one lever against the default.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DLL=$BENCH_ROOT/loadtest/DigitalWeRoom.Sfu.LoadTest/bin/Release/net10.0/DigitalWeRoom.Sfu.LoadTest.dll
SERVER_DLL=$BENCH_ROOT/src/DigitalWeRoom.Sfu.Server/bin/Release/net10.0/DigitalWeRoom.Sfu.Server.dll
BENCH_GC=${BENCH_GC:-default}; BENCH_JIT=${BENCH_JIT:-default}
BENCH_HTTP_PORT=${BENCH_HTTP_PORT:-7890}; BENCH_UDP_PORT=${BENCH_UDP_PORT:-7892}
SERVER_PID=""; BENCH_NS=""; JANUS_PID=""

bench_build() {
  if [ "${BENCH_REBUILD:-0}" = 1 ] || [ ! -f "$DLL" ]; then dotnet build -c Release "$BENCH_ROOT/loadtest/DigitalWeRoom.Sfu.LoadTest" -nologo -v q; fi
  if [ "${BENCH_REBUILD:-0}" = 1 ] || [ ! -f "$SERVER_DLL" ]; then dotnet build -c Release "$BENCH_ROOT/src/DigitalWeRoom.Sfu.Server" -nologo -v q; fi
  if [ "$BENCH_JIT" = r2r ]; then
    # ReadyToRun: the server published with precompiled code (crossgen2 from NuGet), into the results folder.
    local dir=$BENCH_ROOT/loadtest/results/.server-r2r
    if [ "${BENCH_REBUILD:-0}" = 1 ] || [ ! -f "$dir/DigitalWeRoom.Sfu.Server.dll" ]; then
      dotnet publish -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true "$BENCH_ROOT/src/DigitalWeRoom.Sfu.Server" -o "$dir" -nologo -v q
    fi
    SERVER_DLL=$dir/DigitalWeRoom.Sfu.Server.dll
  fi
  if [ "$BENCH_JIT" = aot ]; then
    # Native AOT, as deploy/docker/Dockerfile publishes it (the container's server): one native executable, no JIT and
    # no IL images (clang and zlib1g-dev link it). The runtime options of the csproj (workstation GC,
    # UnfairSemaphoreSpinLimit) are baked in at publish; levers become DOTNET_ variables (loadtest/aot-levers.sh).
    local dir=$BENCH_ROOT/loadtest/results/.server-aot
    if [ "${BENCH_REBUILD:-0}" = 1 ] || [ ! -x "$dir/DigitalWeRoom.Sfu.Server" ]; then
      dotnet publish -c Release --use-current-runtime -p:PublishAot=true "$BENCH_ROOT/src/DigitalWeRoom.Sfu.Server" -o "$dir" -nologo -v q
    fi
    SERVER_DLL=$dir/DigitalWeRoom.Sfu.Server.dll
  fi
}

# bench_namespace NAME: a namespace with only lo (deleted by bench_cleanup).
bench_namespace() {
  BENCH_NS=$1
  ip netns del "$BENCH_NS" 2>/dev/null || true
  ip netns add "$BENCH_NS"; ip -n "$BENCH_NS" link set lo up
}

bench_cleanup() {
  bench_stop_server
  [ -n "$BENCH_NS" ] && ip netns del "$BENCH_NS" 2>/dev/null || true
}

# bench_runtime_config: writes the server's runtimeconfig.json with the chosen levers to $OUT and prints its path.
# For BENCH_JIT=aot (no runtimeconfig is read) it writes the same levers as DOTNET_ environment variables, one
# KEY=VALUE a line, next to it as $file.env.
bench_runtime_config() {
  local file=$OUT/runtimeconfig-$BENCH_GC-$BENCH_JIT-${BENCH_MIN_THREADS:-0}-${BENCH_MAX_THREADS:-0}-${BENCH_POOL_SPIN:-shipped}.json
  python3 - "${SERVER_DLL%.dll}.runtimeconfig.json" "$file" "$BENCH_GC" "$BENCH_JIT" "${BENCH_MIN_THREADS:-}" "${BENCH_MAX_THREADS:-}" "${BENCH_POOL_SPIN:-}" <<'PY'
import json, os, sys
src, dst, gc, jit, tmin, tmax, spin = sys.argv[1:8]
c = json.load(open(src)) if os.path.exists(src) else {"runtimeOptions": {}}
p = c["runtimeOptions"].setdefault("configProperties", {})
gcs = {
    "default": {},                                                       # as shipped: workstation, background GC on
    "server": {"System.GC.Server": True, "System.GC.DynamicAdaptationMode": 0},   # Server GC without DATAS
    "server-datas": {"System.GC.Server": True},                         # Server GC with DATAS (the Web SDK's; shipped until 2026-12-06 15:45)
    "workstation": {"System.GC.Server": False},                         # concurrent (background) GC on
    "workstation-nonconcurrent": {"System.GC.Server": False, "System.GC.Concurrent": False},
    "conserve": {"System.GC.Server": False, "System.GC.Concurrent": False, "System.GC.ConserveMemory": 5},
}
jits = {
    "default": {}, "r2r": {},                                            # r2r: the published build (bench_build)
    "no-pgo": {"System.Runtime.TieredPGO": False},
    "no-tiering": {"System.Runtime.TieredCompilation": False},
    "aot": {},                                                           # aot: the native executable (bench_build)
}
if gc not in gcs: sys.exit(f"BENCH_GC={gc}: one of {', '.join(gcs)}")
if jit not in jits: sys.exit(f"BENCH_JIT={jit}: one of {', '.join(jits)}")
p.update(gcs[gc]); p.update(jits[jit])
if tmin: p["System.Threading.ThreadPool.MinThreads"] = int(tmin)
if tmax: p["System.Threading.ThreadPool.MaxThreads"] = int(tmax)
if spin: p["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"] = int(spin)
json.dump(c, open(dst, "w"), indent=2)
# The same knobs as the runtime reads them from the environment (values in hexadecimal, as DOTNET_ variables are).
env = {"System.GC.Server": "gcServer", "System.GC.Concurrent": "gcConcurrent", "System.GC.ConserveMemory": "GCConserveMemory",
       "System.GC.DynamicAdaptationMode": "GCDynamicAdaptationMode", "System.Threading.ThreadPool.MinThreads": "ThreadPool_ForceMinWorkerThreads",
       "System.Threading.ThreadPool.MaxThreads": "ThreadPool_ForceMaxWorkerThreads",
       "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit": "ThreadPool_UnfairSemaphoreSpinLimit"}
if jit == "aot":
    chosen = {**gcs[gc], **({"System.Threading.ThreadPool.MinThreads": int(tmin)} if tmin else {}),
              **({"System.Threading.ThreadPool.MaxThreads": int(tmax)} if tmax else {}),
              **({"System.Threading.ThreadPool.UnfairSemaphoreSpinLimit": int(spin)} if spin else {})}
    with open(dst + ".env", "w") as f:
        for key, value in chosen.items():
            f.write(f"DOTNET_{env[key]}={int(value):x}\n")
PY
  echo "$file"
}

# bench_start_server [KEY=VALUE ...]: our server in $BENCH_NS on $BENCH_ADDR (default 127.0.0.1), P2P off, join limits
# raised; sets SERVER_PID.
# MaxMessageBytes is raised: an answer carries every m= section (about 1 KiB each, 2 per other participant), so a
# large-meeting of 60 answers about 120 KiB, over the default 64 KiB. SendQueueLength is raised: every join sends a participant-joined to every member, and with the default 256 queued
# signaling messages a member whose WebSocket reader falls behind during a join storm is disconnected.
bench_start_server() {
  local config; config=$(bench_runtime_config) || exit 1
  local addr=${BENCH_ADDR:-127.0.0.1}
  # shellcheck disable=SC2086
  (cd "$(dirname "$SERVER_DLL")" && exec ip netns exec "$BENCH_NS" env Sfu__Http__Listen=http://$addr:$BENCH_HTTP_PORT Sfu__Udp__Port=$BENCH_UDP_PORT \
    Sfu__Udp__BindAddress=$addr Sfu__Udp__AnnouncedAddresses__0=$addr Sfu__Udp__AutoDetectAddresses=false Sfu__P2PEnabled=false \
    Sfu__Limits__MaxParticipantsPerRoom=5000 Sfu__Limits__JoinsPerIpPerMinute=1000000 Sfu__Limits__ConnectionsPerIp=1000000 \
    Sfu__Limits__SendQueueLength=100000 Sfu__Limits__MaxMessageBytes=393216 \
    Logging__LogLevel__Default=Warning ${BENCH_SERVER_ENV:-} "$@" \
    $(bench_server_command "$config")) >> "$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 150); do
    ip netns exec "$BENCH_NS" python3 -c "import urllib.request;urllib.request.urlopen('http://$addr:$BENCH_HTTP_PORT/healthz/live',timeout=1)" 2>/dev/null && { bench_media_nice "$SERVER_PID" 'dwr-udp*|dwr-send*'; return 0; }
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "server did not start (see $OUT/server.log)" >&2; exit 1
}

# bench_server_command CONFIG: how the server process is started (printed words): the native executable with the
# levers' DOTNET_ variables for BENCH_JIT=aot, otherwise `dotnet exec` with the written runtimeconfig.
bench_server_command() {
  if [ "$BENCH_JIT" = aot ]; then
    echo "$(cat "$1.env" 2>/dev/null) ${SERVER_DLL%.dll}"
  else
    echo "dotnet exec --runtimeconfig $1 $SERVER_DLL"
  fi
}

bench_stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 25); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

# bench_generator ARGS...: the load generator in $BENCH_NS against the running server (its CPU sampled by pid), killed
# after BENCH_TIMEOUT seconds if set (the generator's own -d bound should end it first).
bench_generator() {
  # shellcheck disable=SC2086
  ip netns exec "$BENCH_NS" ${BENCH_TIMEOUT:+timeout $BENCH_TIMEOUT} env DOTNET_gcServer=0 ${BENCH_GEN_WRAP:-} dotnet "$DLL" "$@" \
    --target server --server-url "ws://127.0.0.1:$BENCH_HTTP_PORT/ws" --server-pid "$SERVER_PID"
}

bench_loadavg() { cut -d' ' -f1 /proc/loadavg; }

# bench_check_quiet MAX: refuse when the 1-minute load average is above MAX, unless BENCH_FORCE=1 (then warn loudly).
bench_check_quiet() {
  local load; load=$(bench_loadavg)
  if python3 -c "import sys; sys.exit(0 if float('$load') <= float('$1') else 1)"; then return 0; fi
  echo "!!! load average $load is above $1: other work is running, figures would not be comparable." >&2
  if [ "${BENCH_FORCE:-0}" = 1 ]; then echo "!!! BENCH_FORCE=1: measuring anyway; the table records the load average." >&2; return 0; fi
  echo "!!! stop the other work (or set BENCH_FORCE=1 to measure anyway)." >&2; exit 2
}

# bench_start_janus NS_C NS_J: Janus 1.1.2 VideoRoom in a new namespace NS_J (veth r0 10.77.0.2/24), reachable from a
# new namespace NS_C (veth h0 10.77.0.1/24) where the generator runs; sets JANUS_PID. libnice in Janus does not gather
# on lo, hence the veth pair (../shared/TESTING-NOTES.md §4). Configuration in $OUT/janus-conf: VideoRoom + HTTP only,
# no event handlers, no JSON logger. The caller kills JANUS_PID and deletes both namespaces.
bench_start_janus() {
  local ns_c=$1 ns_j=$2
  command -v janus >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq janus; }
  ip netns add "$ns_c"; ip netns add "$ns_j"
  ip link add h0 netns "$ns_c" type veth peer name r0 netns "$ns_j"
  ip -n "$ns_c" addr add 10.77.0.1/24 dev h0; ip -n "$ns_j" addr add 10.77.0.2/24 dev r0
  for ns in "$ns_c" "$ns_j"; do ip -n "$ns" link set lo up; done
  ip -n "$ns_c" link set h0 up; ip -n "$ns_j" link set r0 up
  local conf=$OUT/janus-conf plugdir trdir dis_plug dis_tr
  rm -rf "$conf"; cp -r /etc/janus "$conf"
  plugdir=$(dirname "$(dpkg -L janus | grep libjanus_videoroom.so | head -1)")
  trdir=$(dirname "$(dpkg -L janus | grep libjanus_http.so | head -1)")
  dis_plug=$(ls "$plugdir" | grep '\.so$' | grep -v videoroom | paste -sd, -)
  dis_tr=$(ls "$trdir" | grep '\.so$' | grep -v 'libjanus_http.so' | paste -sd, -)
  python3 - "$conf/janus.jcfg" "$dis_plug" "$dis_tr" <<'PY'
import sys, re
p, plug, tr = sys.argv[1:4]
s = open(p).read()
s = re.sub(r'plugins: \{', 'plugins: {\n\tdisable = "%s"' % plug, s, count=1)
s = re.sub(r'transports: \{', 'transports: {\n\tdisable = "%s"' % tr, s, count=1)
s = re.sub(r'loggers: \{', 'loggers: {\n\tdisable = "libjanus_jsonlog.so"', s, count=1)
s = re.sub(r'events: \{', 'events: {\n\tbroadcast = false', s, count=1)
open(p, 'w').write(s)
PY
  ip netns exec "$ns_j" janus -F "$conf" -E r0 -o -d 3 > "$OUT/janus.log" 2>&1 &
  JANUS_PID=$!
  for _ in $(seq 50); do
    ip netns exec "$ns_c" python3 -c "import urllib.request;urllib.request.urlopen('http://10.77.0.2:8088/janus/info',timeout=1)" 2>/dev/null && break
    sleep 0.2
  done
  bench_media_nice "$JANUS_PID" '*'
}

# bench_media_nice PID PATTERN: with BENCH_MEDIA_NICE set, the threads of PID whose name matches PATTERN get that nice
# (threads they start later inherit it). Why: on a machine the load generator shares, a socket wake-up places the
# server's receive thread on the waking generator thread's core (the kernel's sync wake-affine), where it waits until
# the generator has sent the rest of a video frame; measured with DWR_PATH_TRACE, the first packet of a frame reached
# our receive loop ~150-330 us later than an audio packet. A real publisher is on another machine. Same lever for Janus.
bench_media_nice() {
  [ -n "${BENCH_MEDIA_NICE:-}" ] || return 0
  local t comm pattern patterns
  # One pattern per '|': a '|' that comes from an expansion is not case's alternation, so 'dwr-udp*|dwr-send*' as one
  # pattern matched no thread name and our threads kept nice 0 while Janus's (pattern '*') were reniced.
  IFS='|' read -r -a patterns <<< "$2"
  for t in /proc/"$1"/task/*; do
    comm=$(cat "$t/comm" 2>/dev/null) || continue
    for pattern in "${patterns[@]}"; do
      # shellcheck disable=SC2254
      case $comm in $pattern) renice -n "$BENCH_MEDIA_NICE" -p "${t##*/}" >/dev/null 2>&1 || true; break;; esac
    done
  done
}

# bench_stop_janus NS_C NS_J: stops Janus (JANUS_PID) and our server, deletes both namespaces.
bench_stop_janus() {
  [ -n "$JANUS_PID" ] && kill "$JANUS_PID" 2>/dev/null && wait "$JANUS_PID" 2>/dev/null || true
  JANUS_PID=""
  bench_stop_server
  ip netns del "$1" 2>/dev/null || true
  ip netns del "$2" 2>/dev/null || true
}
