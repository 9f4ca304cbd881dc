"""hostile_heap.py: a heap full of strings made to break reports.

    hostile_heap.py OUT.json

Builds str keys, attribute names, a module name and type names holding
what must never reach a terminal, a DOT graph, JSON or HTML raw: line and
paragraph separators (U+2028, U+2029), bidirectional overrides and isolates
(U+202E, U+2066..U+2069, U+200E/F, U+061C), C0 and C1 controls (an ESC
sequence that would clear the screen, U+0085), a lone surrogate, and NUL
(in a module name, where a C string would be cut). Also a big int, a tuple
and a dict whose headers tests/integration/hostile.sh corrupts in a copy of
the core, and a frame object of the running frame.

Writes OUT.json (the addresses of those objects, the hostile strings as
JSON) and stops itself with SIGSTOP for gcore; SIGCONT lets it exit.
"""
import json
import os
import signal
import sys
import types

HOSTILE = [
    "ls\u2028ps\u2029end",
    "evil\u202etxt.exe",
    "iso\u2066x\u2069\u200e\u200f\u061c",
    "esc\x1b[2Jclear\x07",
    "c1\x85\x9bnext",
    "lone\udc80surrogate",
    "nul\x00inside",
    "back\\slash \"quote\" <tag>&amp;",
]


class Holder:
    pass


def main():
    out = sys.argv[1]
    table = {s: i for i, s in enumerate(HOSTILE)}      # str keys
    holder = Holder()
    for i, s in enumerate(HOSTILE):                    # attribute names
        setattr(holder, s, [i])
    mod = types.ModuleType("mod\x00tail\u202e")        # module names
    mod.payload = {"k\u2028": "v\u2029"}
    sys.modules["mod\x00tail\u202e"] = mod
    sys.modules["bidi\u2067name"] = types.ModuleType("bidi\u2067name")
    # type names (tp_name is a C string of UTF-8: no NUL, no surrogate)
    kinds = [type(s, (), {"x": s}) for s in HOSTILE
             if "\x00" not in s and "\udc80" not in s]
    instances = [k() for k in kinds]
    big = 12345678901234567890123456789
    tup = (1, "two", 3.0)
    plain = {"alpha": 1, "beta": 2, "gamma": 3}
    frame = sys._getframe()
    record = {
        "pid": os.getpid(),
        "table": hex(id(table)),
        "holder": hex(id(holder)),
        "big": hex(id(big)),
        "tuple": hex(id(tup)),
        "dict": hex(id(plain)),
        "frame": hex(id(frame)),
        "hostile": HOSTILE,
    }
    with open(out, "w") as f:
        json.dump(record, f, ensure_ascii=True)
    os.kill(os.getpid(), signal.SIGSTOP)
    # keep everything alive until the dump is taken
    return table, holder, mod, kinds, instances, big, tup, plain, frame


if __name__ == "__main__":
    main()
