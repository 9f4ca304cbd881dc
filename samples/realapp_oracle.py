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
  * sets a long switch interval (no other thread can take the GIL before
    the stop), disables the GC and forks with fork(2) called directly
    (ctypes.PyDLL: the GIL stays held and no Python at-fork hook runs, so
    the child's heap is the process's exactly as it was, with one thread);
  * this thread blocks in pause(2) holding the GIL: no Python code runs in
    the process again (the test dumps it with gcore, every thread's
    registers and stack included, then kills it);
  * the child writes the process's pid to DIR/stopped.pid, then
    DIR/record.jsonl: gc.get_referents() of every tracked
    object, in the format of samples/referents_heap.py (whose recorder it
    uses), and DIR/generations.json, the objects of each GC generation
    counted before anything else was allocated; last DIR/garbage.json,
    what a full gc.collect() then finds unreachable (record_garbage).

Exit status: the application's (0 if it ends normally), 2 on usage errors.
"""
import ctypes
import gc
import importlib.util
import json
import os
import runpy
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


class GilIO:
    """File I/O that never releases the GIL (libc through ctypes.PyDLL).

    The twin has no PyOS_AfterFork_Child() (its hooks would change the
    heap), so the GIL's mutex may have been held by another thread at the
    fork: the twin must never drop the GIL. os.write(), open(), os.pread()
    all do; these do not."""

    def __init__(self, libc):
        self.libc = libc
        for name, res, args in (
                ("open", ctypes.c_int, [ctypes.c_char_p, ctypes.c_int, ctypes.c_int]),
                ("write", ctypes.c_ssize_t, [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]),
                ("pread", ctypes.c_ssize_t, [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t,
                                             ctypes.c_long]),
                ("close", ctypes.c_int, [ctypes.c_int]),
                ("rename", ctypes.c_int, [ctypes.c_char_p, ctypes.c_char_p])):
            f = getattr(libc, name)
            f.restype = res
            f.argtypes = args
        self.buf = ctypes.create_string_buffer(64)

    def write_file(self, path, data):
        fd = self.libc.open(os.fsencode(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        if fd < 0:
            raise OSError("cannot create %s" % path)
        done = 0
        while done < len(data):
            n = self.libc.write(fd, data[done:], len(data) - done)
            if n <= 0:
                self.libc.close(fd)
                raise OSError("cannot write %s" % path)
            done += n
        self.libc.close(fd)

    def rename(self, src, dst):
        if self.libc.rename(os.fsencode(src), os.fsencode(dst)) != 0:
            raise OSError("cannot rename %s" % src)

    def pread(self, fd, n, off):
        n = min(n, len(self.buf))
        got = self.libc.pread(fd, self.buf, n, off)
        return self.buf.raw[:max(got, 0)]


class GilWriter:
    """What the recorder's open(path, "w") returns in the twin."""

    def __init__(self, io, path):
        self.io, self.path, self.parts = io, path, []

    def write(self, text):
        self.parts.append(text)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.io.write_file(self.path, "".join(self.parts).encode())
        return False


def gil_recorder(recorder, io, ranges, mem_fd):
    """Make referents_heap's recorder do its I/O through io (GilIO).
    Done before the fork (the twin must change no object it records);
    mem_fd is a ctypes.c_int the twin sets to its own /proc/self/mem."""
    class Mem:
        def word(self, addr):
            return int.from_bytes(io.pread(mem_fd.value, 8, addr), "little")

        def cstr(self, addr):
            out = b""
            while len(out) < 4096:
                chunk = io.pread(mem_fd.value, 64, addr + len(out))
                if not chunk:
                    return out
                nul = chunk.find(b"\0")
                if nul >= 0:
                    return out + chunk[:nul]
                out += chunk
            return out

    class OsShim:
        getpid = staticmethod(os.getpid)
        replace = staticmethod(io.rename)
        path = os.path

    recorder.SelfMemory = Mem
    recorder.interpreter_ranges = lambda: ranges
    recorder.open = lambda path, mode="r": GilWriter(io, path)
    recorder.os = OsShim


def plant_leaks(n, path):
    """Leak n lists: each gets a reference nothing holds (Py_IncRef)
    and is dropped. Done on a thread of its own that ends before the
    snapshot: the call leaves the list's address in the C stack it ran
    on (libffi's argument area, registers spilled by Py_IncRef), and a
    later call of the snapshot's thread (the ctypes pause()) could have
    that stale word inside its own live frame, which refheap rightly
    reads as a native holder (held-by-native, not unaccounted). A dead
    thread's stack is nobody's frame."""
    addrs = []

    def plant():
        incref = ctypes.pythonapi.Py_IncRef
        incref.argtypes = [ctypes.py_object]
        incref.restype = None
        for i in range(n):
            leak = ["planted leak", i, {"n": i}]
            incref(leak)
            addrs.append("0x%x\n" % id(leak))
            del leak

    t = threading.Thread(target=plant, name="plant-leaks")
    t.start()
    t.join()
    with open(path, "w") as f:
        f.write("".join(addrs))


def record_garbage(dirpath, io, parent):
    """The interpreter's own answer to "what would gc.collect() free now?",
    asked last, once everything else is written: DIR/garbage.json lists
    [address, type name] of every object a full collection finds
    unreachable (gc.DEBUG_SAVEALL keeps them in gc.garbage instead of
    freeing them; Modules/gcmodule.c, Python/gc.c). The collection runs
    finalizers and weakref callbacks, i.e. application code, which could
    block: DIR/garbage.pid (this twin's pid) lets the test kill it."""
    io.write_file(os.path.join(dirpath, "garbage.pid"), b"%d\n" % os.getpid())
    before = len(gc.garbage)
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    found = [["0x%x" % id(o), type(o).__name__] for o in gc.garbage[before:]]
    path = os.path.join(dirpath, "garbage.json")
    io.write_file(path + ".tmp", json.dumps({"parent": parent, "garbage": found}).encode())
    io.rename(path + ".tmp", path)


def snapshot(dirpath, plant, recorder, libc):
    if plant:
        plant_leaks(plant, os.path.join(dirpath, "planted"))
    out = os.path.join(dirpath, "record.jsonl")
    gens_path = os.path.join(dirpath, "generations.json")
    pidfile = os.path.join(dirpath, "stopped.pid")
    pidtmp = pidfile + ".tmp"
    # Keep the GIL from here to the stop: a thread waiting for it asks for
    # it only after the switch interval, which is now far longer than the
    # few bytecodes below (and short enough for a CPU-bound thread to give
    # the GIL back to this one after the sleep).
    sys.setswitchinterval(1.0)
    time.sleep(0.02)
    me = os.getpid()
    fork, pause = libc.fork, libc.pause   # looked up (and cached) before
    io = GilIO(libc)
    mem_fd = ctypes.c_int(-1)
    gil_recorder(recorder, io, recorder.interpreter_ranges(), mem_fd)
    # The child has no PyOS_AfterFork_Child() (its hooks would change the
    # heap), so the GIL's own mutex must not be held by another thread at
    # the fork: right after this thread took the GIL, the thread that gave
    # it up relocks that mutex on its way to wait again. Spin a little,
    # GIL held, until every other thread sleeps in its timed wait.
    spin_end = time.perf_counter() + 0.02
    while time.perf_counter() < spin_end:
        pass
    gc.disable()
    pid = fork()
    if pid == 0:
        # The twin: this process's heap as it was at the fork, one thread.
        # Count each generation before allocating anything.
        try:
            n0 = len(gc.get_objects(0))
            n1 = len(gc.get_objects(1))
            n2 = len(gc.get_objects(2))
            # The process can be dumped now (the test waits for this).
            io.write_file(pidtmp, b"%d\n" % me)
            io.rename(pidtmp, pidfile)
            # its own /proc/self/mem (the parent's would read the parent)
            mem_fd.value = io.libc.open(b"/proc/self/mem", os.O_RDONLY, 0)
            recorder.record(out)
            io.write_file(gens_path, json.dumps({"generations": [n0, n1, n2]}).encode())
            record_garbage(dirpath, io, me)
        finally:
            os._exit(0)
    # The process itself, every thread, is dumped as it is now: this
    # thread blocks for good in pause(2) WITH the GIL (PyDLL keeps it),
    # so no Python code runs again and nothing is allocated after the
    # fork (the twin writes the pid file). A SIGSTOP would not do: gdb
    # resumes a stopped process to attach to it, and the threads would
    # run on. The test kills the process.
    while True:
        pause()


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
