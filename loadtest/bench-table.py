#!/usr/bin/env python3
"""The table of bench-all.sh: every headline figure of issue #16 with its same-run reference, the ratio and the goal.
Reads the run folder; a figure whose run failed or was skipped shows as "-" (never invented)."""
import glob, json, os, re, statistics, sys

out, started, load_start, load_end, gc, jit, smoke, ls_n, lm_n, au_n, idle_a, idle_b, storm_n, storm_s, took_s = sys.argv[1:16]
smoke = smoke == "1"


def med(values):
    values = [v for v in values if isinstance(v, (int, float)) and v == v]
    return statistics.median(values) if values else None


def grep(pattern, files, conv=float):
    found = []
    for f in sorted(glob.glob(os.path.join(out, files))):
        for line in open(f, errors="replace"):
            m = re.search(pattern, line)
            if m:
                found.append(conv(m.group(1)))
    return found


def load(name):
    p = os.path.join(out, name)
    return json.load(open(p)) if os.path.exists(p) else None


def fmt(v, digits=3):
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    if isinstance(v, str):
        return v
    return f"{v:,.{digits}g}" if abs(v) < 1e4 else f"{v:,.0f}"


rows = []  # figure, ours, reference, ratio, goal, met


def row(figure, ours, ref, goal, better, ratio=None):
    """A figure against a same-run reference: met when ours/ref is >= goal ('higher') or <= goal ('lower')."""
    if ratio is None and ours is not None and ref not in (None, 0) and isinstance(ref, (int, float)):
        ratio = ours / ref
    met = "-"
    if ratio is not None and goal is not None and better:
        met = "yes" if (ratio >= goal if better == "higher" else ratio <= goal) else "MISSED"
    rows.append((figure, fmt(ours), fmt(ref), fmt(ratio), "-" if goal is None else f"ratio {'>=' if better == 'higher' else '<='} {goal:g}", met))


def absolute(figure, ours, goal, unit):
    """A figure with an absolute goal and no same-run reference: met when ours <= goal."""
    if not isinstance(ours, (int, float)):
        ours = None  # the generator writes "NaN" when the phase never completed (not every subscriber connected)
    met = "-" if ours is None or ours != ours else ("yes" if ours <= goal else "MISSED")
    rows.append((figure, fmt(ours), "-", "-", f"<= {goal:g} {unit}", met))


# 1. forwarding path
fb = grep(r"RESULT forward-bench .* out_pps=(\d+)", "fb-[0-9]*.txt")
ref = [k * 1000 for k in grep(r"RESULT fwd .*median (\d+) k out-pkt/s", "ref-*.txt")]
fb_pps, ref_pps = med(fb), med(ref)
row(f"forwarding path, out-pkt/s on 1 core (forward-bench -s 10, {len(fb)} rounds) vs reference fwd 1 10 gcm-native sendmmsg", fb_pps, ref_pps, 1.0, "higher")
fb_us = 1e6 / fb_pps if fb_pps else None
lat = {f: (p99, p50) for f, p50, p99 in
       [(float(a), float(b), float(c)) for a, b, c in re.findall(r"LATENCY fraction=([\d.]+) .*p50_us=(\d+) p99_us=(\d+)", open(os.path.join(out, "fb-latency.txt")).read())]} if os.path.exists(os.path.join(out, "fb-latency.txt")) else {}
for frac, goal_ms in ((0.5, 2.0), (0.8, 10.0)):
    p99 = lat.get(frac, (None, None))[0]
    absolute(f"in->out latency p99 ms at {frac:.0%} of saturation (forward-bench --latency)", p99 / 1000 if p99 is not None else None, goal_ms, "ms")

# 2. Janus
def runs(prefix):
    return [json.load(open(p)) for p in sorted(glob.glob(os.path.join(out, "janus", f"{prefix}-*.json")))]
ours, janus = runs("ours"), runs("janus")
def m(rs, k): return med([r.get(k) for r in rs])
row("Janus scenario (meeting -n 6): server CPU-us per forwarded packet, ours vs Janus", m(ours, "CpuMicrosPerForwardedPacket"), m(janus, "CpuMicrosPerForwardedPacket"), 0.35, "lower")
row("Janus scenario: latency p50 ms, ours vs Janus", m(ours, "LatencyMsP50"), m(janus, "LatencyMsP50"), 1.0, "lower")
row("Janus scenario: latency p99 ms, ours vs Janus", m(ours, "LatencyMsP99"), m(janus, "LatencyMsP99"), 1.0, "lower")
row("Janus scenario: server RSS MB, ours vs Janus", m(ours, "ServerRssMb"), m(janus, "ServerRssMb"), 2.0, "lower")
row("Janus scenario: server CPU-us per forwarded packet vs forward-bench us per out-packet", m(ours, "CpuMicrosPerForwardedPacket"), fb_us, 1.5, "lower")

# 3. scenarios: the goal size holds the quality bar (loss < 0.1 %, p99 < 20 ms) with everyone connected
def quality(j, n):
    if not j:
        return None, "-"
    ok = j["Connected"] >= j["Planned"] and j["LossPercent"] < 0.1 and j["LatencyMsP99"] < 20 and j["Probes"] > 0
    note = (f"{j['Connected']}/{j['Planned']} connected, loss {j['LossPercent']:.3g} %, p99 {j['LatencyMsP99']:.3g} ms on {j['Probes']} probes, "
            f"server CPU {j['ServerCpuPercent']:.0f} %, fwd {j['ForwardedPacketsPerSecond']:,.0f} pkt/s, measured {j.get('MeasuredSeconds', float('nan')):.0f} s")
    return (n if ok else 0), note

def swept(name, n):
    """(size, json) of every size bench-all's sweep ran for NAME (NAME-SIZE.json), else the single run NAME.json at n."""
    runs = sorted((int(m.group(1)), p) for p in glob.glob(os.path.join(out, f"{name}-*.json"))
                  if (m := re.fullmatch(re.escape(name) + r"-(\d+)\.json", os.path.basename(p))))
    if runs:
        return [(size, json.load(open(p))) for size, p in runs]
    j = load(f"{name}.json")
    return [(n, j)] if j else []

notes = []
for name, n, livekit, goal, what in (("livestream", int(ls_n), 408, 1500, "subscribers"), ("large-meeting", int(lm_n), 19, 60, "participants"), ("audio", int(au_n), None, 2000, "subscribers")):
    tried = swept(name, n)
    j = tried[-1][1] if tried else None
    held = None
    for size, run in tried:
        ok, note = quality(run, size)
        held = max(held or 0, ok or 0)
        notes.append(f"- {name} at {size}: {note}")
    sizes = ", ".join(str(size) for size, _ in tried) or str(n)
    rows.append((f"{name}: {what} held at the quality bar (tried {sizes}; LiveKit per 2 vCPU {livekit or '-'})", fmt(held), fmt(livekit), fmt(held / livekit if held is not None and livekit else None),
                 f">= {goal} {what}", "-" if held is None else ("yes" if held >= goal else "MISSED")))
    n = tried[-1][0] if tried else n  # the largest size run (the sweep stops at the first miss)
    if name == "large-meeting" and j:
        row("large-meeting: server CPU-us per forwarded packet vs forward-bench us per out-packet", j.get("CpuMicrosPerForwardedPacket"), fb_us, 1.5, "lower")
    if name == "livestream" and j:
        absolute(f"joins: seconds until all {n} livestream subscribers connected (DTLS included; {j['Connected']} of {j['Planned']} connected)", j.get("JoinPhaseSeconds"), 60.0, "s")

j = load("join-storm.json")
if j:
    storm_took = j["JoinPhaseSeconds"] - 5 if j.get("JoinPhaseSeconds") == j.get("JoinPhaseSeconds") else None
    running_loss = j.get("LossPercentByRoom", {}).get("0")
    absolute(f"join storm: seconds until {storm_n} joins planned within {storm_s} s, 256 at a time (a mass reconnect), were all connected ({j['Connected']} of {j['Planned']} connected)", storm_took, 10.0, "s")
    absolute("join storm: loss % of the meeting already running (room 0, its probes)", running_loss, 0.0, "%")
    lat = j.get("LatencyMsByRoom", {})
    storm_p99 = lat.get("1", [None, None])[1]
    row(f"join storm: latency p99 ms of the meeting already running (room 0, its probes; the storm's room 1: {fmt(storm_p99)} ms)",
        lat.get("0", [None, None])[1], None, None, None)
else:
    absolute(f"join storm: seconds until {storm_n} joins planned within {storm_s} s were all connected", None, 10.0, "s")

# 4. idle RSS
a, b = load("idle-a.json"), load("idle-b.json")
per = (b["ServerRssMb"] - a["ServerRssMb"]) * 1024 / (int(idle_b) - int(idle_a)) if a and b else None
absolute(f"server RSS KB per additional subscriber ({idle_a} -> {idle_b} listeners of one microphone)", per, 150.0, "KB")
# 5. one room's fan-out on 2 cores: 2-core / 1-core of ours (send workers) next to the reference's fwd 2 / fwd 1
fb2 = med(grep(r"RESULT forward-bench .* out_pps=(\d+)", "fbw2-*.txt"))
ref2 = med([k * 1000 for k in grep(r"RESULT fwd .*median (\d+) k out-pkt/s", "fwd2-*.txt")])
ours_scaling = fb2 / fb_pps if fb2 and fb_pps else None
ref_scaling = ref2 / ref_pps if ref2 and ref_pps else None
rows.append(("one room's fan-out, out-pkt/s 2 cores / 1 core (forward-bench --workers 2 --cores 2 / --workers 1) vs reference fwd 2 / fwd 1",
             fmt(ours_scaling), fmt(ref_scaling), fmt(ours_scaling / ref_scaling if ours_scaling and ref_scaling else None), ">= 1.8 (ours)",
             "-" if ours_scaling is None else ("yes" if ours_scaling >= 1.8 else "MISSED")))

# 6. the script itself (issue #16 item 7: every headline figure in <= 15 minutes), builds included: bash's SECONDS
absolute("bench-all.sh: minutes from its start to this table (builds, reference and every scenario included)", int(took_s) / 60, 15.0, "min")

print(f"\n### Capacity figures, {started}{' (SMOKE: tiny sizes, not figures)' if smoke else ''}\n")
print(f"Load average {load_start} at start, {load_end} at end; server GC `{gc}`, JIT `{jit}`; one machine, server and load generator on the same 2 cores.\n")
print("| figure | ours | reference (same run) | ratio | goal | met |")
print("|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
print()
print("\n".join(notes))
