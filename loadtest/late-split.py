#!/usr/bin/env python3
"""Whose stall a latency tail is, from the load generator's --late-log CSV (measured window only).

Usage: loadtest/late-split.py LATE.csv [GAP_MS]
Late packets closer than GAP_MS (50) in time make one stall. For each stall: its start, length, packets, the worst
latency, how many probes and generator receive threads it hit. Then the split of all late packets:
  - late at the kernel (kernel_ms >= the threshold): the server (or loopback delivery in its send) held them;
  - on time at the kernel, late when read: the generator's receive thread read them late;
  - kernel_ms unknown: the run had no DWR_PATH_TRACE=1.
A stall that hits exactly the probes of one receive thread and is on time at the kernel is the generator's; one that is
late at the kernel is the server's (a subset of probes then points at the server's send partition that serves them)."""
import csv
import sys
from collections import Counter


def main():
    path = sys.argv[1]
    gap = float(sys.argv[2]) if len(sys.argv) > 2 else 50.0
    with open(path) as f:
        first = f.readline()
        threshold = float(first.split(">=")[1].split("ms")[0])
        window = first.split("t_ms")[-1].strip()
        window_from = float(window) if window not in ("", "NaN") else 0.0
        rows = [r for r in csv.DictReader(line for line in f if not line.startswith("#"))]
    rows = [r for r in rows if float(r["t_ms"]) >= window_from]
    if not rows:
        print("no late packets in the measured window")
        return
    stalls, current = [], []
    for r in rows:
        if current and float(r["t_ms"]) - float(current[-1]["t_ms"]) > gap:
            stalls.append(current)
            current = []
        current.append(r)
    stalls.append(current)
    threads_of = {}
    for r in rows:
        threads_of.setdefault(r["subscriber"], set()).add(r.get("thread") or "?")
    print(f"{len(rows)} packets late by >= {threshold:g} ms in the window, in {len(stalls)} stalls (gap {gap:g} ms)")
    print("start_ms  length_ms  packets  worst_ms  probes  threads  late_at_kernel")
    for s in stalls:
        kernel_late = sum(1 for r in s if r.get("kernel_ms") and float(r["kernel_ms"]) >= threshold)
        known = sum(1 for r in s if r.get("kernel_ms"))
        print(f"{float(s[0]['t_ms']):9.1f} {float(s[-1]['t_ms']) - float(s[0]['t_ms']):9.1f} {len(s):8d} {max(float(r['latency_ms']) for r in s):9.1f}"
              f" {len({r['subscriber'] for r in s}):7d} {len({r.get('thread') or '?' for r in s}):8d}  {f'{kernel_late}/{known}' if known else '-'}")
    sets = Counter()
    for s in stalls:
        sets[tuple(sorted({int(r["subscriber"]) for r in s}))] += len(s)
    print("late packets by the set of probes a stall hit (largest first):")
    for probes, n in sets.most_common(5):
        threads = sorted({t for p in probes for t in threads_of[str(p)]})
        print(f"  {n:8d}  {len(probes)} probes {list(probes)}  receive threads {threads}")
    kernel_late = sum(1 for r in rows if r.get("kernel_ms") and float(r["kernel_ms"]) >= threshold)
    read_late = sum(1 for r in rows if r.get("kernel_ms") and float(r["kernel_ms"]) < threshold)
    unknown = len(rows) - kernel_late - read_late
    print(f"late at the kernel (server side): {kernel_late}; on time at the kernel, read late (generator): {read_late}; unknown: {unknown}")


if __name__ == "__main__":
    main()
