#!/usr/bin/env python3
"""Compare refheap's referents (tests/tools/referents_dump output) with the
interpreter's own gc.get_referents() record (samples/referents_heap.py).

    compare_referents.py RECORD.jsonl DUMP.jsonl [--label NAME]
                         [--min-overall 99.9] [--min-builtin 100]
                         [--strict-classes]

Objects are matched by address and C tp_name; objects the child recorded
but refheap did not see (allocated after the fork), the child's own
frames and the interned strings (the record's "volatile" list) are not
compared.  For every type it
prints: objects compared, exact matches (same references in the same
order), multiset matches (same references, any order), references missing
from refheap and extra in refheap.

Object kinds come from the record: "builtin" (tp_traverse in the
interpreter's own module), "class" (subtype_traverse) and "extension"
(another module; refheap scans those conservatively and never counts the
result as traversed).

An extension-kind object whose dump line says "traverse": "extension"
(refheap mirrors its tp_traverse, reading the extension module's own DWARF;
tests/tools/referents_dump writes it) is shown as kind "ext-known" and held
to the builtin bar: refheap claims to know it.

Fails (exit 1) unless every compared builtin-kind and ext-known object has
the same multiset as CPython (--min-builtin, percent) and at least
--min-overall percent of all compared objects do, and (with --core-size
BYTES, for `refheap export`) no dumped object has an impossible refcount
or size: a phantom; with --strict-classes, also if an instance of a
Python class differs in a way the conservative scan does not explain
(something missing that it did not find, or anything extra).  Exit 3
when the only failure is one
object of a builtin type, 99 when the inputs are unusable (harness
error).  Runs on any Python 3.
"""
import collections
import json
import sys


def load_record(path):
    with open(path) as f:
        header = json.loads(next(f))
        if header.get("record") != "referents":
            raise ValueError("%s is not a referents record" % path)
        objs = {}
        for line in f:
            o = json.loads(line)
            objs[int(o["a"], 16)] = o
    return header, objs


STATIC_REFCNTS = (0xffffffff, 999999999)


def addr_of(s):
    return int(s.split("=", 1)[0], 16)


def load_dump(path):
    objs = {}
    summary = None
    with open(path) as f:
        for line in f:
            o = json.loads(line)
            if "summary" in o:
                summary = o["summary"]
                continue
            # `refheap export` lines: only object records carry referents.
            if o.get("record") == "snapshot":
                # The export's first line plays the summary's part.
                summary = {"objects": o.get("objects", 0), "errors": 0,
                           "problems": len(o.get("problems", []))}
                continue
            if o.get("record", "object") != "object":
                continue
            objs[int(o["addr"], 16)] = o
    return objs, summary


def main(argv):
    args = list(argv)
    label, min_overall, min_builtin = "", 99.9, 100.0
    strict_classes = False
    core_size = None
    pos = []
    while args:
        a = args.pop(0)
        if a == "--label":
            label = args.pop(0)
        elif a == "--min-overall":
            min_overall = float(args.pop(0))
        elif a == "--min-builtin":
            min_builtin = float(args.pop(0))
        elif a == "--strict-classes":
            strict_classes = True
        elif a == "--core-size":
            core_size = int(args.pop(0))
        else:
            pos.append(a)
    if len(pos) != 2:
        sys.stderr.write(__doc__)
        return 99
    try:
        header, rec = load_record(pos[0])
        dump, summary = load_dump(pos[1])
    except (OSError, ValueError, StopIteration, KeyError) as e:
        print("HARNESS ERROR %s: unusable input: %s" % (label, e))
        return 99
    if summary is None:
        print("HARNESS ERROR %s: the dump has no summary line (refheap stopped early?)" % label)
        return 99
    volatile = set(int(x, 16) for x in header.get("volatile", []))

    stats = collections.defaultdict(lambda: collections.Counter())
    examples = collections.defaultdict(list)
    kinds = {}
    compared = skipped_volatile = type_differs = 0
    only_record = only_dump = errors = 0
    cons_missing = 0
    class_unexplained = []
    for a, o in rec.items():
        d = dump.get(a)
        if d is None:
            only_record += 1
            continue
        if a in volatile:
            skipped_volatile += 1
            continue
        if d["type"] != o["t"]:
            type_differs += 1
            continue
        compared += 1
        if o["k"] == "class":
            t = "(classes)"
        elif o["k"] == "extension" and o["t"] == "module":
            t = "module (m_traverse in an extension)"
        else:
            t = o["t"]
        kind = o["k"]
        if kind == "extension" and d.get("traverse") == "extension":
            kind = "ext-known"
            t = t + " [ext-known]"
        kinds[t] = kind
        st = stats[t]
        st["objects"] += 1
        want = [int(x, 16) for x in o["r"]]
        got = [addr_of(x) for x in d["refs"]]
        if "error" in d:
            errors += 1
            st["errors"] += 1
        if want == got:
            st["exact"] += 1
        cw, cg = collections.Counter(want), collections.Counter(got)
        if cw == cg:
            st["multiset"] += 1
        else:
            missing = cw - cg
            extra = cg - cw
            st["missing"] += sum(missing.values())
            st["extra"] += sum(extra.values())
            cons = collections.Counter(addr_of(x) for x in d.get("conservative", []))
            if missing and not (missing - cons) and not extra:
                st["missing_in_conservative"] += 1
                cons_missing += 1
            if o["k"] == "class" and (missing - cons or extra):
                class_unexplained.append(a)
            if len(examples[t]) < 3:
                examples[t].append((a, o["r"], d["refs"], d.get("error") or o.get("n")))
        if want != got and cw == cg and len(examples[t]) < 3:
            examples[t].append((a, o["r"], d["refs"], "order differs"))
    only_dump = sum(1 for a in dump if a not in rec)

    print("=== %s (CPython %s): %d objects recorded, %d dumped by refheap"
          % (label, header.get("version"), len(rec), len(dump)))
    print("compared %d; skipped: %d volatile (the child's frames, the interned strings), %d only in the "
          "record (allocated after the fork), %d with another type at that address; "
          "%d only in the core; %d referents errors; %d problems"
          % (compared, skipped_volatile, only_record, type_differs, only_dump,
             errors, summary.get("problems", 0)))
    rows = sorted(stats.items(), key=lambda kv: (kv[1]["multiset"] - kv[1]["objects"],
                                                kv[1]["exact"] - kv[1]["objects"], kv[0]))
    print("%-44s %-9s %8s %8s %8s %8s %8s" % ("type", "kind", "objects", "exact",
                                             "multiset", "missing", "extra"))
    for t, st in rows:
        mark = ("" if st["exact"] == st["objects"] else "  <-- order differs") \
            if st["multiset"] == st["objects"] else "  <-- differs"
        if st["missing_in_conservative"]:
            mark += " (%d: missing refs all found by the conservative scan)" % st["missing_in_conservative"]
        print("%-44s %-9s %8d %8d %8d %8d %8d%s" % (t[:44], kinds[t], st["objects"], st["exact"],
                                                    st["multiset"], st["missing"], st["extra"], mark))
    def named(x):
        o = rec.get(x) or dump.get(x) or {}
        return "0x%x (%s)" % (x, o.get("t") or o.get("type") or "not an object of the record or the dump")

    for t, exs in examples.items():
        for a, want, got, note in exs:
            print("  example %s 0x%x (%s):\n    cpython: %s\n    refheap: %s"
                  % (t, a, note or "multiset differs", " ".join(want[:12]), " ".join(got[:12])))
            cw = collections.Counter(int(x, 16) for x in want)
            cg = collections.Counter(addr_of(x) for x in got)
            for what, diff in (("missing", cw - cg), ("extra", cg - cw)):
                if diff:
                    print("    %s: %s" % (what, ", ".join(named(x) for x in sorted(diff))))

    def pct(num, den):
        return 100.0 * num / den if den else 100.0
    tot = sum(st["objects"] for st in stats.values())
    ms = sum(st["multiset"] for st in stats.values())
    ex = sum(st["exact"] for st in stats.values())
    exact_kinds = ("builtin", "ext-known")
    btot = sum(st["objects"] for t, st in stats.items() if kinds[t] in exact_kinds)
    bms = sum(st["multiset"] for t, st in stats.items() if kinds[t] in exact_kinds)
    bex = sum(st["exact"] for t, st in stats.items() if kinds[t] in exact_kinds)
    etot = sum(st["objects"] for t, st in stats.items() if kinds[t] == "ext-known")
    ems = sum(st["multiset"] for t, st in stats.items() if kinds[t] == "ext-known")
    print("overall: %d objects, %.3f%% exact, %.3f%% multiset; builtin types: %d objects, "
          "%.3f%% exact, %.3f%% multiset (of which extension types refheap mirrors: %d, %d equal); "
          "%d mismatches fully explained by the conservative scan"
          % (tot, pct(ex, tot), pct(ms, tot), btot, pct(bex, btot), pct(bms, btot),
             etot, ems, cons_missing))
    if compared == 0 or compared < 0.9 * len(rec) - skipped_volatile - only_record:
        print("HARNESS ERROR %s: too few objects compared (%d of %d)" % (label, compared, len(rec)))
        return 99
    ok = pct(bms, btot) >= min_builtin and pct(ms, tot) >= min_overall
    # --strict-classes: an instance of a Python class may differ only where
    # its C base is unknown to refheap and its words are scanned (what is
    # missing is all in the conservative scan, nothing extra): with only
    # the standard library loaded, every other difference is a mistake of
    # subtype_traverse's mirror (3.12+: the managed dict of a subclass of
    # _asyncio.Future visited twice).
    if strict_classes and class_unexplained:
        print("%d class instances differ beyond the conservative scan, e.g. %s"
              % (len(class_unexplained), ", ".join("0x%x (%s)" % (a, rec[a]["t"])
                                                   for a in class_unexplained[:5])))
        ok = False
    # A phantom (words that are not an object, taken for one) shows as a
    # referent no CPython object has, often of a class instance scanned
    # conservatively, which the bars above forgive: its count gives it
    # away. A count above one per word of the core is impossible, except
    # the fixed counts of objects that never die (3.12+ immortals'
    # 0xffffffff, 3.11's deep-frozen 999999999; refheap's verdict says
    # "immortal" for the rest).
    bad = []
    if core_size is not None:
        for a, d in dump.items():
            rc, size = d.get("refcnt"), d.get("size")
            if (rc is not None and (rc < 0 or (rc > core_size // 8 and rc not in STATIC_REFCNTS
                                               and d.get("verdict") != "immortal"))) \
                    or (size is not None and (size <= 0 or size > core_size)):
                bad.append("0x%x %s refcnt %s size %s (found by %s)"
                           % (a, d.get("type"), rc, size, d.get("found")))
        if bad:
            print("%d objects with an impossible count or size in a core of %d bytes, e.g.:\n    %s"
                  % (len(bad), core_size, "\n    ".join(bad[:10])))
            ok = False
    # One object of a builtin type differing, and nothing else: exit 3,
    # so that referents.sh can tell it from a wider failure (it checks a
    # fresh process before failing).
    one = not ok and not bad and btot - bms == 1 and pct(ms, tot) >= min_overall and \
        not (strict_classes and class_unexplained)
    print("%s %s%s" % ("OK" if ok else "FAIL", label, " (one object)" if one else ""))
    return 0 if ok else 3 if one else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
