#!/usr/bin/env python3
"""Feeds fm-opt mangled versions of valid programs and checks it never crashes.

usage: fuzz-fm-opt.py FM_OPT FILE...

For every input file: truncations at regular offsets, deterministic random
byte substitutions, and random garbage. Each variant is parsed, verified and
run through --fm-cpu-pipeline. fm-opt must exit 0 (the variant is still a
valid program) or 1 with an "error:" diagnostic; any other exit status
(a signal, an abort, a timeout) fails the test.
"""
import concurrent.futures
import os
import random
import subprocess
import sys
import tempfile


def variants(data, rng):
    step = max(1, len(data) // 40)
    for cut in range(0, len(data), step):
        yield "truncated at byte %d" % cut, data[:cut]
    for i in range(40):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(mutated))
            mutated[pos] = rng.choice(b"%#<>(){}[]:,=0123456789.-xfe\"\x00\xff ")
        yield "mutation %d" % i, bytes(mutated)
    for i in range(10):
        yield "garbage %d" % i, bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))


def run(fm_opt, path, name):
    try:
        proc = subprocess.run([fm_opt, path, "--fm-cpu-pipeline", "-o", os.devnull],
                              capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "%s: timed out" % name
    if proc.returncode == 0:
        return None
    if proc.returncode == 1 and b"error:" in proc.stderr:
        return None
    return "%s: exit status %d\n%s" % (name, proc.returncode,
                                       proc.stderr.decode(errors="replace")[-2000:])


def main():
    fm_opt, inputs = sys.argv[1], sys.argv[2:]
    rng = random.Random(20261124)
    failures, count = [], 0
    with tempfile.TemporaryDirectory() as tmp, \
            concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        jobs = []
        for src in inputs:
            with open(src, "rb") as f:
                data = f.read()
            for name, variant in variants(data, rng):
                path = os.path.join(tmp, "case%d.mlir" % count)
                with open(path, "wb") as f:
                    f.write(variant)
                jobs.append(pool.submit(run, fm_opt, path,
                                        "%s, %s" % (os.path.basename(src), name)))
                count += 1
        failures = [r for r in (j.result() for j in jobs) if r]
    for failure in failures:
        print("FAIL:", failure)
    print("%d variants, %d crashed or misbehaved" % (count, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
