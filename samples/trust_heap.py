#!/usr/bin/env python3
"""A small real program for tests/integration/trust.sh: open three text
files and import decimal (the "three-line script" of issue 9), then plant
stale bytes that look like object headers in blocks of the interpreter's
own allocator, and stop inside a running generator.

Usage: trust_heap.py --out RECORD.json

The planted blocks are allocated with PyMem_Malloc (pymalloc from 3.6) and
never freed, so the allocator scan sees them as used blocks; nothing
refers to them. Each imitates what stale memory holds after reuse:
  - text_list:  a C string over the first 16 bytes of a 32-byte block,
                then what a list header would be (refcount 1, type list):
                a list needs 56 bytes with its GC header;
  - huge_bytes: a bytes header with ob_size 2**40 in a 64-byte block;
  - bad_dict:   a zeroed GC header, then a dict header with ma_used -5 and
                ma_keys 0x18 in a 64-byte block;
  - huge_tuple: a zeroed GC header, then a tuple header claiming 2**58
                items in a 48-byte block (the size would wrap unchecked).
None is an object: refheap must list none of them and no size beyond the
core. The record (written before the stop) has the blocks' addresses and
sizes. Then the process stops itself with SIGSTOP inside a generator, so
that a running generator (3.11+: stacktop -1) is in the heap; the test
dumps it with gcore and kills it.
"""
import ctypes
import decimal
import json
import os
import signal
import struct
import sys

files = [open(__file__), open(__file__, encoding="utf-8"), open(os.devnull)]
ctx = decimal.getcontext()

malloc = ctypes.pythonapi.PyMem_Malloc
malloc.restype = ctypes.c_void_p
malloc.argtypes = [ctypes.c_size_t]


def plant(name, size, data):
    p = malloc(size)
    if not p:
        sys.exit("PyMem_Malloc(%d) failed" % size)
    data = data.ljust(size, b"\0")[:size]
    ctypes.memmove(p, data, size)
    return {"name": name, "addr": p, "size": size}


def q(*words):
    return struct.pack("<%dq" % len(words), *words)


planted = [
    plant("text_list", 32, b"/usr/lib/python3" + q(1, id(list))),
    plant("huge_bytes", 64, q(1, id(bytes), 1 << 40, -1)),
    plant("bad_dict", 64, q(0, 0, 1, id(dict), -5, 0, 0x18, 0)),
    plant("huge_tuple", 48, q(0, 0, 1, id(tuple), 1 << 58, 0)),
]


def main():
    out = sys.argv[sys.argv.index("--out") + 1]
    with open(out, "w") as f:
        json.dump({"pid": os.getpid(), "version": sys.version,
                   "planted": planted}, f)

    def running():
        # Stopped while this generator runs: its frame is executing.
        os.kill(os.getpid(), signal.SIGSTOP)
        yield 1
    next(running())


main()
