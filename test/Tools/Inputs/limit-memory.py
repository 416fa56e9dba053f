"""Runs a command with its address space limited, like `ulimit -v`.

  limit-memory.py MEGABYTES COMMAND...

Exits with the command's status.
"""
import resource
import subprocess
import sys

limit = int(sys.argv[1]) << 20


def apply_limit():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


sys.exit(subprocess.run(sys.argv[2:], preexec_fn=apply_limit).returncode)
