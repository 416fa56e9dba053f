"""Runs a command under a range of address-space limits and reports how
each run ended.

  memory-sweep.py FIRST_MB LAST_MB STEP_MB COMMAND...

Prints one line per limit: "<MB> exit <status>" or "<MB> signal <number>",
then the distinct error lines the runs printed, sorted.
"""
import resource
import subprocess
import sys

first, last, step = (int(v) for v in sys.argv[1:4])
errors = set()
for mb in range(first, last + 1, step):
    def apply_limit(mb=mb):
        resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))
    run = subprocess.run(sys.argv[4:], preexec_fn=apply_limit,
                         capture_output=True, text=True)
    if run.returncode < 0:
        print(mb, "signal", -run.returncode)
    else:
        print(mb, "exit", run.returncode)
    errors.update(line for line in run.stderr.splitlines() if "error" in line)
for line in sorted(errors):
    print(line)
