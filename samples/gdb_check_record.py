# Check a known_heap.py record against the core (or live process) with GDB's
# Python API and the interpreter's DWARF: an oracle for the oracle, used when
# refheap and a record disagree and one must find out which one is wrong.
#
#   RECORD=rec.json gdb -batch -nx -x samples/gdb_check_record.py PYTHON CORE
#   RECORD=rec.json gdb -batch -nx -p PID -x samples/gdb_check_record.py
#       (live: attach while known_heap.py --wait is blocked, then send 'r')
#
# Needs a gdb with Python and debug info for the interpreter (pyenv builds are
# built with -g; Debian's python3.11 needs python3.11-dbg).  Compares, for
# generations 0-2 and the permanent generation: the list lengths, per-type
# (by type address) counts, count/threshold, enabled, collecting,
# long_lived_total/pending, len(gc.garbage) and the number of thread states.
# Sizes (sys.getsizeof) are not checked here.  Prints OK or MISMATCH lines;
# with RECORD unset it prints what it found as JSON.
import json
import os
import struct

import gdb


def ev(expr):
    return gdb.parse_and_eval(expr)


try:                                   # 3.9+: per interpreter
    gcs = ev("_PyRuntime.interpreters.main->gc")
except gdb.error:                      # 3.8: one per process
    gcs = ev("_PyRuntime.gc")
interp = ev("_PyRuntime.interpreters.main")
inferior = gdb.selected_inferior()
unpack = struct.Struct("<QQqQ").unpack   # PyGC_Head + ob_refcnt + ob_type
names = {}


def tp_name(tp):
    if tp not in names:
        v = gdb.Value(tp).cast(gdb.lookup_type("PyTypeObject").pointer())
        names[tp] = v.dereference()["tp_name"].string()
    return names[tp]


found = {"generations": [], "types": {}}
heads = [gcs["generations"][i] for i in range(3)] + [gcs["permanent_generation"]]
for gi, gen in enumerate(heads):
    head = int(gen["head"].address)
    p = unpack(bytes(inferior.read_memory(head, 32)))[0] & ~3
    n = 0
    while p != head and n < 50000000:
        nxt, _prev, _rc, tp = unpack(bytes(inferior.read_memory(p, 32)))
        e = found["types"].setdefault("0x%x" % tp, [tp_name(tp), 0, 0, 0, 0])
        e[1 + gi] += 1
        n += 1
        p = nxt & ~3
    found["generations"].append({"objects": n, "count": int(gen["count"]),
                                 "threshold": int(gen["threshold"])})
found["enabled"] = int(gcs["enabled"])
found["collecting"] = int(gcs["collecting"])
found["long_lived_total"] = int(gcs["long_lived_total"])
found["long_lived_pending"] = int(gcs["long_lived_pending"])
found["garbage"] = int(gcs["garbage"].cast(
    gdb.lookup_type("PyVarObject").pointer())["ob_size"])
try:
    t = interp["threads"]["head"]      # 3.12+
except gdb.error:
    t = interp["tstate_head"]          # 3.8-3.11
nthreads = 0
while int(t) and nthreads < 100000:
    nthreads += 1
    t = t["next"]
found["threads"] = nthreads

path = os.environ.get("RECORD")
if not path:
    print(json.dumps(found, indent=1))
else:
    with open(path) as f:
        rec = json.load(f)
    g = rec["gc"]
    bad = []
    for i in range(3):
        c = found["generations"][i]
        for field, exp in (("objects", g["generations"][i]["objects"]),
                           ("count", g["counts"][i]),
                           ("threshold", g["thresholds"][i])):
            if c[field] != exp:
                bad.append(("gen%d.%s" % (i, field), exp, c[field]))
    if found["generations"][3]["objects"] != g["permanent"]["objects"]:
        bad.append(("permanent.objects", g["permanent"]["objects"],
                    found["generations"][3]["objects"]))
    for field, exp in (("enabled", int(g["enabled"])), ("garbage", g["garbage"]),
                       ("long_lived_total", g["long_lived_total"]),
                       ("long_lived_pending", g["long_lived_pending"]),
                       ("threads", rec["threads"]), ("collecting", 0)):
        if exp is not None and found[field] != exp:
            bad.append((field, exp, found[field]))
    rt = {t["addr"]: t for t in rec["types"]}
    for addr in sorted(set(rt) | set(found["types"])):
        r = rt.get(addr)
        c = found["types"].get(addr)
        exp = r and [r["type"]] + r["per_gen"]
        if exp != c:
            bad.append(("type " + addr, exp, c))
    if not bad:
        print("OK: record matches the target")
    for field, exp, got in bad:
        print("MISMATCH %s: record %r, target %r" % (field, exp, got))
