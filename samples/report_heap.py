#!/usr/bin/env python3
"""A heap with planted leak suspects, for tests/integration/html_report.sh
and heapsnapshot.sh.

    report_heap.py --stop --out RECORD.json

Builds, as module globals of __main__:
  CACHE     {KEY: {('user', 42): HOARD}}: KEY is a str with HTML in it
            ('<script>...</script>' and an <img onerror>), so the report
            must escape it; HOARD is a list of 3000 unique bytes objects,
            the largest retained set of the heap
  WATCHED   an object a weakref.ref (WEAKREF) points at, also held
            strongly by the module global
  TWINS     two classes both named Text, of modules mod_a and mod_b
  a LeakMe instance with one count taken by ctypes.pythonapi.Py_IncRef and
            every Python reference dropped (unaccounted)
  a garbage cycle (two Cyc nodes) made with the GC disabled
then stops itself with SIGSTOP (the test dumps it with gcore and sends
SIGCONT) and writes RECORD.json: the addresses, the path labels to HOARD
and its retained bytes as sys.getsizeof sums.

CPython 3.8-3.13, standard library only.
"""
import ctypes
import gc
import json
import os
import signal
import sys
import weakref

KEY = '<script>alert("refheap")</script><img src=x onerror=alert(1)>'


class Hoard(list):
    pass


class Watched:
    pass


class LeakMe:
    __slots__ = ("tag",)


class Cyc:
    def __init__(self):
        self.other = None


def make_leak():
    obj = LeakMe()
    obj.tag = "leaked on purpose"
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))
    return hex(id(obj))


def make_cycle():
    a, b = Cyc(), Cyc()
    a.other, b.other = b, a
    return [hex(id(a)), hex(id(b))]


def scrub_stack(depth):
    """Overwrite the native stack below us (stale pointers to the leak)."""
    buf = ctypes.create_string_buffer(4096)
    if depth:
        scrub_stack(depth - 1)
    return len(buf)


CACHE = None
WATCHED = None
WEAKREF = None
TWINS = None


def main():
    global CACHE, WATCHED, WEAKREF, TWINS
    out = sys.argv[sys.argv.index("--out") + 1]
    hoard = Hoard(os.urandom(200) + b"%d" % i for i in range(3000))
    CACHE = {KEY: {("user", 42): hoard}}
    WATCHED = Watched()
    WEAKREF = weakref.ref(WATCHED)
    TWINS = [type("Text", (), {"__module__": "mod_a"})(),
             type("Text", (), {"__module__": "mod_b"})()]
    gc.collect()
    gc.disable()
    rec = {
        "version": sys.version.split()[0],
        "hoard": hex(id(hoard)),
        "hoard_retained": sys.getsizeof(hoard) + sum(sys.getsizeof(b) for b in hoard),
        "hoard_labels": ["['CACHE']", "[%r]" % KEY, "[('user', 42)]"],
        "key": KEY,
        "watched": hex(id(WATCHED)),
        "weakref": hex(id(WEAKREF)),
        "leak": make_leak(),
        "cycle": make_cycle(),
    }
    del hoard
    scrub_stack(50)
    print("STOP pid=%d" % os.getpid(), flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)
    with open(out, "w") as f:
        json.dump(rec, f)


if "--stop" in sys.argv:
    main()
