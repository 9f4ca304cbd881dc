#!/usr/bin/env python3
"""Run a real application in this interpreter and, at a busy point in the
middle of its work, make the snapshot and the interpreter's own account of
it that tests/integration/realapps.sh compares refheap with.

Usage:
    python3 realapp_oracle.py --dir DIR --after SECONDS [--plant N]
                              -- (-m MODULE | SCRIPT) [ARGS...]

The application runs in this process (runpy), with sys.argv set to what
follows "--". A daemon thread waits SECONDS, then (with the application's
threads still running):

  * with --plant N, creates N lists "mid-work", gives each an extra
    reference with ctypes.pythonapi.Py_IncRef and drops them: leaks that
    nothing in the process points at; their addresses go to DIR/planted;
  * disables the GC and forks with fork(2) called directly (ctypes.PyDLL:
    the GIL stays held and no Python at-fork hook runs, so the child is
    the process's heap exactly as it was, with one thread);
  * the child C1 forks once more: C1 writes its pid to DIR/stopped.pid and
    stops itself with SIGSTOP (the test dumps it with gcore and sends
    SIGCONT); its child C2, whose heap is identical, writes DIR/record.jsonl:
    the objects of each GC generation (counts taken before anything else
    is allocated) and gc.get_referents() of every tracked object, in the
    format of samples/referents_heap.py (whose recorder it uses), plus a
    line {"generations": [n0, n1, n2]};
  * the original process re-enables the GC and goes on with its work (the
    test kills it once it has the core).

Exit status: the application's (0 if it ends normally), 2 on usage errors.
"""
import ctypes
import gc
import importlib.util
import json
import os
import runpy
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load_recorder():
    spec = importlib.util.spec_from_file_location(
        "referents_heap", os.path.join(HERE, "referents_heap.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def plant_leaks(n, path):
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None
    addrs = []
    for i in range(n):
        leak = ["planted leak", i, {"n": i}]
        incref(leak)
        addrs.append("0x%x\n" % id(leak))
        del leak
    with open(path, "w") as f:
        f.write("".join(addrs))


def snapshot(dirpath, plant, recorder, libc):
    if plant:
        plant_leaks(plant, os.path.join(dirpath, "planted"))
    out = os.path.join(dirpath, "record.jsonl")
    gens_path = os.path.join(dirpath, "generations.json")
    pidfile = os.path.join(dirpath, "stopped.pid")
    gc.disable()
    pid1 = libc.fork()
    if pid1 != 0:
        gc.enable()
        return
    # C1: the heap as it was at the fork, with this thread only.
    try:
        me = os.getpid()
        msg = b"%d\n" % me
        fd = os.open(pidfile + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        stop = signal.SIGSTOP
        pid2 = libc.fork()
        if pid2 == 0:
            # C2: count each generation before allocating anything.
            n0 = len(gc.get_objects(0))
            n1 = len(gc.get_objects(1))
            n2 = len(gc.get_objects(2))
            recorder.record(out)
            with open(gens_path, "w") as f:
                f.write(json.dumps({"generations": [n0, n1, n2]}))
            os._exit(0)
        os.write(fd, msg)
        os.close(fd)
        os.rename(pidfile + ".tmp", pidfile)
        os.kill(me, stop)
        os.waitpid(pid2, 0)
    finally:
        os._exit(0)


def main(argv):
    dirpath = None
    after = None
    plant = 0
    args = list(argv)
    try:
        while args and args[0] != "--":
            a = args.pop(0)
            if a == "--dir":
                dirpath = args.pop(0)
            elif a == "--after":
                after = float(args.pop(0))
            elif a == "--plant":
                plant = int(args.pop(0))
            else:
                raise ValueError(a)
        args.pop(0)
    except (IndexError, ValueError):
        sys.stderr.write(__doc__)
        return 2
    if not dirpath or after is None or not args:
        sys.stderr.write(__doc__)
        return 2
    recorder = load_recorder()
    libc = ctypes.PyDLL(None)
    libc.fork.restype = ctypes.c_int

    def trigger():
        time.sleep(after)
        snapshot(dirpath, plant, recorder, libc)

    threading.Thread(target=trigger, name="refheap-oracle", daemon=True).start()
    sys.stdout.write("READY pid=%d\n" % os.getpid())
    sys.stdout.flush()
    if args[0] == "-m" and len(args) > 1:
        sys.argv = [args[1]] + args[2:]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = list(args)
        runpy.run_path(args[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
