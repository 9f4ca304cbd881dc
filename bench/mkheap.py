#!/usr/bin/env python3
"""Benchmark heap generator: build about N Python objects, time the
interpreter's own full collection in the same process, then stop with SIGSTOP
so that the process can be dumped with gcore.

    python3 mkheap.py N [--out STATS.json] [--no-stop]

N counts all objects created (GC-tracked containers and untracked str, int,
float), not bytes.  Heap shape (adapted from the project's shared baseline
generator, about 16 objects per "user"): a User instance with uid, name,
email, score, balance; a list of two (str, int) tuples; a nested prefs dict;
a link to the previous user; a User <-> Session cycle for every 4th user; a
self-referencing history list for every 50th; a materialized instance
__dict__ for every 3rd.  Everything hangs off the module-level REGISTRY, so a
full collection has nothing to free.

STATS.json: N, python, pid, users, build_s, gc_collect_full_s (best of 3),
len_gc_get_objects_s, gc_tracked_objects, allocated_blocks, gen_counts (len of
each generation when stopping), tracked_at_stop (all generations and the
permanent one, within a few objects of what the core holds), rss_kib,
probe_addr (hex(id()) of the User half-way through REGISTRY: an object in
the middle of the heap for `refheap why`, without exporting the heap to find
one).
"""
import gc
import json
import os
import signal
import sys
import time

OBJS_PER_USER = 16


class User:
    pass


class Session:
    pass


TAGS = tuple(sys.intern(t) for t in
             ("admin", "staff", "beta", "vip", "trial", "banned", "bot"))
THEMES = ("dark", "light", "solarized")
REGISTRY = {}
YOUNG = []


def make_user(uid):
    u = User()
    u.uid = uid
    u.name = "user%d" % uid
    u.email = "user%d@example.com" % uid
    u.score = uid * 0.5
    u.balance = float(uid % 1000) + 0.25
    u.tags = [(TAGS[uid % 7], uid % 100), (TAGS[(uid + 3) % 7], uid * 3)]
    u.prefs = {"theme": THEMES[uid % 3],
               "limits": {"daily": uid % 500 + 1000, "monthly": uid * 31}}
    u.friend = None
    return u


def build(n_objects):
    n_users = max(1, n_objects // OBJS_PER_USER)
    prev = None
    for uid in range(1000, 1000 + n_users):
        u = make_user(uid)
        u.friend = prev
        if uid % 4 == 0:
            s = Session()
            s.user = u
            s.token = "tok-%x" % (uid * 2654435761 & 0xffffffff)
            u.session = s
        if uid % 50 == 0:
            u.history = [u, uid, "login"]
        if uid % 3 == 0:
            vars(u)
        REGISTRY[uid] = u
        prev = u
    return n_users


def best_of(fn, repeat=3):
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best = dt if best is None or dt < best else best
    return best


def rss_kib():
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0])
    return out


def main():
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        sys.exit(2)
    n = int(float(args[0]))
    out = args[args.index("--out") + 1] if "--out" in args else None
    stats = {"N": n, "python": sys.version.split()[0], "pid": os.getpid()}
    t0 = time.perf_counter()
    stats["users"] = build(n)
    stats["build_s"] = time.perf_counter() - t0
    gc.collect()
    stats["gc_collect_full_s"] = best_of(gc.collect)
    stats["len_gc_get_objects_s"] = best_of(lambda: len(gc.get_objects()))
    stats["gc_tracked_objects"] = len(gc.get_objects())
    stats["allocated_blocks"] = sys.getallocatedblocks()
    for i in range(3000):                 # young objects: gens 0 and 1 not empty
        YOUNG.append(make_user(10 ** 9 + i))
        if i == 1500:
            gc.collect(0)
    stats["gen_counts"] = [len(gc.get_objects(generation=g)) for g in range(3)]
    stats["tracked_at_stop"] = sum(stats["gen_counts"]) + gc.get_freeze_count()
    stats["rss_kib"] = rss_kib()
    stats["probe_addr"] = hex(id(REGISTRY[1000 + stats["users"] // 2]))
    js = json.dumps(stats, indent=1, sort_keys=True)
    if out:
        with open(out, "w") as f:
            f.write(js + "\n")
    print(js, flush=True)
    if "--no-stop" not in args:
        print("READY pid=%d; stopping with SIGSTOP" % os.getpid(), flush=True)
        os.kill(os.getpid(), signal.SIGSTOP)


if __name__ == "__main__":
    main()
