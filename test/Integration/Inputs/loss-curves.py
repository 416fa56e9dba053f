#!/usr/bin/env python3
"""Compares two training runs' loss curves (the `step N/M loss X` lines).

usage: loss-curves.py A.log B.log WINDOW WINDOW_TOLERANCE POINT_TOLERANCE

Passes when the mean losses over consecutive windows of WINDOW steps agree
within WINDOW_TOLERANCE (relative) and every step's losses within
POINT_TOLERANCE (absolute); prints the largest differences either way.
"""
import re
import sys


def read(path):
    return [float(v) for v in re.findall(
        r"^step \d+/\d+ loss ([0-9.eE+-]+)", open(path).read(), re.M)]


def main():
    a, b = read(sys.argv[1]), read(sys.argv[2])
    window = int(sys.argv[3])
    window_tol, point_tol = float(sys.argv[4]), float(sys.argv[5])
    if not a or len(a) != len(b):
        sys.exit("different runs: %d and %d logged steps" % (len(a), len(b)))
    worst_window = max(
        abs(sum(a[i:i + window]) - sum(b[i:i + window])) / sum(a[i:i + window])
        for i in range(0, len(a), window))
    worst_point = max(abs(x - y) for x, y in zip(a, b))
    print("%d steps: windows of %d within %.1e (bound %.1e), steps within "
          "%.1e (bound %.1e)" % (len(a), window, worst_window, window_tol,
                                 worst_point, point_tol))
    sys.exit(0 if worst_window <= window_tol and worst_point <= point_tol
             else 1)


if __name__ == "__main__":
    main()
