#!/usr/bin/env python3
"""Comparisons of two runs, with the tolerances the tests state.

usage: compare.py losses A.log B.log TOLERANCE
       compare.py arrays A.npy B.npy TOLERANCE
       compare.py checkpoints A.safetensors B.safetensors TOLERANCE
       compare.py w2 EVAL_OUTPUT MAX

`losses` compares the `step N/M loss X` lines of two training runs step by
step; `arrays` the largest absolute difference of two .npy files;
`checkpoints` that of two f32 safetensors files, tensor by tensor; `w2`
reads `W2 X` from `fm-exec eval`'s output. Each prints what it measured and
exits 1 past the bound.
"""
import json
import re
import struct
import sys

import numpy as np


def losses(a, b, tolerance):
    read = lambda path: [float(v) for v in re.findall(
        r"^step \d+/\d+ loss ([-+0-9.eEinfa]+)", open(path).read(), re.M)]
    x, y = read(a), read(b)
    if not x or len(x) != len(y):
        sys.exit("different runs: %d and %d logged steps" % (len(x), len(y)))
    worst = max(abs(p - q) for p, q in zip(x, y))
    print("%d steps, largest loss difference %.2e (bound %.1e)" %
          (len(x), worst, tolerance))
    return worst <= tolerance


def arrays(a, b, tolerance):
    x, y = np.load(a), np.load(b)
    if x.shape != y.shape:
        sys.exit("shapes differ: %s and %s" % (x.shape, y.shape))
    worst = float(np.max(np.abs(x.astype(np.float64) - y)))
    print("%s, largest difference %.2e (bound %.1e)" % (x.shape, worst,
                                                        tolerance))
    return worst <= tolerance


def read_safetensors(path):
    data = open(path, "rb").read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    body = data[8 + size:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            sys.exit("%s: %s is %s, not F32" % (path, name, info["dtype"]))
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(body[begin:end], dtype="<f4").reshape(
            info["shape"])
    return tensors


def checkpoints(a, b, tolerance):
    x, y = read_safetensors(a), read_safetensors(b)
    if x.keys() != y.keys():
        sys.exit("different tensors: %s and %s" % (sorted(x), sorted(y)))
    worst = 0.0
    for name in x:
        if x[name].shape != y[name].shape:
            sys.exit("%s: shapes differ: %s and %s" %
                     (name, x[name].shape, y[name].shape))
        worst = max(worst, float(np.max(np.abs(
            x[name].astype(np.float64) - y[name]), initial=0.0)))
    print("%d tensors, largest difference %.2e (bound %.1e)" %
          (len(x), worst, tolerance))
    return worst <= tolerance


def w2(path, bound):
    match = re.search(r"^W2 ([0-9.]+)", open(path).read(), re.M)
    if not match:
        sys.exit("no W2 in " + path)
    value = float(match.group(1))
    print("W2 %.4f (bound %.2f)" % (value, bound))
    return value <= bound


if __name__ == "__main__":
    check = {"losses": losses, "arrays": arrays, "checkpoints": checkpoints,
             "w2": w2}[sys.argv[1]]
    sys.exit(0 if check(sys.argv[2], sys.argv[3], float(sys.argv[4])) else 1)
