#!/usr/bin/env python3
"""Prints what fixed-costs.sh sampled, per forwarded packet: context switches per thread group, syscalls by kind
(and per thread group), CPU. Usage: fixed-costs-table.py OUT_DIR"""
import json, os, re, sys
from collections import defaultdict

out = sys.argv[1]


def group(name):
    # dwr-udp-7992 -> dwr-udp, .NET_TP_Worker -> .NET_TP_Worker, janus threads keep their names minus trailing digits
    return re.sub(r"[-_ ]?\d+$", "", name.replace(" ", "_"))


def threads(path):
    t, rows = 0.0, {}
    for line in open(path):
        f = line.split()
        if f[0] == "T":
            t = float(f[1])
        else:
            rows[f[0]] = (f[1], int(f[2]), int(f[3]), int(f[4]))
    return t, rows


def syscalls(path):
    per = defaultdict(lambda: defaultdict(int))
    current = None
    for line in open(path):
        m = re.match(r"^ (.+) \((\d+)\), \d+ events", line)
        if m:
            current = group(m.group(1))
            continue
        m = re.match(r"^\s+([a-z_0-9]+)\s+(\d+)\s+\d+\s+[\d.]+", line)
        if m and current:
            per[current][m.group(1)] += int(m.group(2))
    return per


for label in ("ours", "janus"):
    if not os.path.exists(os.path.join(out, f"{label}.threads.after")):
        continue
    r = json.load(open(os.path.join(out, f"{label}.json")))
    t0, before = threads(os.path.join(out, f"{label}.threads.before"))
    t1, after = threads(os.path.join(out, f"{label}.threads.after"))
    seconds = t1 - t0
    packets = r["ForwardedPacketsPerSecond"] * seconds
    print(f"== {label}: {r['ForwardedPacketsPerSecond']:.0f} forwarded pkt/s, window {seconds:.2f} s = {packets:.0f} packets; "
          f"run: {r['CpuMicrosPerForwardedPacket']:.2f} CPU-µs/pkt, loss {r['LossPercent']} %, p50 {r['LatencyMsP50']} ms")
    g = defaultdict(lambda: [0, 0, 0])
    for tid, (name, vol, invol, ticks) in after.items():
        b = before.get(tid, (name, 0, 0, 0))
        d = g[group(name)]
        d[0] += vol - b[1]; d[1] += invol - b[2]; d[2] += ticks - b[3]
    tot = [sum(v[i] for v in g.values()) for i in range(3)]
    print(f"  {'thread group':<22}{'vol cs/pkt':>12}{'invol cs/pkt':>14}{'CPU-µs/pkt':>12}")
    for name, (vol, invol, ticks) in sorted(g.items(), key=lambda kv: -(kv[1][0] + kv[1][2])):
        if vol + invol + ticks == 0:
            continue
        print(f"  {name:<22}{vol / packets:>12.3f}{invol / packets:>14.3f}{ticks * 1e4 / packets:>12.2f}")
    print(f"  {'total':<22}{tot[0] / packets:>12.3f}{tot[1] / packets:>14.3f}{tot[2] * 1e4 / packets:>12.2f}")
    sc = syscalls(os.path.join(out, f"{label}.trace"))
    kinds = defaultdict(int)
    for per in sc.values():
        for k, n in per.items():
            kinds[k] += n
    print(f"  syscalls per forwarded packet: {sum(kinds.values()) / packets:.3f} total")
    for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:12]:
        who = ", ".join(f"{t} {per[k] / packets:.3f}" for t, per in sorted(sc.items(), key=lambda kv: -kv[1].get(k, 0)) if per.get(k))
        print(f"    {k:<16}{n / packets:>8.3f}   ({who})")
