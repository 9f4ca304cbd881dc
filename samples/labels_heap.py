#!/usr/bin/env python3
"""A heap whose references have known names, for tests/integration/labels.sh.

    labels_heap.py --out RECORD.json    (then stops itself with SIGSTOP)

Builds containers, instances and a closure that hold distinctive marker
objects, and records for each (holder, held) pair the label refheap must
give that reference (`refheap export --labels`), plus the repr refheap must
give a few objects (`--repr`). Then it stops itself to be dumped with gcore.
"""
import json
import os
import signal
import sys


class Marker:
    def __init__(self, name):
        self.name = name


class Plain:
    pass


class Slotted:
    __slots__ = ("first", "second")


def make_closure(captured):
    def inner():
        return captured
    return inner


def main():
    out = sys.argv[sys.argv.index("--out") + 1]
    m = [Marker("m%d" % i) for i in range(8)]
    holder = {"alpha": m[0], 17: m[1]}
    seq = [None, "x", m[2]]
    tup = (m[3], None)
    inst = Plain()
    inst.attr = m[4]
    slotted = Slotted()
    slotted.second = m[5]
    fn = make_closure(m[6])
    cell = fn.__closure__[0]
    text = "hello refheap"
    number = 1234567
    real = 2.5
    keep = [holder, seq, tup, inst, slotted, fn, text, number, real, m]

    h = hex
    edges = [
        # (holder, held, acceptable labels)
        (h(id(holder)), h(id(m[0])), ["['alpha']"]),
        (h(id(holder)), h(id(m[1])), ["[17]"]),
        (h(id(seq)), h(id(m[2])), ["[2]"]),
        (h(id(tup)), h(id(m[3])), ["[0]"]),
        (h(id(slotted)), h(id(m[5])), [".second"]),
        (h(id(cell)), h(id(m[6])), ["cell_contents"]),
        (h(id(fn)), h(id(fn.__closure__)), ["__closure__"]),
    ]
    # An attribute is held by the instance itself (managed dict or inline
    # values, 3.11+) or by its __dict__ (3.8-3.10): accept either path.
    attr = {"instance": h(id(inst)), "value": h(id(m[4])),
            "dict": h(id(inst.__dict__)) if sys.version_info < (3, 11) else None}
    reprs = {
        h(id(text)): "'hello refheap'",
        h(id(number)): "1234567",
        h(id(real)): "2.5",
        h(id(Marker)): "<class 'Marker'>",
        h(id(fn)): "<function make_closure.<locals>.inner>",
        h(id(sys)): "<module 'sys'>",
        h(id(None)): "None",
        h(id(seq)): "<list len 3>",
    }
    with open(out, "w") as f:
        json.dump({"version": sys.version.split()[0], "edges": edges,
                   "attr": attr, "reprs": reprs}, f)
    print("READY pid=%d" % os.getpid(), flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)
    del keep


main()
