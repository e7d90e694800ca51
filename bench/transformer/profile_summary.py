#!/usr/bin/env python3
"""Sums a chrome trace of torch's op profiler (transformer_bench train --profile FILE) per op name: self time
(the op's time less the ops it called), the share of all self time, and calls. Usage: profile_summary.py FILE [top=30]"""
import collections
import json
import sys

trace = json.load(open(sys.argv[1]))
events = [e for e in (trace["traceEvents"] if isinstance(trace, dict) else trace) if e.get("ph") == "X"]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 30
# Self time: an event's duration less that of the events nested directly in it (same thread, inside its span).
by_thread = collections.defaultdict(list)
for e in events:
    by_thread[e.get("tid")].append(e)
self_us = collections.Counter()
calls = collections.Counter()
for evs in by_thread.values():
    evs.sort(key=lambda e: (e["ts"], -e["dur"]))
    stack = []  # [event, children's time]
    def close(item):
        ev, inner = item
        self_us[ev["name"]] += ev["dur"] - inner
        calls[ev["name"]] += 1
        if stack:
            stack[-1][1] += ev["dur"]
    for e in evs:
        while stack and stack[-1][0]["ts"] + stack[-1][0]["dur"] <= e["ts"]:
            close(stack.pop())
        stack.append([e, 0.0])
    while stack:
        close(stack.pop())
total = sum(self_us.values())
print(f"total self time {total / 1e3:.1f} ms over {sum(calls.values())} op calls")
for name, us in self_us.most_common(top):
    print(f"{us / 1e3:9.1f} ms {100 * us / total:5.1f} %  {calls[name]:6d}  {name}")
