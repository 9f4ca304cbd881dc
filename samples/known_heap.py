#!/usr/bin/env python3
"""Build a known CPython heap, hold still while it is inspected, then record
what the interpreter itself says about that heap: the oracle of refheap's
integration tests (tests/integration/summary_*.sh).

Usage:
    known_heap.py --stop --out RECORD.json [--gc-disabled] [--scale F]
    known_heap.py --wait --ctl FIFO --out PREFIX [--gc-disabled] [--scale F]

--stop   build the heap, print "READY pid=N", stop with SIGSTOP (the test dumps
         the process with gcore, then sends SIGCONT), record to RECORD.json,
         print "RECORDED ...", exit 0.
--wait   build the heap, print "READY pid=N", then block in os.read() on the
         control FIFO (blocked in C, allocating nothing) and obey one-byte
         commands:  r  record to PREFIX.<seq>.json, print "RECORDED seq=<seq>
                       path=...", rebuild fresh generations
                    p  print "PONG seq=<n>"
                    q  exit 0
         Before blocking it prints "WAITING n=<commands obeyed so far>".
Exit status: 0 ok, 2 usage, 3 the record is not exact (harness error: say
so on stderr; it is not a refheap failure).

Works on CPython 3.8-3.15 (64-bit, default GIL build).  Standard library only.

CPython 3.14.0-3.14.4 (the incremental collector, Python/gc.c there) keep a
young generation and two old spaces instead of three generations; the sample
sees it by what the interpreter says (gc.get_threshold() reports 0 for the
third threshold it was given: Modules/gcmodule.c 3.14.4 returns
(young.threshold, old[0].threshold, 0)).  The record then describes the
lists as they lie in the GC state: "generations" [young, old[0], old[1]],
counts and thresholds of those three (gc.get_count() says (young,
old[visited], old[pending]): mapped with visited_space), and
"visited_space", read as the old-space bit (bit 0 of _gc_next, the word 16
bytes before the object) of an object the sample knows is in the visited
space.  The phases then fill: A permanent; B the pending old space (a full
collection with a non-empty permanent generation leaves everything in the
pending space: completed_scavenge); C the visited old space (gc.collect(0)
moves young survivors there); D young.

How the record is made exact
----------------------------
The heap is built in phases so that every generation is populated:
phase A then gc.freeze() (everything -> permanent generation), phase B then a
full gc.collect() (-> generation 2), phase C then gc.collect(0) (->
generation 1), phase D (stays in generation 0).  gen0's count stays far below
its threshold, so no collection can start while the process is inspected or
while it records.

The last tracked object created before the stop is SENTINEL, a new list:
CPython appends newly tracked objects at the tail of generation 0, and
gc.get_objects(0) returns the list in order, so generation 0 as dumped is the
prefix of gc.get_objects(0) up to the sentinel.  Objects created after the
resume (by the recording itself) come after the sentinel and are ignored.

After resuming, the FIRST statement is gc.get_count(): the counters are read
before anything is allocated (the result tuple is allocated after the read).
Then collection is disabled for the duration of the recording, generations 1
and 2 are read (unchanged: no collection ran), then the permanent generation
is enumerated with gc.unfreeze(), which appends it to the tail of generation 2
(gc_list_merge): the objects past the old length of generation 2 are exactly
the frozen ones.  Nothing that existed at the stop is mutated before it is
measured: recording state lives in fast locals, never in pre-existing dicts
or lists.

tp_name is read the way C sees it, with ctypes, at offset 24 of PyTypeObject
(ob_refcnt, ob_type, ob_size, then tp_name on every 64-bit 3.8-3.13 build);
sizes are sys.getsizeof().

Self-checks (a failure makes the record invalid, exit 3): the sentinel is in
generation 0; gc.get_stats() shows no collection since before the stop;
generation 1 and 2 are identical (same objects, same order) before and after
the recording; the enumerated permanent generation has gc.get_freeze_count()
objects; gen0's count did not exceed its threshold.
"""
import collections
import ctypes
import functools
import gc
import json
import os
import signal
import sys
import threading
import time
import types
import weakref

TP_NAME_OFFSET = 24          # offsetof(PyTypeObject, tp_name), 64-bit 3.8-3.13
THRESHOLDS = (901, 13, 17)   # distinctive, and gen0's is far above phase D

# Everything the heap is made of stays reachable from these module globals.
KEEP = []                    # units of all phases
KEEP_EXC = []                # an exception holding a traceback and frames
WORKER = {}                  # the second thread and its Event
LONG_LIVED = {"total": None, "pending": None, "stats": None}
MODULE_PATH = [None]
# CPython 3.14.0-3.14.4's incremental collector (see the docstring), and an
# object of phase C: in the visited old space there.
INCREMENTAL = [False]
VISITED_MARK = []


# ------------------------------------------------------------------ classes
class Node:
    """Plain class: instances have a __dict__ (materialized for some)."""

    def __init__(self, name, parent=None):
        self.name = name
        self.parent = parent
        self.children = []

    def describe(self):
        return self.name


class Leaf:
    """Weak-referenceable plain class."""

    def __init__(self, value):
        self.value = value


class Holder:
    __slots__ = ("a", "b", "c")


class AttrDict(dict):
    """dict subclass (heap type whose instances have a dict body)."""


class Tracked(list):
    """list subclass."""


def _make_twin(kind):
    class Twin:            # two distinct heap types with the same tp_name
        pass
    Twin.kind = kind
    return Twin


TwinA = _make_twin("a")
TwinB = _make_twin("b")


def make_closure(i, leaf):
    def inner():
        return i, leaf
    return inner


def counter(start):
    x = start
    while True:
        yield x
        x += 1


# ---------------------------------------------------------------- building
def make_unit(i, tag):
    """About 25 tracked objects of many kinds; returns a list holding them."""
    n = Node("%s-node-%d" % (tag, i))
    child = Node("%s-child-%d" % (tag, i), n)     # parent <-> child cycle
    n.children.append(child)
    if i % 3 == 0:
        vars(n)                                   # materialize the __dict__
    h = Holder()
    h.a = n
    h.b = (i, "x", (i, i + 1))
    h.c = [i, str(i)]
    d = AttrDict(key=i, node=n)
    leaf = Leaf(i)
    unit = Tracked([
        n, h, d, leaf,
        weakref.ref(leaf),
        make_closure(i, leaf),
        n.describe,                               # bound method
        {i, "s%d" % i, (i, "t")},
        frozenset((i, i + 1)),
        functools.partial(max, i),
        [(i, [i, {"k": [i]}]), {"a": (1, 2), "b": {"c": [None]}}],
        (i, "atom", 1.5),                          # untracked by a collection
        {"plain": i, "atomic": "only"},            # never tracked
        types.SimpleNamespace(i=i, leaf=leaf),
        (TwinA if i % 2 else TwinB)(),
    ])
    g = counter(i)
    next(g)                                       # a suspended generator
    unit.append(g)
    if i % 5 == 0:
        unit.append(collections.deque([i, leaf], maxlen=4))
    if i % 7 == 0:
        unit.append(collections.OrderedDict(a=i, b=leaf))
    if i % 11 == 0:
        dd = collections.defaultdict(list)
        dd[i].append(leaf)
        unit.append(dd)
    if i % 13 == 0:
        selfref = []
        selfref.append(selfref)
        unit.append(selfref)
    return unit


def add_units(count, tag):
    for i in range(count):
        KEEP.append(make_unit(i, tag))


def keep_exception():
    def fail(depth):
        if depth:
            fail(depth - 1)
        raise ValueError("kept on purpose")
    try:
        fail(2)
    except ValueError as e:
        KEEP_EXC.append(e)                        # traceback -> frames


def unreachable_cycles(count, tag):
    for i in range(count):
        a = Node("%s-garbage-%d" % (tag, i))
        a.children.append(a)                       # self cycle, unreachable


def start_worker():
    """A second Python thread blocked (in C) on an Event."""
    ev = threading.Event()
    t = threading.Thread(target=ev.wait, name="known-heap-worker", daemon=True)
    WORKER["event"] = ev
    WORKER["thread"] = t
    t.start()
    cond = ev._cond
    deadline = time.time() + 30
    # Event.wait -> Condition.wait appends its waiter lock, releases the
    # condition's lock, then blocks in waiter.acquire(): after that the
    # thread allocates nothing until the event is set.
    while not (len(cond._waiters) == 1 and not cond._lock.locked()):
        if time.time() > deadline:
            raise SystemExit("known_heap: worker thread did not block")
        time.sleep(0.01)
    time.sleep(0.1)


def build_generations(a_units, b_units, c_units, d_units, tag):
    """Populate permanent, gen 2, gen 1 and gen 0 (in that order)."""
    add_units(a_units, tag + "A")
    gc.freeze()                       # everything tracked -> permanent
    add_units(b_units, tag + "B")
    keep_exception()
    KEEP.append(list(range(5000)))    # one big list
    unreachable_cycles(20, tag + "B")
    gc.collect()                      # frees B's garbage
    gc.collect()                      # nothing to free: long_lived_total == len(gen 2)
    LONG_LIVED["total"] = len(gc.get_objects(generation=2))
    LONG_LIVED["pending"] = 0
    LONG_LIVED["stats"] = tuple(s["collections"] for s in gc.get_stats())
    add_units(c_units, tag + "C")
    unreachable_cycles(5, tag + "C")
    VISITED_MARK[:] = [[tag]]         # with C: the visited space (incremental)
    gc.collect(0)                     # C -> generation 1
    add_units(d_units, tag + "D")     # stays in generation 0
    unreachable_cycles(5, tag + "D")  # garbage the GC has not seen yet


def find_module_path():
    """The file holding the interpreter's code: libpython if shared, else
    the executable (read from /proc/self/maps)."""
    exe = os.path.realpath(sys.executable)
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and "/libpython" in parts[5]:
                    return parts[5]
    except OSError:
        pass
    return exe


# ---------------------------------------------------------------- recording
def old_space(obj):
    """Bit 0 of the object's _gc_next: its old space under the incremental
    collector (Include/internal/pycore_gc.h 3.14.4,
    _PyGC_NEXT_MASK_OLD_SPACE_1); the PyGC_Head is the 16 bytes before the
    object (_Py_AS_GC)."""
    return ctypes.c_uint64.from_address(id(obj) - 16).value & 1


def tp_name(type_addr):
    raw = ctypes.c_char_p.from_address(type_addr + TP_NAME_OFFSET).value
    return raw.decode("utf-8", "replace")


def take_record(counts, sentinel, stats_before, seq, mode, path):
    """Record the heap as it was when the process stopped.  `counts` is
    gc.get_count() read as the first statement after the resume."""
    enabled = gc.isenabled()
    gc.disable()                      # nothing may collect while we read
    errors = []
    thresholds = gc.get_threshold()
    g1 = gc.get_objects(generation=1)
    g2 = gc.get_objects(generation=2)
    g0all = gc.get_objects(generation=0)
    idx = -1
    for j in range(len(g0all) - 1, -1, -1):
        if g0all[j] is sentinel:
            idx = j
            break
    if idx < 0:
        errors.append("sentinel not found in generation 0")
    g0 = g0all[:idx + 1]
    after_sentinel = len(g0all) - (idx + 1)
    del g0all
    freeze_count = gc.get_freeze_count()
    garbage = len(gc.garbage)
    threads = threading.active_count()

    # permanent generation: gc.unfreeze() appends it to the tail of gen 2
    # (incremental: of the visited old space, in the middle of what
    # gc.get_objects(2) returns when that is old[0])
    n2 = len(g2)
    inc = INCREMENTAL[0]
    visited = None
    if inc:
        visited = old_space(VISITED_MARK[0])
        g2ids = set(map(id, g2))
    gc.unfreeze()
    g2u = gc.get_objects(generation=2)
    if inc:
        perm = [o for o in g2u if id(o) not in g2ids]
        if len(g2u) - len(perm) != n2:
            errors.append("old spaces changed while unfreezing")
        del g2ids
    else:
        if len(g2u) < n2 or any(a is not b for a, b in zip(g2, g2u)):
            errors.append("generation 2 changed while unfreezing")
        perm = g2u[n2:]
    del g2u
    if len(perm) != freeze_count:
        errors.append("permanent generation: enumerated %d objects, "
                      "gc.get_freeze_count() says %d" % (len(perm), freeze_count))

    per_type = {}
    gens = []
    total_objs = 0
    total_bytes = 0
    lists = (g0, g1, g2, perm)
    if inc:
        # the lists as they lie in the GC state: young, old[0], old[1]
        if g1:
            errors.append("gc.get_objects(1) is not empty under the incremental collector")
        spaces = ([], [])
        for o in g2:
            spaces[old_space(o)].append(o)
        lists = (g0, spaces[0], spaces[1], perm)
        thresholds = (thresholds[0], thresholds[1], THRESHOLDS[2])
        counts = (counts[0], counts[1 + visited], counts[2 - visited])
    for gi, objs in enumerate(lists):
        nbytes = 0
        for o in objs:
            k = id(type(o))
            e = per_type.get(k)
            if e is None:
                e = per_type[k] = [tp_name(k), 0, 0, 0, 0, 0]
            s = sys.getsizeof(o)
            e[1 + gi] += 1
            e[5] += s
            nbytes += s
        gens.append({"objects": len(objs), "bytes": nbytes})
        total_objs += len(objs)
        total_bytes += nbytes

    # self-checks
    g1b = gc.get_objects(generation=1)
    if len(g1b) != len(g1) or any(a is not b for a, b in zip(g1, g1b)):
        errors.append("generation 1 changed during the recording")
    del g1b
    stats_after = tuple(s["collections"] for s in gc.get_stats())
    if stats_after != stats_before:
        errors.append("a collection ran after the stop: collections %r -> %r"
                      % (stats_before, stats_after))
    if counts[0] > thresholds[0]:
        errors.append("gen0 count %d exceeds its threshold %d"
                      % (counts[0], thresholds[0]))
    ll_total = LONG_LIVED["total"]
    ll_pending = LONG_LIVED["pending"]
    if LONG_LIVED["stats"] is None or LONG_LIVED["stats"][1:] != stats_before[1:]:
        # a gen-1/gen-2 collection ran since we measured: unknown values
        ll_total = ll_pending = None
    if inc:
        ll_total = ll_pending = None      # no full-collection heuristic there

    types_out = []
    for k, e in per_type.items():
        types_out.append({"type": e[0], "addr": "0x%x" % k,
                          "count": e[1] + e[2] + e[3] + e[4], "bytes": e[5],
                          "per_gen": [e[1], e[2], e[3], e[4]]})
    types_out.sort(key=lambda t: (-t["count"], t["type"], t["addr"]))
    rec = {
        "record": "known_heap",
        "valid": not errors,
        "errors": errors,
        "seq": seq,
        "mode": mode,
        "pid": os.getpid(),
        "python": {"version": "%d.%d.%d" % sys.version_info[:3],
                   "version_hex": "0x%x" % sys.hexversion,
                   "executable": sys.executable,
                   "module": MODULE_PATH[0]},
        "threads": threads,
        "gc": {"enabled": enabled,
               "model": "incremental" if inc else "generational",
               "visited_space": visited,
               "thresholds": list(thresholds),
               "counts": list(counts),
               "garbage": garbage,
               "generations": [dict(gen=i, **gens[i]) for i in range(3)],
               "permanent": gens[3],
               "long_lived_total": ll_total,
               "long_lived_pending": ll_pending},
        "objects": {"tracked": total_objs, "bytes": total_bytes},
        "types": types_out,
        "debug": {"gen0_after_sentinel": after_sentinel,
                  "collections": list(stats_before)},
    }
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(rec, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)
    if enabled:
        gc.enable()
    return errors


# --------------------------------------------------------------------- main
def parse_args(argv):
    opts = {"mode": None, "out": None, "ctl": None, "gc_disabled": False,
            "scale": 1.0}
    it = iter(argv)
    for a in it:
        if a == "--stop":
            opts["mode"] = "stop"
        elif a == "--wait":
            opts["mode"] = "wait"
        elif a == "--out":
            opts["out"] = next(it, None)
        elif a == "--ctl":
            opts["ctl"] = next(it, None)
        elif a == "--gc-disabled":
            opts["gc_disabled"] = True
        elif a == "--scale":
            opts["scale"] = float(next(it, "1"))
        elif a in ("-h", "--help"):
            print(__doc__)
            sys.exit(0)
        else:
            sys.stderr.write("known_heap: unknown argument %r\n" % a)
            sys.exit(2)
    if opts["mode"] is None or not opts["out"] or \
            (opts["mode"] == "wait" and not opts["ctl"]):
        sys.stderr.write(__doc__)
        sys.exit(2)
    return opts


def scaled(n, scale):
    return max(1, int(n * scale))


def run_stop(opts):
    stats_before = tuple(s["collections"] for s in gc.get_stats())
    print("READY pid=%d mode=stop" % os.getpid(), flush=True)
    sentinel = []                                  # last tracked object
    os.kill(os.getpid(), signal.SIGSTOP)
    counts = gc.get_count()                        # FIRST statement after resume
    errors = take_record(counts, sentinel, stats_before, 1, "stop", opts["out"])
    if errors:
        sys.stderr.write("known_heap: HARNESS ERROR (record not exact): %s\n"
                         % "; ".join(errors))
        sys.stdout.flush()
        os._exit(3)
    print("RECORDED seq=1 path=%s" % opts["out"], flush=True)
    os._exit(0)


def run_wait(opts):
    fd = os.open(opts["ctl"], os.O_RDWR)           # never blocks, never EOF
    seq = 0                                        # records written
    ncmd = 0                                       # commands obeyed
    pongs = 0
    print("READY pid=%d mode=wait" % os.getpid(), flush=True)
    while True:
        stats_before = tuple(s["collections"] for s in gc.get_stats())
        print("WAITING n=%d" % ncmd, flush=True)
        sentinel = []                              # last tracked object
        cmd = os.read(fd, 1)                       # blocked in C
        counts = gc.get_count()                    # FIRST statement after resume
        ncmd += 1
        if cmd == b"r":
            seq += 1
            path = "%s.%d.json" % (opts["out"], seq)
            errors = take_record(counts, sentinel, stats_before, seq, "wait", path)
            if errors:
                sys.stderr.write("known_heap: HARNESS ERROR (record %d not exact): %s\n"
                                 % (seq, "; ".join(errors)))
                sys.stdout.flush()
                os._exit(3)
            print("RECORDED seq=%d path=%s" % (seq, path), flush=True)
            # The recording unfroze the permanent generation: rebuild a
            # fresh set of generations for the next inspection.
            del counts, sentinel, errors
            build_generations(scaled(40, opts["scale"]), scaled(300, opts["scale"]),
                              12, 10, "R%d" % seq)
            continue
        if cmd == b"p":
            pongs += 1
            print("PONG seq=%d" % pongs, flush=True)
        elif cmd == b"q" or cmd == b"":
            print("BYE", flush=True)
            os._exit(0)
        del counts, sentinel


def main():
    opts = parse_args(sys.argv[1:])
    if sys.version_info < (3, 8):
        sys.stderr.write("known_heap: needs CPython 3.8+ (gc.get_objects(generation=))\n")
        sys.exit(2)
    MODULE_PATH[0] = find_module_path()
    gc.set_threshold(*THRESHOLDS)
    # Modules/gcmodule.c 3.14.0-3.14.4 reports 0 for the third threshold
    INCREMENTAL[0] = gc.get_threshold()[2] == 0
    # a couple of objects in gc.garbage, as DEBUG_SAVEALL would leave them
    gc.garbage.append(Leaf("in gc.garbage"))
    gc.garbage.append(AttrDict(where="gc.garbage"))
    start_worker()
    s = opts["scale"]
    build_generations(scaled(200, s), scaled(1400, s), 12, 10, "")
    if opts["gc_disabled"]:
        gc.disable()
    if opts["mode"] == "stop":
        run_stop(opts)
    else:
        run_wait(opts)


if __name__ == "__main__":
    main()
