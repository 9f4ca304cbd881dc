#!/usr/bin/env python3
"""A heap stopped in the middle of a pickle.load(), for
tests/integration/unpickler.sh.

    unpickler_heap.py --out RECORD.json [--items N]

Pickles (protocol 4) a list of N (default 999) Item instances followed by
a Stop object, then loads it with a subclass of the C Unpickler whose
persistent_load() stops the process when it meets the Stop object. At
that moment every Item has been unpickled and memoized, and sits on the
unpickler's stack waiting for the list's APPENDS: each Item has a
refcount of 2, the unpickler's memo (a C array, _Unpickler_MemoPut takes
a reference) and its stack (Pdata, a C array too) holding one each. So
does the list itself, memoized, on the stack below the mark.

Writes RECORD.json: the Python version, the unpickler's address, the
list's, and the Items', then prints "STOP 1" and stops itself with
SIGSTOP (the test dumps it with gcore and kills it).

CPython 3.8+, standard library only.
"""
import io
import json
import os
import pickle
import signal
import sys


class Item:
    __slots__ = ("n",)

    def __init__(self, n):
        self.n = n

    def __reduce__(self):
        return (Item, (self.n,))


class Stop:
    pass


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        return "stop" if isinstance(obj, Stop) else None


class Unpickler(pickle.Unpickler):
    out = None

    def persistent_load(self, pid):
        memo = self.memo.copy()
        items = [o for o in memo.values() if type(o) is Item]
        lists = [o for o in memo.values() if type(o) is list]
        record = {
            "version": list(sys.version_info[:3]),
            "unpickler": hex(id(self)),
            "list": hex(id(lists[0])) if len(lists) == 1 else None,
            "items": [hex(id(o)) for o in items],
        }
        del memo, items, lists
        with open(self.out, "w") as f:
            json.dump(record, f)
        print("STOP 1", flush=True)
        os.kill(os.getpid(), signal.SIGSTOP)
        return None


def main():
    if "--out" not in sys.argv:
        print("usage: unpickler_heap.py --out RECORD.json [--items N]", file=sys.stderr)
        return 2
    Unpickler.out = sys.argv[sys.argv.index("--out") + 1]
    n = int(sys.argv[sys.argv.index("--items") + 1]) if "--items" in sys.argv else 999
    buf = io.BytesIO()
    # A list is pickled in batches of 1000 items, each pushed on the stack
    # after a MARK and appended by APPENDS: with n = 999 the Stop object
    # is the last of the first batch, and all the Items are on the stack
    # when it is loaded.
    Pickler(buf, protocol=4).dump([Item(i) for i in range(n)] + [Stop()])
    buf.seek(0)
    Unpickler(buf).load()
    return 0


if __name__ == "__main__":
    sys.exit(main())
