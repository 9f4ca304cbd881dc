#!/usr/bin/env python3
"""Judge refheap on the core of a real application (tests/integration/realapps.sh).

    check_realapp.py --label L --core CORE --export EXPORT.jsonl
                     --generations GENS.json --core-words TOOL
                     [--planted PLANTED] [--max-pointed 10]
                     [--dump REFERENTS_DUMP.jsonl] [--native-verdict yes|no]

EXPORT is `refheap export` on CORE; GENS the interpreter's own count of
each GC generation at the moment of the dump (samples/realapp_oracle.py).
Referents parity is checked apart (compare_referents.py). Checks:

  1. the tracked objects of each generation: refheap's count equals the
     interpreter's;
  2. no exported object has an impossible size (0, or more than the core
     holds), a negative or impossible refcount, or a type refheap could not
     read (a name in angle brackets: "<unknown type>", "<type 0x... with
     unreadable name>");
  3. objects judged `unaccounted`: each one's address is looked for as an
     aligned 8-byte word in all of the core's memory (TOOL,
     tests/tools/core_words, which shares no code with refheap). One that
     nothing points at is a real leak and `unaccounted` is right (they are
     listed); at most --max-pointed of those some word does point at are
     allowed, each printed with the address of the first such word and
     where that word is. A word that is itself a conservative root refheap
     reports (a native stack, an executing frame's value stack) or lies in
     an object whose type refheap cannot traverse (--dump says which: a
     mypyc class, a C extension's) is native code's hold: with
     --native-verdict yes (refheap has a verdict for objects held only by
     native code) such objects must not be judged unaccounted either;
     with no, they are listed and counted apart. A verdict
     "held-by-native" is not a leak verdict and is only counted;
  4. with --planted: every planted leak (Py_IncRef'd and dropped) is
     exported and judged `unaccounted`;
  5. with --garbage (what a full gc.collect() found unreachable, asked in
     the twin): refheap's cyclic garbage is exactly the part of it that
     existed at the dump.

With --native-verdict no (refheap without issue 9's verdict for objects
held by native code, and so without its phantom rejection either),
failures of checks 2 and 3 are printed as XFAIL and do not fail.

Prints one summary line "figures: ..." with the measured numbers.
Exit status: 0 pass, 1 fail, 99 unusable input.
"""
import bisect
import json
import os
import subprocess
import sys
import tempfile

LEAK_VERDICTS = ("unaccounted",)
# Objects that never die carry a fixed refcount no heap could reach:
# 3.12+ immortals (_Py_IMMORTAL_REFCNT, 0xffffffff in the low word) and
# the objects 3.11's deep-freeze puts in the executable (999999999,
# Tools/scripts/deepfreeze.py), which refheap reports as they are. Any
# other count above one per word of the core is impossible.
STATIC_REFCNTS = (0xffffffff, 999999999)
NATIVE_VERDICTS = ("held-by-native", "held-by-native-code", "native")


def parse(argv):
    opts = {"planted": None, "max-pointed": 10, "dump": None, "native-verdict": "no",
            "xfail-pointed": None, "xfail-strict": None, "garbage": None}
    it = iter(argv)
    for a in it:
        if not a.startswith("--"):
            raise ValueError(a)
        v = next(it)
        opts[a[2:]] = v
    for k in ("label", "core", "export", "generations", "core-words"):
        if k not in opts:
            raise ValueError("--" + k + " is required")
    opts["max-pointed"] = int(opts["max-pointed"])
    return opts


def main(argv):
    try:
        o = parse(argv)
    except (ValueError, StopIteration) as e:
        sys.stderr.write("check_realapp: %s\n%s" % (e, __doc__))
        return 99
    label = o["label"]
    core_size = os.path.getsize(o["core"])
    try:
        with open(o["generations"]) as f:
            gens = json.load(f)["generations"]
        snap = None
        objs = {}
        stack_words = set()
        live_stack = {}
        with open(o["export"]) as f:
            for line in f:
                r = json.loads(line)
                if r.get("record") == "snapshot":
                    snap = r
                elif r.get("record") == "object":
                    objs[r["addr"]] = r
                elif r.get("record") == "root" and r.get("conservative") and "where" in r:
                    stack_words.add(int(r["where"], 16))
                    # a word on a native stack from the stack pointer up:
                    # a live C frame's, which refheap counts as a holder
                    # (not a secondary one: the red zone, the eval loop's
                    # own frame, whose reused slots keep stale copies)
                    if r.get("kind") == "stack" and not r.get("secondary"):
                        live_stack[r["addr"]] = r.get("name", "")
        unknown = set()
        if o["dump"]:
            with open(o["dump"]) as f:
                for line in f:
                    r = json.loads(line)
                    if r.get("traverse") == "unknown":
                        unknown.add(int(r["addr"], 16))
    except (OSError, ValueError, KeyError) as e:
        print("HARNESS ERROR %s: unusable input: %s" % (label, e))
        return 99
    if snap is None:
        print("HARNESS ERROR %s: the export has no snapshot line" % label)
        return 99
    fails = []
    # Checks that need issue 9's other half (phantom rejection in the
    # allocator scan, the verdict for objects held by native code): with
    # --native-verdict no they are reported as XFAIL, not failures.
    pending = []
    # "split": refheap has the held-by-native verdict for words in live
    # objects it cannot traverse, while words on native stacks, in executing
    # frames and outside every object only name candidate holders (stale
    # copies look the same): the checks that need phantom rejection are
    # enforced, and the strict bound is printed as XFAIL.
    later = fails if o["native-verdict"] in ("yes", "split") else pending

    # 1. generations
    got = [g.get("objects") for g in snap.get("gc", {}).get("generations", [])]
    if snap.get("gc", {}).get("model") == "incremental" and len(got) == 3 and len(gens) == 3:
        # 3.14.0-3.14.4: refheap lists the young list and the two old
        # spaces; gc.get_objects(1) is always empty there and
        # gc.get_objects(2) both old spaces (Python/gc.c _PyGC_GetObjects)
        got, gens = [got[0], got[1] + got[2]], [gens[0], gens[1] + gens[2]]
    if got != gens:
        fails.append("tracked objects per generation: refheap %s, CPython %s" % (got, gens))

    # 2. impossible values
    bad = []
    max_refcnt = core_size // 8
    for a, r in objs.items():
        t = r.get("type", "")
        size = r.get("size")
        rc = r.get("refcnt")
        why = None
        if not t or t.startswith("<"):
            why = "unreadable type %r" % t
        elif size is not None and (size <= 0 or size > core_size):
            why = "size %r" % size
        elif rc is not None and (rc < 0 or (rc > max_refcnt and rc not in STATIC_REFCNTS
                                             and r.get("verdict") != "immortal")):
            why = "refcount %r" % rc
        if why:
            bad.append("%s %s: %s" % (a, t, why))
    if bad:
        later.append("%d exported objects with impossible values, e.g.:\n    %s"
                     % (len(bad), "\n    ".join(bad[:10])))

    # 3. unaccounted, checked against the raw memory
    unacc = sorted(a for a, r in objs.items() if r.get("verdict") in LEAK_VERDICTS)
    native = sum(1 for r in objs.values() if r.get("verdict") in NATIVE_VERDICTS)
    pointed, leaks = [], []
    if unacc:
        with tempfile.NamedTemporaryFile("w", suffix=".addrs", delete=False) as f:
            f.write("\n".join(unacc) + "\n")
            addrs_path = f.name
        try:
            out = subprocess.run([o["core-words"], o["core"], addrs_path],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 universal_newlines=True, timeout=600)
        finally:
            os.unlink(addrs_path)
        if out.returncode != 0:
            print("HARNESS ERROR %s: core_words failed: %s" % (label, out.stderr.strip()))
            return 99
        starts = sorted((int(a, 16), r.get("size") or 0) for a, r in objs.items())
        keys = [k for k, _ in starts]

        def where_is(w):
            if w in stack_words:
                return "native", "a conservative root (native stack or executing frame)"
            i = bisect.bisect_right(keys, w) - 1
            if i >= 0 and w < keys[i] + starts[i][1]:
                h = objs["0x%x" % keys[i]]
                what = "+%d of 0x%x %s" % (w - keys[i], keys[i], h.get("type"))
                if keys[i] in unknown:
                    return "native", what + " (a type refheap cannot traverse)"
                return "other", what
            return "other", "outside every object"

        for line in out.stdout.splitlines():
            parts = line.split()
            a = "0x%x" % int(parts[0], 16)
            if int(parts[1]):
                kind, what = where_is(int(parts[2], 16))
                pointed.append((a, parts[2], int(parts[1]), kind, what))
            else:
                leaks.append(a)
    print("%s: %d objects exported, %d judged unaccounted: %d that nothing in the core "
          "points at (real leaks: the right verdict), %d that some word points at; "
          "%d held by native code"
          % (label, len(objs), len(unacc), len(leaks), len(pointed), native))
    for a in leaks[:20]:
        r = objs[a]
        print("  leak      %s %s refcnt %s" % (a, r.get("type"), r.get("refcnt")))
    if len(leaks) > 20:
        print("  ... and %d more leaks" % (len(leaks) - 20))
    held_native = [p for p in pointed if p[3] == "native"]
    other = [p for p in pointed if p[3] != "native"]
    shown = 0
    for a, where, hits, kind, what in other + held_native:
        if kind == "native" and shown >= 30:
            continue
        shown += 1
        r = objs[a]
        print("  pointed   %s %s refcnt %s: %d word(s), the first at %s: %s"
              % (a, r.get("type"), r.get("refcnt"), hits, where, what))
    if len(pointed) > shown:
        print("  ... and %d more held by native code" % (len(pointed) - shown))
    # a word on a live C frame is a holder refheap counts (held-by-native):
    # such an object judged unaccounted is a wrong verdict
    on_stack = [a for a in unacc if a in live_stack]
    if o["native-verdict"] == "split" and on_stack:
        fails.append("%d objects judged unaccounted although a native stack word above the "
                     "stack pointer holds them, e.g. %s held by %s"
                     % (len(on_stack), on_stack[0], live_stack[on_stack[0]]))
    if o["native-verdict"] == "split" and not o["xfail-strict"]:
        if len(pointed) > o["max-pointed"]:
            fails.append("%d objects judged unaccounted although a word in the core points at "
                         "them (%d from executing frames' value stacks or untyped memory, %d "
                         "from memory outside every object; at most %d allowed)"
                         % (len(pointed), len(held_native), len(other), o["max-pointed"]))
        if len(other) > o["max-pointed"]:
            fails.append("%d objects judged unaccounted although a word outside native stacks "
                         "and frames points at them (at most %d allowed)"
                         % (len(other), o["max-pointed"]))
    elif o["native-verdict"] == "split":
        if len(pointed) > o["max-pointed"]:
            pending.append("%d objects judged unaccounted although a word in the core points at "
                           "them (%d from native stacks or executing frames, %d from memory "
                           "outside every object; at most %d wanted)"
                           % (len(pointed), len(held_native), len(other), o["max-pointed"])
                           + " [known gap: %s]" % o["xfail-strict"])
        if len(other) > o["max-pointed"]:
            msg = ("%d objects judged unaccounted although a word outside native stacks and "
                   "frames points at them (at most %d allowed)" % (len(other), o["max-pointed"]))
            # a known gap of one application, named by the caller: printed
            (pending if o["xfail-pointed"] else fails).append(
                msg + (" [known gap: %s]" % o["xfail-pointed"] if o["xfail-pointed"] else ""))
    elif o["native-verdict"] == "yes":
        if len(pointed) > o["max-pointed"]:
            fails.append("%d objects judged unaccounted although a word in the core points at them "
                         "(at most %d allowed)" % (len(pointed), o["max-pointed"]))
    else:
        if held_native:
            print("NOTE %s: %d of them are held only by native code (a stack, an object refheap "
                  "cannot traverse); refheap has no held-by-native verdict yet, so they are "
                  "counted apart" % (label, len(held_native)))
        if len(other) > o["max-pointed"]:
            later.append("%d objects judged unaccounted although a word outside native code's "
                         "memory points at them (at most %d allowed)" % (len(other), o["max-pointed"]))

    # 5. cyclic garbage: refheap's answer to "what would gc.collect() free"
    # against the interpreter's own, asked in the twin right after the
    # record (samples/realapp_oracle.py record_garbage). Calling a live
    # object garbage is the worse error, so every object refheap names must
    # be in the interpreter's list; every object of that list that refheap
    # exported (it existed at the dump) must be in refheap's. Objects of
    # the list refheap never saw were made after the dump, by the twin.
    ngarbage = "-"
    if o["garbage"]:
        try:
            with open(o["garbage"]) as f:
                interp = {int(a, 16): t for a, t in json.load(f)["garbage"]}
        except (OSError, ValueError, KeyError) as e:
            interp = None
            print("NOTE %s: no garbage check: the interpreter's own garbage list is "
                  "unusable (%s)" % (label, e))
        if interp is not None:
            got = {int(a, 16) for a in snap.get("gc", {}).get("cyclic_garbage", [])}
            known = {int(a, 16) for a in objs}
            false = sorted(got - set(interp))
            missed = sorted(a for a in interp if a in known and a not in got)
            later_made = sum(1 for a in interp if a not in known)
            ngarbage = "%d/%d" % (len(got), len(interp))
            if false:
                fails.append("%d objects judged cyclic garbage that gc.collect() did not find "
                             "unreachable, e.g. %s" % (len(false), ", ".join(
                                 "0x%x (%s)" % (a, objs.get("0x%x" % a, {}).get("type"))
                                 for a in false[:5])))
            if missed:
                fails.append("%d objects gc.collect() found unreachable not judged cyclic "
                             "garbage, e.g. %s" % (len(missed), ", ".join(
                                 "0x%x (%s)" % (a, interp[a]) for a in missed[:5])))
            print("%s: cyclic garbage: refheap %d objects, gc.collect() %d (%d of them made "
                  "after the dump)" % (label, len(got), len(interp), later_made))

    # 4. planted leaks
    planted = []
    if o["planted"]:
        with open(o["planted"]) as f:
            planted = ["0x%x" % int(x, 16) for x in f.read().split()]
        if not planted:
            fails.append("no planted leak was recorded")
        for a in planted:
            r = objs.get(a)
            if r is None:
                fails.append("planted leak %s is not exported" % a)
            elif r.get("verdict") not in LEAK_VERDICTS:
                fails.append("planted leak %s (%s) judged %r, not unaccounted"
                             % (a, r.get("type"), r.get("verdict")))
        print("%s: %d planted leaks, %d found unaccounted" % (
            label, len(planted),
            sum(1 for a in planted if objs.get(a, {}).get("verdict") in LEAK_VERDICTS)))

    edges = sum(len(r.get("refs", [])) for r in objs.values())
    print("figures: %s objects=%d edges=%d gen=%s unaccounted=%d pointed=%d "
          "(native-held %d, other %d) leaks=%d held-by-native-verdict=%d impossible=%d planted=%d"
          " cyclic-garbage=%s"
          % (label, len(objs), edges, "/".join(str(g) for g in gens), len(unacc),
             len(pointed), len(held_native), len(other), len(leaks), native, len(bad),
             len(planted), ngarbage))
    for f in pending:
        print("XFAIL %s (issue 9's bar, not met yet): %s" % (label, f))
    for f in fails:
        print("FAIL %s: %s" % (label, f))
    if not fails:
        print("OK %s" % label)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
