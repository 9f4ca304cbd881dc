#!/usr/bin/env python3
"""Cyclic garbage in each list of CPython 3.14.0-3.14.4's incremental
collector, then what the collector really does with it: the oracle of
tests/integration/gc_incremental.sh.

Usage:
    incgc_heap.py --probe                 print "incremental" or "generational"
    incgc_heap.py --stop --out RECORD.json

--stop builds the heap, stops itself with SIGSTOP (the test dumps it with
gcore, then sends SIGCONT), then drives the collector by hand and records
what each collection freed.  Exit 0; 3 when the record is not exact
(harness error, said on stderr).

The heap (Python/gc.c 3.14.4; read it for the terms):
- a full collection leaves every survivor in the pending old space (the
  spaces swap in completed_scavenge when the permanent generation is
  empty), phase mark, work_to_do 0;
- cycles P are made, held by a list, and a full collection moves them to
  the pending space; cycles V are made, held, and gc.collect(0) moves them
  to the visited space (gc_collect_young: survivors go to
  old[visited_space]); cycles Y are made last and stay young;
- then the lists holding them are dropped: P, V and Y are cyclic garbage
  in the pending space, the visited space and the young generation.
Automatic collection cannot start: the young threshold (10**6) is far
above anything allocated here.

After the resume, with weak references telling which cycles died:
1. gc.collect(1): phase mark, so this increment only marks
   (mark_at_start) and frees nothing;
2. gc.collect(0): a young collection frees Y only;
(with gc.DEBUG_SAVEALL, so that each step also records exactly which
objects it found unreachable: they go to gc.garbage)
3. then, again and again, 2000 tracked allocations kept alive (so that
   assess_work_to_do gives the increment work: young.count is what feeds
   it) and gc.collect(1), until everything died or 400 rounds: P must die
   within this round, V only in the next one (after P).
Each garbage object's old-space bit (bit 0 of _gc_next, 16 bytes before
the object) is recorded before any collection, and so is the visited
space (the bit of an object known to be in it).
"""
import ctypes
import gc
import json
import os
import signal
import sys
import weakref

NCYCLES = 4
ALLOC_PER_ROUND = 2000
MAX_ROUNDS = 400


class Node:
    def __init__(self, name):
        self.name = name
        self.other = None


def old_space(obj):
    """Bit 0 of _gc_next (Include/internal/pycore_gc.h 3.14.4,
    _PyGC_NEXT_MASK_OLD_SPACE_1); the PyGC_Head precedes the object."""
    return ctypes.c_uint64.from_address(id(obj) - 16).value & 1


def incremental():
    """Modules/gcmodule.c 3.14.0-3.14.4 reports 0 for the third threshold."""
    old = gc.get_threshold()
    gc.set_threshold(old[0], old[1], 17)
    inc = gc.get_threshold()[2] == 0
    gc.set_threshold(*old)
    return inc


def cycles(tag, n):
    """n two-object cycles a <-> b; returns the a's."""
    out = []
    for i in range(n):
        a = Node("%s-a%d" % (tag, i))
        b = Node("%s-b%d" % (tag, i))
        a.other = b
        b.other = a
        out.append(a)
    return out


def main():
    if "--probe" in sys.argv:
        print("incremental" if incremental() else "generational")
        return 0
    if sys.argv[1:2] != ["--stop"] or sys.argv[2:3] != ["--out"] or len(sys.argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    out = sys.argv[3]
    if not incremental():
        sys.stderr.write("incgc_heap: this interpreter's collector is generational\n")
        return 2
    gc.set_threshold(10 ** 6, 10, 0)
    gc.collect()
    hold = {"P": cycles("P", NCYCLES)}
    gc.collect()                                   # P -> pending space
    hold["V"] = cycles("V", NCYCLES)
    mark = [Node("visited-mark")]                  # survives into the visited space
    gc.collect(0)                                  # V -> visited space
    hold["Y"] = cycles("Y", NCYCLES)               # young
    kinds = {}
    refs = {}
    bits = {}
    for k in ("P", "V", "Y"):
        kinds[k] = []
        for a in hold[k]:
            for o in (a, a.other):
                kinds[k].append("0x%x" % id(o))
                bits["0x%x" % id(o)] = old_space(o)
        refs[k] = [weakref.ref(a) for a in hold[k]]
    visited = old_space(mark[0])
    stats_before = [s["collections"] for s in gc.get_stats()]
    del a, o
    hold.clear()                                   # P, V, Y: cyclic garbage now
    print("READY pid=%d" % os.getpid(), flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)

    errors = []
    stats_after = [s["collections"] for s in gc.get_stats()]
    if stats_after != stats_before:
        errors.append("a collection ran before the stop: %r -> %r" % (stats_before, stats_after))

    def alive():
        return {k: sum(1 for r in refs[k] if r() is not None) for k in refs}

    # DEBUG_SAVEALL: what each collection finds unreachable goes to
    # gc.garbage (and stays there, reachable: never collected twice); the
    # weak references are cleared all the same (handle_weakrefs).
    gc.set_debug(gc.DEBUG_SAVEALL)
    seen = [0]

    def freed():
        new = gc.garbage[seen[0]:]
        seen[0] = len(gc.garbage)
        return sorted("0x%x" % id(o) for o in new)

    steps = []
    gc.collect(1)
    steps.append({"step": "collect(1) first", "alive": alive(), "freed": freed()})
    gc.collect(0)
    steps.append({"step": "collect(0)", "alive": alive(), "freed": freed()})
    died_at = {k: None for k in refs}
    ballast = []
    # what the increments freed until the last P cycle died (this round),
    # and after (the next round)
    this_round, later = [], []
    for n in range(1, MAX_ROUNDS + 1):
        ballast.append([[] for _ in range(ALLOC_PER_ROUND)])
        gc.collect(1)
        a = alive()
        (later if died_at["P"] is not None else this_round).extend(freed())
        for k in refs:
            if a[k] == 0 and died_at[k] is None:
                died_at[k] = n
        if all(v is not None for v in died_at.values()):
            break
    gc.set_debug(0)
    steps.append({"step": "increments", "rounds": n, "died_at": died_at, "alive": alive(),
                  "freed_this_round": sorted(this_round), "freed_later": sorted(later)})
    rec = {"record": "incgc_heap", "valid": not errors, "errors": errors,
           "pid": os.getpid(), "version": "%d.%d.%d" % sys.version_info[:3],
           "visited_space": visited, "threshold": list(gc.get_threshold()),
           "garbage": kinds, "bits": bits, "steps": steps}
    with open(out + ".tmp", "w") as f:
        json.dump(rec, f, indent=1)
    os.replace(out + ".tmp", out)
    if errors:
        sys.stderr.write("incgc_heap: HARNESS ERROR: %s\n" % "; ".join(errors))
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
