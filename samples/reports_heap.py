#!/usr/bin/env python3
"""A heap with known answers for the analysis reports, for
tests/integration/reports.sh.

    reports_heap.py --out RECORD.json

Builds, as module globals of __main__:
  REFS      a dict whose values are known objects      (refheap refs)
  WEIRD     a dict whose key has a quote, a backslash, a newline and a
            terminal escape                            (escaping, DOT)
  TARGET    an object only the module global holds     (refheap referrers)
  MANY      1000 instances of class Many               (refheap histogram)
  BIG       a list of 1000 unique bytes objects        (dominators, retained)
  a ring of 50 RingNode instances, unreachable, made after gc.disable()
            and gc.set_threshold(THRESHOLDS)           (refheap gc, cycles)
  a LeakMe instance with one count taken by ctypes.pythonapi.Py_IncRef and
            every Python reference dropped             (refheap leaks)
then prints "STOP 1" and stops itself with SIGSTOP (the test dumps it with
gcore, then sends SIGCONT). The first statement after the resume reads
gc.get_count(). Then it makes GROWN, a module-level list of 5000 new Grown
instances, prints "STOP 2" and stops again (second core: refheap diff).
After the second resume it writes RECORD.json with what the interpreter
says (addresses, sys.getsizeof sums, thresholds and counts) and exits 0.

CPython 3.8-3.13, standard library only.
"""
import ctypes
import gc
import json
import os
import signal
import sys

THRESHOLDS = (4321, 17, 13)


class Marker:
    def __init__(self, name):
        self.name = name


class Leaf:
    pass


class Many:
    pass


class RingNode:
    __slots__ = ("next", "payload")


class LeakMe:
    __slots__ = ("tag",)


class Grown:
    __slots__ = ("i",)

    def __init__(self, i):
        self.i = i


def make_ring(n):
    """A ring of n nodes nothing else references; returns its facts."""
    nodes = [RingNode() for _ in range(n)]
    for i, node in enumerate(nodes):
        node.next = nodes[(i + 1) % n]
        node.payload = "ring payload %d" % (i * 7919)
    facts = {
        "addrs": [hex(id(x)) for x in nodes],
        "members": n,
        "bytes": sum(sys.getsizeof(x) for x in nodes),
        "held": n,
        "held_bytes": sum(sys.getsizeof(x.payload) for x in nodes),
    }
    del nodes[:]
    return facts


def make_leak():
    """An object whose only count is one nobody will ever release."""
    obj = LeakMe()
    obj.tag = "leaked on purpose"
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))
    return hex(id(obj)), sys.getsizeof(obj)


def scrub_stack(depth):
    """Overwrite the native stack below us (stale pointers to the leak)."""
    buf = ctypes.create_string_buffer(4096)
    if depth:
        scrub_stack(depth - 1)
    return len(buf)


REFS = None
WEIRD = None
TARGET = None
MANY = None
BIG = None
GROWN = None


def main():
    global REFS, WEIRD, TARGET, MANY, BIG, GROWN
    out = sys.argv[sys.argv.index("--out") + 1]
    h = hex
    REFS = {"alpha": Marker("alpha"), "beta": Marker("beta"), "gamma": [1, 2, 3]}
    WEIRD = {'a"b\\c\nd\x1b[31m\x7f\u00e9': Marker('x"y\n\x1b[0m')}
    TARGET = Leaf()
    MANY = [Many() for _ in range(1000)]
    BIG = [os.urandom(1000) + b"%d" % i for i in range(1000)]
    rec = {
        "version": sys.version.split()[0],
        "refs": {"dict": h(id(REFS)),
                 "edges": [["['%s']" % k, h(id(v))] for k, v in REFS.items()]},
        "weird": h(id(WEIRD)),
        "target": h(id(TARGET)),
        "module_dict": h(id(globals())),
        "many": {"count": len(MANY), "bytes": sum(sys.getsizeof(x) for x in MANY)},
        "big": {"addr": h(id(BIG)),
                "retained_min": sys.getsizeof(BIG) + sum(sys.getsizeof(b) for b in BIG)},
        "thresholds": list(THRESHOLDS),
    }
    gc.collect()
    gc.disable()
    gc.set_threshold(*THRESHOLDS)
    rec["ring"] = make_ring(50)
    rec["leak"], rec["leak_size"] = make_leak()
    scrub_stack(50)
    print("STOP 1 pid=%d" % os.getpid(), flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)
    counts = gc.get_count()                 # FIRST statement after the resume
    rec["counts"] = list(counts)
    GROWN = [Grown(i) for i in range(5000)]
    rec["grown"] = {"count": len(GROWN), "list": h(id(GROWN)),
                    "bytes": sum(sys.getsizeof(x) for x in GROWN)}
    print("STOP 2", flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)
    with open(out, "w") as f:
        json.dump(rec, f)
    print("RECORDED", flush=True)


main()
