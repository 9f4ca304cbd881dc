#!/usr/bin/env python3
"""A heap where many objects have a refcount above the references refheap
counts, for tests/integration/native_words.sh.

    overref_heap.py --out RECORD.json [--tuple N] [--held K] [--boxed B]

Builds, as module globals of __main__:
  TUPLE  a tuple of N (default 600000) new objects, each given one extra
         reference with ctypes.pythonapi.Py_IncRef(): refcount 2, one
         reference counted (the tuple's). Every one is a candidate of
         refheap's native-words scan (heap/snapshot.c native_words), and
         the tuple's memory holds a word pointing at each: the scan must
         weigh each word against the tuple's references to that object.
  ARR    a ctypes array of K (default 500) addresses: of objects that
         nothing else references, each given one extra reference. The
         array's storage is malloc'd (K * 8 bytes is past a ctypes
         object's inline buffer), memory refheap does not type, so each
         of those objects must get a root of kind "memory" at its word.
  BOXED  a list of B (default 300) ctypes.c_void_p objects, each holding
         the address of an object nothing else references, given one
         extra reference: the c_void_p's own memory (its inline buffer,
         which its type's traverse does not visit) holds the word, so
         each object must get a root of kind "native" naming its c_void_p.
then writes RECORD.json: the tuple's address, the array's storage
address, the K objects' addresses in order, and the B objects' addresses
with their c_void_p's; prints "STOP 1" and stops
itself with SIGSTOP (the test dumps it with gcore and kills it).

CPython 3.8+, standard library only.
"""
import ctypes
import json
import os
import signal
import sys


def opt(name, default):
    if name in sys.argv:
        return sys.argv[sys.argv.index(name) + 1]
    return default


def plant(k):
    """K objects held only by a ctypes array of their addresses."""
    objs = [object() for _ in range(k)]
    arr = (ctypes.c_void_p * k)(*[id(o) for o in objs])
    for o in objs:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(o))
    return arr, [hex(id(o)) for o in objs]


def box(b):
    """B objects each held only by a c_void_p holding its address."""
    objs = [object() for _ in range(b)]
    boxes = [ctypes.c_void_p(id(o)) for o in objs]
    for o in objs:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(o))
    return boxes, [[hex(id(o)), hex(id(x))] for o, x in zip(objs, boxes)]


def main():
    out = opt("--out", None)
    if out is None:
        print("usage: overref_heap.py --out RECORD.json [--tuple N] [--held K] [--boxed B]",
              file=sys.stderr)
        return 2
    n = int(opt("--tuple", "600000"))
    k = int(opt("--held", "500"))
    b = int(opt("--boxed", "300"))
    global TUPLE, ARR, BOXED
    TUPLE = tuple(object() for _ in range(n))
    for o in TUPLE:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(o))
    ARR, held = plant(k)
    BOXED, boxed = box(b)
    with open(out, "w") as f:
        json.dump({"tuple": hex(id(TUPLE)), "tuple_len": n,
                   "arr": hex(ctypes.addressof(ARR)), "held": held,
                   "boxed": boxed}, f)
    print("STOP 1", flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)
    return 0


if __name__ == "__main__":
    sys.exit(main())
