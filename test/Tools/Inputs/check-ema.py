"""Checks fm-run's --ema against its recurrence.

usage: check-ema.py DECAY P1 P2 EMA1 EMA2

P1 and P2 are the checkpoints after 1 and 2 steps without --ema; EMA1 and
EMA2 the same runs with --ema DECAY. The average starts at the initial
parameters p0 and follows a <- d·a + (1 − d)·p after each step, so
  ema1 = d·p0 + (1 − d)·p1           (which gives p0), and
  ema2 = d·ema1 + (1 − d)·p2.
Prints how many values of the average differ from the last iterate, and
whether the largest deviation from the second identity is within float32
rounding of the update (1e-6 on values of order 1), with that deviation.
"""
import json
import struct
import sys


def load(path):
    data = open(path, "rb").read()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    base = 8 + size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        count = (end - begin) // 4
        tensors[name] = struct.unpack("<%df" % count, data[base + begin:base + end])
    return tensors, header.get("__metadata__", {})


d = float(sys.argv[1])
p1, _ = load(sys.argv[2])
p2, _ = load(sys.argv[3])
e1, meta1 = load(sys.argv[4])
e2, _ = load(sys.argv[5])
worst = 0.0
for name in p1:
    for a1, a2, b1, b2 in zip(p1[name], p2[name], e1[name], e2[name]):
        worst = max(worst, abs(b2 - (d * b1 + (1 - d) * a2)))
# The averaged model is not the last iterate.
differing = sum(a != b for name in p2 for a, b in zip(p2[name], e2[name]))
print("ema", meta1.get("fm.ema"), "differs from last iterate",
      differing > 0, "(%d values)" % differing, "recurrence ok",
      worst < 1e-6, "(max deviation %.3g)" % worst)
