"""Runs a training command, sends it a signal once it reports a step, and
prints how it ended.

  interrupt.py SIGNAL COMMAND...

SIGNAL is INT or TERM. Prints "exit N", then the command's last line on
stderr.
"""
import signal
import subprocess
import sys

number = getattr(signal, "SIG" + sys.argv[1])
proc = subprocess.Popen(sys.argv[2:], stderr=subprocess.PIPE, text=True)
lines = []
for line in proc.stderr:
    lines.append(line.rstrip("\n"))
    if line.startswith("step "):
        proc.send_signal(number)
        break
lines += proc.stderr.read().splitlines()
print("exit", proc.wait())
print(lines[-1] if lines else "<no output>")
