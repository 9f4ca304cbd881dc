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
  - no_type:    a header whose type word points at a zeroed block (no
                type: not even PyType_Ready'd); trust.sh points a list
                item at it in a copy of the core.
None is an object: refheap must list none of them and no size beyond the
core. The record (written before the stop) has the blocks' addresses and
sizes.

A thread then blocks in poll(2), called through ctypes with the address
16 bytes into the tuple `(Stray,)` as its (unused) first argument: ctypes
keeps that argument in its C frame on the thread's stack
(Modules/_ctypes/callproc.c _ctypes_callproc, `args` alloca'd), where the
conservative scan of native stacks reads it. There the tuple's ob_size (1)
and first item (the class Stray) read as the header of a Stray instance,
under a GC header that is the tuple's own object header: not an object,
and the record names the address as one refheap must not export (the
shape of a phantom once exported from a Django core, realapps.sh).

Then the process stops itself with SIGSTOP inside a generator, so that a
running generator (3.11+: stacktop -1) is in the heap; the test dumps it
with gcore and kills it.
"""
import ctypes
import decimal
import json
import os
import signal
import struct
import sys
import threading
import time

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
not_a_type = plant("zeroed", 512, b"")
planted.append(plant("no_type", 32, q(1, not_a_type["addr"])))
planted.append(not_a_type)


class Stray:
    pass


stray_tuple = (Stray,)
# what follows the tuple's header: ob_size 1, then ob_item[0]
interior = id(stray_tuple) + 16


def block_in_poll():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.poll.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int]
    # no descriptors, no timeout: blocks until the process is killed
    libc.poll(interior, 0, -1)


def start_poller():
    t = threading.Thread(target=block_in_poll, daemon=True)
    t.start()
    # x86-64 poll is system call 7: wait until the thread is inside it
    path = "/proc/self/task/%d/syscall" % t.native_id
    for _ in range(500):
        try:
            with open(path) as f:
                if f.read().split()[0] == "7":
                    return
        except (OSError, IndexError):
            pass
        time.sleep(0.01)
    sys.exit("the poll thread did not block in poll(2)")


def main():
    out = sys.argv[sys.argv.index("--out") + 1]
    start_poller()
    with open(out, "w") as f:
        json.dump({"pid": os.getpid(), "version": sys.version,
                   "planted": planted, "interior": [interior]}, f)

    def running():
        # Stopped while this generator runs: its frame is executing.
        os.kill(os.getpid(), signal.SIGSTOP)
        yield 1
    next(running())


main()
