#!/usr/bin/env python3
"""Threads blocked in known Python frames with known locals: the oracle of
tests/integration/roots.sh (refheap's roots: frames, locals, sys.modules).

Usage:
    roots_heap.py --stop --out RECORD.json
    roots_heap.py --wait --ctl FIFO --out RECORD.json

The main thread runs  main() -> outer() -> middle() (a generator, resumed by
next()) -> inner(), each with distinctive locals (marker_*), a cell variable
(outer's cell_marker, a free variable of inner), and a worker thread blocks
in worker_main() -> worker_level2() on a lock, inside a `for` loop over an
iterator (marker_iter, also on the frame's value stack under the call).
Then, in inner(), on ONE
source line:

    snapshot = record(...); STOP()

record() writes what Python says about every thread (innermost frame first:
co_name, co_qualname, file, f_lineno, the ids of its marker_* locals; the
ids of the cells; the worker's native id; the id of sys.modules etc.) to
RECORD.json and prints "READY pid=N". STOP() is a C function, so no Python
frame is pushed and every frame stays on the line recorded:

--stop   STOP is os.kill(getpid(), SIGSTOP): the test dumps the process with
         gcore and sends SIGCONT; the sample then releases the worker and
         exits 0.
--wait   STOP is os.read() of one byte on the control FIFO (opened read-
         write, so it blocks and never sees EOF): the test reads the live
         process and then writes a byte; the sample exits 0.

The worker is known to be blocked before recording: its innermost frame is
on the acquire() line and its task is sleeping (/proc/self/task/N/stat).

Works on CPython 3.8-3.13. Standard library only. Exit status: 0 ok,
2 usage, 3 the worker never blocked (harness error).
"""
import datetime  # _datetime: an extension module with static types
import functools
import json
import os
import signal
import sys
import threading
import time

GLOBAL_MARKER = None
WORKER = {}
RELEASE = threading.Lock()


class Marker:
    def __init__(self, name):
        self.name = name


def frame_record(f):
    code = f.f_code
    markers = {}
    for name, value in f.f_locals.items():
        if name.startswith("marker_"):
            markers[name] = id(value)
    return {
        "name": code.co_name,
        "qualname": getattr(code, "co_qualname", None),
        "file": code.co_filename,
        "line": f.f_lineno,
        "markers": markers,
    }


def stack_record(f):
    frames = []
    while f is not None:
        frames.append(frame_record(f))
        f = f.f_back
    return frames


def record(out, cells):
    """Describe every thread as it is now; the caller's frame is the main
    thread's innermost one."""
    me = sys._getframe(1)
    threads = [{
        "ident": threading.get_ident(),
        "native_id": threading.get_native_id(),
        "name": threading.current_thread().name,
        "frames": stack_record(me),
    }]
    current = sys._current_frames()
    w = WORKER["thread"]
    threads.append({
        "ident": w.ident,
        "native_id": WORKER["native_id"],
        "name": w.name,
        "frames": stack_record(current[w.ident]),
    })
    rec = {
        "version": "%d.%d.%d" % sys.version_info[:3],
        "pid": os.getpid(),
        "threads": threads,
        "cells": cells,
        "sys_modules": id(sys.modules),
        "sysdict": id(sys.__dict__),
        "main_module": id(sys.modules["__main__"]),
        "sys_module": id(sys.modules["sys"]),
        "global_marker": id(GLOBAL_MARKER),
        "worker_iter": WORKER["iter"],
        "datetime_type": id(datetime.datetime),
        # Py_TPFLAGS_HEAPTYPE: False when _datetime (C) defines it statically
        "datetime_heap_type": bool(datetime.datetime.__flags__ & (1 << 9)),
    }
    with open(out, "w") as f:
        json.dump(rec, f, indent=1)
    print("READY pid=%d" % os.getpid(), flush=True)
    return rec


def worker_level2():
    marker_worker = Marker("worker")
    WORKER["native_id"] = threading.get_native_id()
    # a `for` loop's iterator sits below the blocking call's inputs on the
    # value stack: a live entry, wherever in the call the thread is
    marker_iter = iter([RELEASE])
    WORKER["iter"] = id(marker_iter)
    WORKER["ready"].set()
    for lock in marker_iter:
        lock.acquire()  # the worker blocks here
        lock.release()
    return marker_worker


def worker_main():
    marker_worker_main = Marker("worker-main")
    worker_level2()
    return marker_worker_main


def task_sleeping(native_id):
    try:
        with open("/proc/self/task/%d/stat" % native_id) as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] == "S"


def wait_worker_blocked():
    """True once the worker sleeps on the acquire() line."""
    w = WORKER["thread"]
    acquire_line = worker_level2.__code__.co_firstlineno + 9
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        f = sys._current_frames().get(w.ident)
        if (f is not None and f.f_code is worker_level2.__code__ and
                f.f_lineno == acquire_line and task_sleeping(WORKER["native_id"])):
            return True
        time.sleep(0.01)
    return False


def middle(fn, arg):
    marker_middle = Marker("middle")
    yield fn(arg)
    yield marker_middle


def outer(out, stop):
    marker_outer = Marker("outer")
    cell_marker = Marker("cell")

    def inner(x):
        marker_inner = [Marker("inner-item"), x]
        keep = cell_marker
        cells = [{"frame": "outer", "name": "cell_marker", "kind": "cell",
                  "id": id(inner.__closure__[0])},
                 {"frame": "inner", "name": "cell_marker", "kind": "free",
                  "id": id(inner.__closure__[0])}]
        snapshot = record(out, cells); stop()  # noqa: E702 (one line on purpose)
        return snapshot, keep, marker_inner

    g = middle(inner, 42)
    result = next(g)
    return result, marker_outer


def main():
    global GLOBAL_MARKER
    args = sys.argv[1:]
    mode = out = ctl = None
    it = iter(args)
    for a in it:
        if a in ("--stop", "--wait"):
            mode = a[2:]
        elif a == "--out":
            out = next(it, None)
        elif a == "--ctl":
            ctl = next(it, None)
        else:
            mode = None
            break
    if not mode or not out or (mode == "wait" and not ctl):
        sys.stderr.write(__doc__)
        return 2
    GLOBAL_MARKER = Marker("global")
    if mode == "stop":
        stop = functools.partial(os.kill, os.getpid(), signal.SIGSTOP)
    else:
        fd = os.open(ctl, os.O_RDWR)  # never blocks, never EOF
        stop = functools.partial(os.read, fd, 1)

    RELEASE.acquire()
    WORKER["ready"] = threading.Event()
    WORKER["thread"] = threading.Thread(target=worker_main, name="worker", daemon=True)
    WORKER["thread"].start()
    WORKER["ready"].wait()
    if not wait_worker_blocked():
        sys.stderr.write("the worker thread never blocked on its lock\n")
        return 3
    outer(out, stop)
    RELEASE.release()
    WORKER["thread"].join(30)
    print("DONE", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
