#!/usr/bin/env python3
"""Compare `refheap summary --json` with the interpreter's own record.

    compare_summary.py RECORD SUMMARY [--label L] [--kind core|live]
                       [--cache yes|no|any] [--top N]

RECORD is written by samples/known_heap.py (what CPython said about its heap
when it was dumped); SUMMARY is refheap's JSON output for the same heap.
Every field the record knows must match exactly; every type of tracked object
must be there, with its name, count, bytes and per-generation counts.
--cache says whether python.layouts_from_cache must be true (yes), false (no)
or is not checked (any).  --top N: refheap was run with --top N.

Exit status: 0 match; 1 mismatch or unusable refheap output (a table of the
differences is printed); 99 the record itself is not valid (harness error).
Runs on Python 3.8+ (standard library only).
"""
import json
import os
import sys


def usage():
    sys.stderr.write(__doc__)
    sys.exit(99)


def parse_args(argv):
    opts = {"label": "", "kind": None, "cache": "any", "top": None}
    pos = []
    it = iter(argv)
    for a in it:
        if a in ("--label", "--kind", "--cache", "--top"):
            v = next(it, None)
            if v is None:
                usage()
            opts[a[2:]] = int(v) if a == "--top" else v
        elif a.startswith("--"):
            usage()
        else:
            pos.append(a)
    if len(pos) != 2 or opts["cache"] not in ("yes", "no", "any"):
        usage()
    return pos[0], pos[1], opts


class Diff:
    def __init__(self):
        self.rows = []

    def add(self, what, field, expected, got):
        self.rows.append((what, field, expected, got))

    def eq(self, what, field, expected, got):
        if expected != got:
            self.add(what, field, expected, got)


MISSING = "(missing)"

# Types whose shallow size refheap must give exactly (sys.getsizeof()).
CORE_TYPES = {
    "object", "type", "dict", "list", "tuple", "set", "frozenset", "int",
    "str", "bytes", "bytearray", "function", "cell", "method", "module",
    "frame", "generator", "coroutine", "async_generator", "code",
    "builtin_function_or_method", "method_descriptor", "wrapper_descriptor",
    "getset_descriptor", "member_descriptor", "classmethod", "staticmethod",
    "property", "weakref.ReferenceType", "weakref", "mappingproxy",
    "collections.deque", "collections.OrderedDict", "collections.defaultdict",
    "functools.partial", "_io.BufferedReader", "_io.BufferedWriter",
    "_io.TextIOWrapper", "_io.FileIO", "slice", "range", "memoryview",
}
APPROXIMATE = set()


def get(obj, *path):
    """obj[path[0]][path[1]]... or MISSING."""
    for p in path:
        try:
            obj = obj[p]
        except (KeyError, IndexError, TypeError):
            return MISSING
    return obj


def fmt(v):
    if isinstance(v, str):
        return v
    return json.dumps(v)


def same_file(a, b):
    if not isinstance(a, str) or not isinstance(b, str):
        return False
    if a == b or os.path.realpath(a) == os.path.realpath(b):
        return True
    # a sample run in another root (test-lib.sh's py_exec: chroot) records
    # its own path, refheap names the file the host mapped: ROOT + that path
    root = os.environ.get("REFHEAP_TEST_SYSROOT", "")
    return bool(root) and b == root.rstrip("/") + a


def compare(rec, out, opts, d):
    g = rec["gc"]

    d.eq("summary", "record", "summary", get(out, "record"))
    if opts["kind"]:
        d.eq("target", "kind", opts["kind"], get(out, "target", "kind"))
    d.eq("target", "pid", rec["pid"], get(out, "target", "pid"))

    py = rec["python"]
    d.eq("python", "version", py["version"], get(out, "python", "version"))
    d.eq("python", "version_hex", py["version_hex"], get(out, "python", "version_hex"))
    mod = get(out, "python", "module")
    if py.get("module") and not same_file(py["module"], mod):
        d.add("python", "module", py["module"], mod)
    # 3.13+ carry their own offsets (_Py_DebugOffsets): refheap must have
    # confirmed its DWARF layouts against them.
    if tuple(int(x) for x in py["version"].split(".")[:2]) >= (3, 13):
        n = get(out, "python", "debug_offsets_checked")
        if not isinstance(n, int) or n < 10:
            d.add("python", "debug_offsets_checked", ">= 10", n)
    cached = get(out, "python", "layouts_from_cache")
    if opts["cache"] != "any":
        d.eq("python", "layouts_from_cache", opts["cache"] == "yes", cached)

    interps = get(out, "interpreters")
    if not isinstance(interps, list) or len(interps) != 1:
        d.add("interpreters", "length", 1,
              len(interps) if isinstance(interps, list) else interps)
        mains = [i for i in interps if isinstance(i, dict) and i.get("main")] \
            if isinstance(interps, list) else []
        if not mains:
            return
        it = mains[0]
    else:
        it = interps[0]
    d.eq("interpreters[0]", "main", True, get(it, "main"))
    threads = get(it, "threads")
    d.eq("interpreters[0]", "threads (count)", rec["threads"],
         len(threads) if isinstance(threads, list) else threads)
    ig = get(it, "gc")
    d.eq("gc", "enabled", g["enabled"], get(ig, "enabled"))
    d.eq("gc", "collecting", False, get(ig, "collecting"))
    d.eq("gc", "garbage", g["garbage"], get(ig, "garbage"))
    # the collector in its own terms: 3.14.0-3.14.4's incremental one has a
    # young generation and old spaces 0 and 1, one visited this round
    d.eq("gc", "model", g.get("model", "generational"), get(ig, "model"))
    if g.get("model") == "incremental":
        d.eq("gc", "visited_space", g["visited_space"], get(ig, "visited_space"))
        gl = get(ig, "generations")
        if isinstance(gl, list) and len(gl) == 3:
            want = ["young", "old[0]", "old[1]"]
            for i in range(3):
                d.eq("gc.generations[%d]" % i, "list", want[i], get(gl[i], "list"))
            for s in (0, 1):
                d.eq("gc.generations[%d]" % (1 + s), "space",
                     "visited" if s == g["visited_space"] else "pending",
                     get(gl[1 + s], "space"))
    for f in ("long_lived_total", "long_lived_pending"):
        if g.get(f) is not None:
            d.eq("gc", f, g[f], get(ig, f))
    gens = get(ig, "generations")
    if not isinstance(gens, list) or len(gens) != 3:
        d.add("gc.generations", "length", 3,
              len(gens) if isinstance(gens, list) else gens)
    else:
        for i in range(3):
            what = "gc.generations[%d]" % i
            d.eq(what, "gen", i, get(gens[i], "gen"))
            d.eq(what, "threshold", g["thresholds"][i], get(gens[i], "threshold"))
            d.eq(what, "count", g["counts"][i], get(gens[i], "count"))
            d.eq(what, "objects", g["generations"][i]["objects"], get(gens[i], "objects"))
            if get(gens[i], "bytes_exact") is not False:
                d.eq(what, "bytes", g["generations"][i]["bytes"], get(gens[i], "bytes"))
    d.eq("gc.permanent", "objects", g["permanent"]["objects"],
         get(ig, "permanent", "objects"))
    if get(ig, "permanent", "bytes_exact") is not False:
        d.eq("gc.permanent", "bytes", g["permanent"]["bytes"],
             get(ig, "permanent", "bytes"))

    d.eq("objects", "tracked", rec["objects"]["tracked"], get(out, "objects", "tracked"))
    if get(out, "objects", "bytes_exact") is not False:
        d.eq("objects", "bytes", rec["objects"]["bytes"], get(out, "objects", "bytes"))

    problems = get(out, "problems")
    if problems != []:
        d.add("problems", "list", [], problems)

    types = get(out, "types")
    if not isinstance(types, list):
        d.add("types", "list", "a list", types)
        return
    counts = [t.get("count") if isinstance(t, dict) else None for t in types]
    try:
        if any(counts[i] < counts[i + 1] for i in range(len(counts) - 1)):
            d.add("types", "order", "sorted by count, descending", "not sorted")
    except TypeError:
        d.add("types", "count", "integers", counts)
    got = {}
    for t in types:
        addr = get(t, "addr")
        if isinstance(addr, str):
            try:
                addr = "0x%x" % int(addr, 16)
            except ValueError:
                pass
        if addr in got:
            d.add("type %s" % get(t, "type"), "addr", "unique", "listed twice: %s" % addr)
        got[addr] = t
    want = {t["addr"]: t for t in rec["types"]}
    if opts["top"] is not None:
        n = opts["top"]
        d.eq("types", "length (--top %d)" % n, min(n, len(want)), len(types))
        top_counts = sorted((t["count"] for t in rec["types"]), reverse=True)[:n]
        d.eq("types", "counts (--top %d)" % n, top_counts, counts)
        keys = [a for a in got if a in want]
        for a in got:
            if a not in want:
                d.add("type %s (%s)" % (get(got[a], "type"), a), "present",
                      "absent from the heap", "listed")
    else:
        keys = sorted(set(want) | set(got),
                      key=lambda a: -(want.get(a) or {}).get("count", 0))
    for a in keys:
        w = want.get(a)
        t = got.get(a)
        name = (w or t or {}).get("type", "?")
        what = "type %s (%s)" % (name, a)
        if w is None:
            d.add(what, "present", "absent from the heap",
                  "count %s" % fmt(get(t, "count")))
            continue
        if t is None:
            d.add(what, "present", "count %d" % w["count"], "missing")
            continue
        for f in ("type", "count", "per_gen"):
            d.eq(what, f, w[f], get(t, f))
        # refheap may say a type's size is approximate (a C extension's own
        # __sizeof__ it does not model), but never for the core builtins,
        # whose sizes must equal sys.getsizeof().
        if get(t, "size_exact") is False:
            APPROXIMATE.add(name)
            if w["type"] in CORE_TYPES:
                d.add(what, "size_exact", True, False)
        else:
            d.eq(what, "bytes", w["bytes"], get(t, "bytes"))


def main():
    rec_path, out_path, opts = parse_args(sys.argv[1:])
    label = opts["label"] or out_path
    with open(rec_path) as f:
        rec = json.load(f)
    if rec.get("record") != "known_heap" or not rec.get("valid"):
        print("HARNESS ERROR %s: the record %s is not valid: %s"
              % (label, rec_path, rec.get("errors")))
        return 99
    d = Diff()
    text = ""
    try:
        with open(out_path) as f:
            text = f.read()
        out = json.loads(text)
        if not isinstance(out, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as e:
        print("FAIL %s: refheap's output is not one JSON object: %s" % (label, e))
        if text:
            print("  | " + text[:2000].replace("\n", "\n  | "))
        return 1
    compare(rec, out, opts, d)
    if APPROXIMATE:
        print("  note %s: sizes refheap marks approximate (C __sizeof__ not modelled): %s"
              % (label, ", ".join(sorted(APPROXIMATE))))
    if not d.rows:
        print("OK %s: %d tracked objects (gen0 %d, gen1 %d, gen2 %d, permanent %d), "
              "%d types, %d bytes: all match"
              % (label, rec["objects"]["tracked"],
                 rec["gc"]["generations"][0]["objects"],
                 rec["gc"]["generations"][1]["objects"],
                 rec["gc"]["generations"][2]["objects"],
                 rec["gc"]["permanent"]["objects"],
                 len(rec["types"]), rec["objects"]["bytes"]))
        return 0
    print("FAIL %s: %d mismatches (CPython = the interpreter's own record %s)"
          % (label, len(d.rows), rec_path))
    rows = [("what", "field", "CPython", "refheap")] + \
        [(w, f, fmt(e), fmt(g)) for w, f, e, g in d.rows]
    shown = rows[:81]
    widths = [min(60, max(len(r[i]) for r in shown)) for i in range(4)]
    for r in shown:
        print("  " + "  ".join(c[:200].ljust(widths[i]) for i, c in enumerate(r)).rstrip())
    if len(rows) > len(shown):
        print("  ... and %d more" % (len(rows) - len(shown)))
    return 1


if __name__ == "__main__":
    sys.exit(main())
