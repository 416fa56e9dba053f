#!/usr/bin/env python3
"""Checks for the GPU execution tests, with the tolerances they state.

usage: compare.py losses A.log B.log TOLERANCE
       compare.py arrays A.npy B.npy TOLERANCE
       compare.py w2 EVAL_OUTPUT MAX

`losses` compares the `step N/M loss X` lines of two training runs step by
step; `arrays` the largest absolute difference of two .npy files; `w2`
reads `W2 X` from `fm-exec eval`'s output. Each prints what it measured and
exits 1 past the bound.
"""
import re
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


def w2(path, bound):
    match = re.search(r"^W2 ([0-9.]+)", open(path).read(), re.M)
    if not match:
        sys.exit("no W2 in " + path)
    value = float(match.group(1))
    print("W2 %.4f (bound %.2f)" % (value, bound))
    return value <= bound


if __name__ == "__main__":
    check = {"losses": losses, "arrays": arrays, "w2": w2}[sys.argv[1]]
    sys.exit(0 if check(sys.argv[2], sys.argv[3], float(sys.argv[4])) else 1)
