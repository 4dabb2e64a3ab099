#!/usr/bin/env python3
"""watch test fixture: multi-process programs. Usage: process_tree.py MODE [SECONDS]

leak-children  spawns a `sleep` helper every 0.3 s and never stops them
leak-zombies   forks a child every 0.3 s that exits at once, never reaped
leak-in-worker a pre-fork server: 3 workers, one of which keeps 1 MiB a 0.1 s
prefork        the same, clean: workers allocate and free, helpers come and go
daemon-leak    double-forks (the parent exits at once), the daemon leaks 1 MiB a 0.1 s
daemon-clean   the same daemon, allocating and freeing
"""
import os
import subprocess
import sys
import time

mode = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3600
end = time.monotonic() + seconds


def churn(leak):
    kept = []
    while time.monotonic() < end:
        block = bytearray(1 << 20)  # touched: zero-filled pages are written
        if leak:
            kept.append(block)
        time.sleep(0.1)
    os._exit(0)


def worker(leak):
    pid = os.fork()
    if pid == 0:
        churn(leak)
    return pid


if mode == "leak-children":
    helpers = []
    while time.monotonic() < end:
        helpers.append(subprocess.Popen(["sleep", str(seconds)]))
        time.sleep(0.3)
elif mode == "leak-zombies":
    while time.monotonic() < end:
        if os.fork() == 0:
            os._exit(0)
        time.sleep(0.3)
elif mode in ("leak-in-worker", "prefork"):
    workers = [worker(mode == "leak-in-worker" and i == 1) for i in range(3)]
    while time.monotonic() < end:
        subprocess.run(["true"])  # a helper process that comes and goes
        time.sleep(0.5)
elif mode in ("daemon-leak", "daemon-clean"):
    if os.fork() > 0:
        os._exit(0)  # the parent returns to the shell at once
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    churn(mode == "daemon-leak")
else:
    sys.exit("unknown mode " + mode)
