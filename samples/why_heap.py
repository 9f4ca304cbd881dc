#!/usr/bin/env python3
"""Objects that survive for known reasons, for tests/integration/why.sh.

    why_heap.py --stop --out RECORD.json [--gc-disabled]

Plants one object per reason `refheap why` must tell:

  global      a module global's dict value                  reachable, module root
  thread      a local of a thread blocked in Event.wait()   reachable, thread root
  closure     a closure's captured variable                 reachable via cell_contents
  traceback   a local of a frame kept by a stored exception reachable via tb_frame
  leak        Py_IncRef'd through ctypes, every Python ref  unaccounted, excess 1
              dropped
  leak_held   the item of a list leaked that way, with an   unaccounted, excess 1,
              extra reference of its own                    1 reference found
  short       held twice by a list, Py_DecRef'd once        reachable, deficit 1
  gen0        a self-cycle, garbage below the gen-0         cyclic-garbage, freed by 0
              threshold (or with the GC disabled)
  gen2        a self-cycle promoted to the oldest           cyclic-garbage, freed by 2
              generation by gc.collect(), then dropped
  frozen      a self-cycle frozen by gc.freeze(), dropped   frozen

and records objects every real program has whose only holder is memory
a type owns but its tp_traverse does not visit; none may be judged
unaccounted ("explained" in the record):

  co_freevars  a closure code's co_freevars tuple, asked for once: the
               code object keeps it (3.12+ in the _co_cached block;
               3.11 makes a new one each time: not recorded)
  ssl_str      the interned 'verify_message' _ssl's module state keeps
               (3.11+, str_verify_message; `import ssl` loads it)

Then it prints READY, stops itself with SIGSTOP (the test dumps it with
gcore) and, once continued, records in RECORD.json what the interpreter
says: gc.get_count()/get_threshold()/isenabled(), and the exact set of
objects gc.collect() finds unreachable (gc.DEBUG_SAVEALL keeps them in
gc.garbage) -- the same heap the core holds, since nothing runs between
the stop and the collection but the calls that make it.
"""
import ctypes
import gc
import json
import os
import signal
import sys
import threading


class Marker:
    def __init__(self, name):
        self.name = name


class Node:
    def __init__(self, name):
        self.name = name
        self.self = self


REGISTRY = {}
OLD_SPACE = {}
PLANTED = {}
EXPLAINED = {}


def make_closure(captured):
    def inner():
        return captured
    return inner


def failing():
    frame_local = Marker("traceback")
    PLANTED["traceback"] = hex(id(frame_local))
    raise ValueError("kept with its frames")


def exception_cycle():
    # err -> exception -> traceback -> this frame -> err: once returned,
    # the frame and everything it holds is cyclic garbage.
    try:
        raise KeyError("cycle through a frame")
    except KeyError as e:
        err = e
    return None


def self_closure():
    def f():
        return f
    return f


def make_garbage():
    """Varied cyclic garbage: a ring with payload, a class, a frame, a closure."""
    ring = [Node("ring%d" % i) for i in range(200)]
    for i, node in enumerate(ring):
        node.next = ring[(i + 1) % len(ring)]
    # What only the ring holds is freed with it (untracked str and int),
    # and what it merely references (REGISTRY) is not.
    ring[0].payload = {"text": "x" * 100, "big": 10 ** 30, "keep": REGISTRY,
                       "items": [[j] for j in range(20)]}
    cls = type("Transient", (), {"attr": 1})
    cls.instance = cls()
    exception_cycle()
    self_closure()
    return None


def worker(ready, done):
    req = Marker("thread")
    PLANTED["thread"] = hex(id(req))
    ready.set()
    done.wait()
    return req


def main():
    out = sys.argv[sys.argv.index("--out") + 1]
    disabled = "--gc-disabled" in sys.argv
    # Thresholds no allocation here reaches: the only collections are
    # the ones this program asks for.
    gc.set_threshold(50000, 1000, 1000)
    gc.collect()

    if not disabled:
        # Frozen first: gc.freeze() moves everything tracked so far to
        # the permanent generation.
        fz = Node("frozen")
        PLANTED["frozen"] = hex(id(fz))
        gc.freeze()
        del fz

        # Promoted to the oldest generation while held, then dropped.
        holder = [Node("gen2")]
        PLANTED["gen2"] = hex(id(holder[0]))
        gc.collect()
        # 3.14.0-3.14.4 (incremental collector): which old space it is
        # in, bit 0 of its _gc_next (Include/internal/pycore_gc.h there);
        # the PyGC_Head is the 16 bytes before the object
        OLD_SPACE["gen2"] = ctypes.c_uint64.from_address(id(holder[0]) - 16).value & 1
        del holder[:]
        del holder

    g = globals()
    REGISTRY["user:42"] = Marker("global")
    PLANTED["global"] = hex(id(REGISTRY["user:42"]))

    g["HOLD_FN"] = make_closure(Marker("closure"))
    PLANTED["closure"] = hex(id(HOLD_FN.__closure__[0].cell_contents))  # noqa: F821

    try:
        failing()
    except ValueError as e:
        g["SAVED_EXC"] = e

    ready, done = threading.Event(), threading.Event()
    t = threading.Thread(target=worker, args=(ready, done), name="worker")
    g["WORKER"] = t
    t.start()
    ready.wait()

    # One count short: two references, a refcount of 1 (restored before
    # exit, or the list's deallocation would free it twice).
    short = Marker("short")
    g_short = [short, short]
    del short
    ctypes.pythonapi.Py_DecRef(ctypes.py_object(g_short[0]))
    PLANTED["short"] = hex(id(g_short[0]))

    leaked = Marker("leak")
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(leaked))
    PLANTED["leak"] = hex(id(leaked))
    del leaked

    # A leaked list's item with a leaked count of its own: the list's
    # reference is found, the other one is nowhere (as mypy's leaked
    # lists held by a leaked object's attribute).
    held = Marker("leak_held")
    box = [held]
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(box))
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(held))
    PLANTED["leak_held"] = hex(id(held))
    PLANTED["leak_box"] = hex(id(box))
    del held, box

    # No local of main() may hold the module's globals: the path to a
    # global must go through the module.
    del g
    if disabled:
        gc.disable()
    # Garbage in generation 0, well below its threshold.
    make_garbage()
    g0 = Node("gen0")
    PLANTED["gen0"] = hex(id(g0))
    del g0

    # What real programs have (see the docstring). The names are built at
    # run time: a literal would be a constant of this code, one more
    # holder.
    # 3.11 builds a new tuple at each request (Objects/codeobject.c
    # _PyCode_GetFreevars), gone once dropped; <=3.10 keep it in the
    # code object, 3.12+ in _co_cached.
    if sys.version_info[:2] != (3, 11):
        fv = HOLD_FN.__code__.co_freevars  # noqa: F821
        EXPLAINED["co_freevars"] = hex(id(fv))
        del fv
    try:
        import ssl  # noqa: F401
        if sys.version_info >= (3, 11):
            s = sys.intern("".join(["verify", "_message"]))
            EXPLAINED["ssl_str"] = hex(id(s))
            del s
    except ImportError:
        pass

    print("READY pid=%d" % os.getpid(), flush=True)
    if "--stop" in sys.argv:
        os.kill(os.getpid(), signal.SIGSTOP)
    count = gc.get_count()
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    garbage = sorted(hex(id(o)) for o in gc.garbage)
    types = {hex(id(o)): type(o).__name__ for o in gc.garbage}
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(g_short[0]))
    done.set()
    t.join()
    with open(out, "w") as f:
        json.dump({"version": sys.version.split()[0], "disabled": disabled,
                   "planted": PLANTED, "explained": EXPLAINED,
                   "count_after": list(count),
                   "old_space": OLD_SPACE,
                   "threshold": list(gc.get_threshold()),
                   "garbage": garbage, "garbage_types": types}, f)
    gc.set_debug(0)
    del gc.garbage[:]


if __name__ == "__main__":
    main()
