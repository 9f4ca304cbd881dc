#!/usr/bin/env python3
"""A live target for bench/live_stop_bench.sh: build about N objects with
bench/mkheap.py's heap shape, then keep running with a heartbeat thread that
wakes every millisecond and remembers the longest gap between two wake-ups.
That gap is how long the process could not run: a ptrace stop shows up in it
whole, measured by the target itself rather than guessed from outside.

    python3 live_target.py N STATUS_FILE [THREADS]

Prints "READY pid=PID rss_kib=KIB" when the heap is built. On SIGUSR1 it
writes the longest gap since the last SIGUSR1 (ms) to STATUS_FILE and starts
a new measurement. SIGTERM ends it. THREADS (default 0) more threads wait
on an event, idle, as a server's pool of workers does: each has a stack
of which it touched a few KiB.
"""
import gc
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkheap  # noqa: E402

n = int(float(sys.argv[1]))
status = sys.argv[2]
nthreads = int(sys.argv[3]) if len(sys.argv) > 3 else 0
mkheap.build(n)
gc.collect()
longest = [0.0]


def beat():
    last = time.monotonic()
    while True:
        time.sleep(0.001)
        now = time.monotonic()
        if now - last > longest[0]:
            longest[0] = now - last
        last = now


def report(signum, frame):
    with open(status + ".tmp", "w") as f:
        f.write("%.3f\n" % (longest[0] * 1000))
    os.rename(status + ".tmp", status)
    longest[0] = 0.0


signal.signal(signal.SIGUSR1, report)
threading.Thread(target=beat, daemon=True).start()
idle = threading.Event()
for _ in range(nthreads):
    threading.Thread(target=idle.wait, daemon=True).start()
print("READY pid=%d rss_kib=%d" % (os.getpid(), mkheap.rss_kib()["VmRSS"]),
      flush=True)
while True:
    time.sleep(3600)
