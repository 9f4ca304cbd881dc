#!/usr/bin/env python3
"""Plant leaked objects ("orphans": an extra reference, and nothing refers to
them), hold still to be dumped, then record what CPython itself says about
its allocators at that moment: the oracle of
tests/integration/alloc_scan.sh (refheap's allocator scan).

Usage:
    orphans.py --stop --out RECORD.json --stats STATS.txt

--stop   build the heap, plant the orphans, print "READY pid=N", stop with
         SIGSTOP (the test dumps the process with gcore, then sends
         SIGCONT), record to RECORD.json, exit 0.
Exit status: 0 ok, 2 usage, 3 the record is not trustworthy (harness
error: say so on stderr; it is not a refheap failure).

Works on CPython 3.8-3.13 (64-bit, default build, glibc). Standard library
only (ctypes).

The orphans
-----------
Each orphan is created in a function, given one extra reference with
ctypes.pythonapi.Py_IncRef(), and every Python reference to it is dropped
when the function returns: it is leaked, reachable from nothing, exactly
what a reference-count bug in C code leaves behind. Kinds: a str, an int, a
tuple, a list, a dict, an instance of a plain class (a managed dict from
3.11) -- all small, so in pymalloc blocks -- and, above pymalloc's 512-byte
limit, a bytes and a tuple in the main arena's brk heap, a bytes made by a
second thread (so in that thread's malloc arena; the thread stays alive,
blocked in read(2)), and a 33 MiB bytes, above glibc's largest mmap threshold
(DEFAULT_MMAP_THRESHOLD_MAX, 32 MiB) so in a chunk of its own mapping.

Last before the stop, 25 small chunks are malloc'ed and freed with libc's
malloc/free ("freed" in the record): 7 land in the main thread's tcache, the
rest in the main arena's fastbin, where glibc keeps them marked in use; the scan
must not report them.

For each (and for a few ordinary live objects, "live" in the record) the
record has its address (id()), the offset at which the object
lies in its allocator block, as CPython sees it: sys.getsizeof(o) -
o.__sizeof__() (sizeof(PyGC_Head) for GC types in 3.8-3.10,
_PyType_PreHeaderSize() from 3.11: 16 for GC types, 32 for managed-dict
instances; 0 otherwise), and where it must be: pymalloc, or malloc in the
main arena, a thread arena or an mmapped chunk.

The allocator counts, exact at the stop
---------------------------------------
Before stopping, file descriptor 2 is pointed at STATS.txt. The process
stops inside os.kill(); after SIGCONT the first statements are
    sys._debugmallocstats()      # CPython walks its arenas: blocks in use
                                 # per size class; allocates nothing first
    sys.getallocatedblocks()     # counts before allocating its result
Nothing is allocated between the stop and these walks (os.kill returns
None, the three functions are already bound to locals, the collector is
disabled, and the second thread sleeps in read(2) without the GIL: a thread
still running Python code would take the GIL at the first eval-breaker check
after SIGCONT and allocate), so both describe the heap as dumped. The record
has getallocatedblocks() and the per-class "blocks in use" parsed from
STATS.txt. (Recording in a fork()ed child instead would not be exact:
PyOS_AfterFork_Child() deletes the other threads' states and runs the
at-fork hooks, threading's among them, before the child's first statement.)

Self-checks (exit 3 if one fails): each orphan can be found again by its
address (ctypes) with the same type, and its reference count is exactly
the planted one plus the references this check itself holds: nothing else
refers to it; the stats file has the per-class table.
"""
import ctypes
import gc
import json
import os
import re
import signal
import sys
import threading
import time

HUGE = 33 << 20           # above DEFAULT_MMAP_THRESHOLD_MAX (32 MiB)
LARGE = 3000              # above SMALL_REQUEST_THRESHOLD (512)
FASTBIN_REQUEST = 100     # a 0x70-byte chunk: fastbin and tcache size

# Orphans' descriptions (strings only: never the objects).
PLANTED = []
KEEP = []                 # the ordinary heap, reachable from here


class Orphan:
    """A plain class: a managed dict from 3.11."""

    def __init__(self, n):
        self.n = n
        self.label = "orphan instance %d" % n


def describe(name, obj, where):
    return {
        "name": name,
        "addr": hex(id(obj)),
        "type": type(obj).__name__,
        "getsizeof": sys.getsizeof(obj),
        "offset": sys.getsizeof(obj) - obj.__sizeof__(),
        "where": where,
    }


def plant(name, obj, where):
    """Leak obj (one extra reference) and describe it."""
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))
    PLANTED.append(describe(name, obj, where))


def live_sample():
    """Some ordinary live objects (all small: pymalloc) for the same check."""
    junk, table = KEEP
    out = []
    for i in (2, 4, 5, 1000, 29999):   # not None, not 1-char strs
        t = junk[i]
        out.append(describe("live tuple %d" % i, t, "pymalloc"))
        out.append(describe("live str %d" % i, t[2], "pymalloc"))
        out.append(describe("live list %d" % i, t[3], "pymalloc"))
    out.append(describe("live dict", table, "pymalloc"))
    out.append(describe("live float", table["k4321"], "pymalloc"))
    return out


def plant_small(pid):
    plant("str", "orphan str %d %s" % (pid, "x" * 20), "pymalloc")
    plant("int", 10 ** 30 + pid, "pymalloc")
    plant("tuple", (pid + 0.5, "tuple item %d" % pid), "pymalloc")
    plant("list", [pid, "list item %d" % pid], "pymalloc")
    plant("dict", {"key %d" % pid: pid}, "pymalloc")
    plant("instance", Orphan(pid), "pymalloc")


def plant_large(pid):
    plant("bytes_large", b"L" * LARGE + str(pid).encode(), "malloc-main")
    plant("tuple_large", tuple(range(pid, pid + 100)), "malloc-main")
    plant("bytes_huge", bytes(HUGE), "malloc-mmapped")


def thread_body(box, rfd, pid):
    # The first malloc of a new thread gets a new arena (arena_get2()).
    plant("bytes_thread", b"T" * LARGE + str(pid).encode(), "malloc-thread")
    box.append(threading.get_native_id())
    os.read(rfd, 1)       # blocked in read(2): in C, without the GIL


def in_read(tid):
    """Whether thread tid sleeps in read(2) (x86-64 syscall 0)."""
    try:
        with open("/proc/self/task/%d/syscall" % tid) as f:
            return f.read().split()[0] == "0"
    except (OSError, IndexError):
        return False


def wait_until(what, cond):
    deadline = time.monotonic() + 60
    while not cond():
        if time.monotonic() > deadline:
            raise SystemExit("orphans.py: timed out waiting for %s" % what)
        time.sleep(0.001)


def free_to_bins():
    """malloc then free small chunks: the first ones fill the thread's tcache
    bin (7 entries), the rest go to the main arena's fastbin; glibc keeps
    all of them marked in use. Their addresses must NOT be reported."""
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    ptrs = [libc.malloc(FASTBIN_REQUEST) for _ in range(25)]
    for p in ptrs:
        libc.free(p)
    return [hex(p) for p in ptrs]


def build_heap():
    """An ordinary heap with holes: free chains in many pools."""
    junk = []
    for i in range(30000):
        junk.append(("item", i, str(i) * (i % 7), [i] * (i % 5)))
    for i in range(0, len(junk), 3):
        junk[i] = None
    KEEP.append(junk)
    KEEP.append({"k%d" % i: float(i) for i in range(5000)})


def parse_stats(path):
    """Blocks in use per block size from sys._debugmallocstats()."""
    classes = {}
    in_table = False
    with open(path) as f:
        for line in f:
            if line.startswith("class") and "blocks in use" in line:
                in_table = True
                continue
            if not in_table or line.startswith("-----"):
                continue
            m = re.match(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", line)
            if not m:
                if classes:
                    break
                continue
            classes[int(m.group(2))] = int(m.group(4))
    return classes


def check_orphans():
    bad = []
    # what sys.getrefcount() says of an object only a local holds: 2
    # until 3.13 (the local, the argument); 1 from 3.14, whose compiler
    # loads a local as a borrowed reference (LOAD_FAST_BORROW)
    fresh = object()
    base = sys.getrefcount(fresh)
    for o in PLANTED:
        obj = ctypes.cast(int(o["addr"], 16), ctypes.py_object).value
        # references: the planted one, then obj as `fresh` above
        seen = sys.getrefcount(obj) - base
        if type(obj).__name__ != o["type"] or seen != 1:
            bad.append("%s: type %s, %d references besides ours (planted: %s, 1)"
                       % (o["name"], type(obj).__name__, seen, o["type"]))
        del obj
    return bad


def main():
    args = sys.argv[1:]
    if "--stop" not in args or "--out" not in args or "--stats" not in args:
        sys.stderr.write(__doc__)
        return 2
    out = args[args.index("--out") + 1]
    stats_path = args[args.index("--stats") + 1]
    pid = os.getpid()

    build_heap()
    live = live_sample()
    # A second thread plants an orphan in its own malloc arena, then blocks
    # in read(2). It must be blocked in C before the stop: a thread still
    # running Python code would take the GIL after SIGCONT and allocate
    # before the walks below (seen as a few blocks' difference).
    box = []
    rfd, wfd = os.pipe()
    worker = threading.Thread(target=thread_body, args=(box, rfd, pid))
    worker.start()
    wait_until("the worker's orphan", lambda: box)
    wait_until("the worker to block in read(2)", lambda: in_read(box[0]))
    plant_small(pid)
    plant_large(pid)
    gc.collect()
    gc.disable()           # no collection between the stop and the walks
    # last: nothing may malloc this size before the stop and reuse them
    freed = free_to_bins()

    saved_stderr = os.dup(2)
    stats_fd = os.open(stats_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    print("READY pid=%d" % pid, flush=True)
    os.dup2(stats_fd, 2)
    sig = signal.SIGSTOP.value
    debugmallocstats = sys._debugmallocstats
    getallocatedblocks = sys.getallocatedblocks
    kill = os.kill
    # ---- stopped here and dumped; nothing allocates until both walks ran
    kill(pid, sig)
    debugmallocstats()
    allocated_blocks = getallocatedblocks()
    # ----
    os.dup2(saved_stderr, 2)
    os.close(saved_stderr)
    os.close(stats_fd)

    problems = check_orphans()
    classes = parse_stats(stats_path)
    if not classes:
        problems.append("no per-class table in %s" % stats_path)
    os.write(wfd, b"q")
    worker.join()
    record = {
        "version": "%d.%d.%d" % sys.version_info[:3],
        "pid": pid,
        "allocated_blocks": allocated_blocks,
        "blocks_in_use": sum(classes.values()),
        "classes": {str(k): v for k, v in sorted(classes.items())},
        "orphans": PLANTED,
        "live": live,
        "freed": freed,
    }
    with open(out, "w") as f:
        json.dump(record, f, indent=1)
    if problems:
        sys.stderr.write("orphans.py: the record is not trustworthy:\n  %s\n"
                         % "\n  ".join(problems))
        return 3
    print("RECORDED path=%s" % out, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
