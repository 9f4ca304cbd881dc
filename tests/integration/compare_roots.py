#!/usr/bin/env python3
"""Compare the roots refheap found (tests/tools/roots_dump output) with what
CPython said about itself (samples/roots_heap.py's record).

Usage: compare_roots.py RECORD.json ROOTS.txt --label LABEL [--max-static-ms N]

Checks, for every thread of the record (keyed by native thread id):
  - its Python frames appear as THREAD roots, innermost first, in the same
    order, with the same function (co_qualname where the version has it,
    else co_name), file and line;
  - every marker_* local of every frame is a THREAD root labelled
    "... › <function>() <file>:<line> › local '<name>'" whose address is
    the id() of the marker;
and also:
  - the cell variable of outer() and the free variable of inner() hold the
    cell object recorded;
  - 3.11+: the worker's `for` iterator is an exact (not conservative) root,
    "value stack [0]" of its innermost frame, blocked in a call;
  - sys.modules and sys.__dict__ are INTERPRETER roots at the recorded
    addresses; the modules '__main__' and 'sys' are MODULE roots at theirs;
  - there is an INTERNED root;
  - the static scan found at least one root in the module holding the
    runtime (libpython*, or the python executable); its time is printed
    beside --max-static-ms milliseconds as a figure; datetime.datetime (a static type of the
    _datetime extension) is a static root, where _datetime defines it;
  - roots_dump recorded no problem.
Prints one line per check and a summary; exit 0 if all pass, 1 if any
fails, 99 if the inputs cannot be read.
"""
import json
import sys

SEP = " \u203a "


def load_roots(path):
    roots, meta, problems = [], {}, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# problem: "):
                problems.append(line[len("# problem: "):])
            elif line.startswith("# "):
                key, _, value = line[2:].partition(" ")
                meta[key] = value
            elif line:
                roots.append(json.loads(line))
    return roots, meta, problems


def frame_key(label):
    """("thread N", "f() file:line") of a frame root label, or None."""
    parts = label.split(SEP)
    if len(parts) < 3 or not parts[0].startswith("thread ") or "() " not in parts[1]:
        return None
    if parts[1].endswith(" (incomplete frame)"):
        return None
    return parts[0], parts[1]


def main():
    args = sys.argv[1:]
    label, max_static_ms = "?", 50.0
    files = []
    it = iter(args)
    for a in it:
        if a == "--label":
            label = next(it)
        elif a == "--max-static-ms":
            max_static_ms = float(next(it))
        else:
            files.append(a)
    if len(files) != 2:
        print(__doc__)
        return 99
    try:
        with open(files[0]) as f:
            rec = json.load(f)
        roots, meta, problems = load_roots(files[1])
    except (OSError, ValueError) as e:
        print("HARNESS ERROR %s: %s" % (label, e))
        return 99

    failures = []
    notes = []

    def check(ok, what):
        if ok:
            notes.append("ok   " + what)
        else:
            failures.append(what)
            notes.append("FAIL " + what)

    by_label = {}
    for r in roots:
        by_label.setdefault(r["name"], []).append(r)

    def has_root(kind, name, addr):
        return any(r["kind"] == kind and int(r["addr"], 16) == addr
                   for r in by_label.get(name, []))

    # frames of each thread, in the order the roots came
    frames_seen = {}
    for r in roots:
        if r["kind"] != "thread":
            continue
        k = frame_key(r["name"])
        if not k:
            continue
        seq = frames_seen.setdefault(k[0], [])
        if not seq or seq[-1] != k[1]:
            seq.append(k[1])

    nframes = nmarkers = 0
    frame_text = {}
    for t in rec["threads"]:
        tname = "thread %d" % t["native_id"]
        want = []
        for fr in t["frames"]:
            fname = fr["qualname"] or fr["name"]
            text = "%s() %s:%d" % (fname, fr["file"], fr["line"]) if fr["line"] is not None \
                else "%s() %s" % (fname, fr["file"])
            want.append(text)
            frame_text[(t["native_id"], fr["name"])] = text
        got = frames_seen.get(tname, [])
        check(got == want, "%s (%s): frames innermost first\n       want %s\n       got  %s"
              % (tname, t["name"], want, got) if got != want else
              "%s (%s): %d frames, functions and lines as CPython says" % (tname, t["name"], len(want)))
        nframes += len(want)
        for fr, text in zip(t["frames"], want):
            for name, addr in sorted(fr["markers"].items()):
                lab = "%s%s%s%slocal '%s'" % (tname, SEP, text, SEP, name)
                ok = has_root("thread", lab, addr)
                check(ok, "%s = 0x%x" % (lab, addr))
                nmarkers += 1
    # The worker's `for` iterator, below the blocked call's inputs on its
    # innermost frame's value stack: an exact root from 3.11 on (3.11-3.13
    # from the bytecode, 3.14+ from the stack pointer the call spilled);
    # 3.8-3.10 record no depth for an executing frame.
    if tuple(int(x) for x in rec["version"].split(".")[:2]) >= (3, 11) and "worker_iter" in rec:
        w = rec["threads"][1]
        text = frame_text.get((w["native_id"], "worker_level2"))
        lab = "thread %d%s%s%svalue stack [0]" % (w["native_id"], SEP, text, SEP)
        got = [r for r in by_label.get(lab, []) if int(r["addr"], 16) == rec["worker_iter"]]
        exact = bool(got) and not got[0].get("conservative")
        check(exact, "%s = 0x%x, exact (the for loop's iterator under the call)%s"
              % (lab, rec["worker_iter"], "" if exact else
                 ", but conservative" if got else ": no such root"))
    main_tid = rec["threads"][0]["native_id"]
    for cell in rec["cells"]:
        text = frame_text.get((main_tid, cell["frame"]))
        lab = "thread %d%s%s%s%s '%s'" % (main_tid, SEP, text, SEP, cell["kind"], cell["name"])
        check(text is not None and has_root("thread", lab, cell["id"]),
              "%s = 0x%x (the cell)" % (lab, cell["id"]))

    check(has_root("interpreter", "sys.modules", rec["sys_modules"]),
          "sys.modules = 0x%x" % rec["sys_modules"])
    check(has_root("interpreter", "sys.__dict__", rec["sysdict"]),
          "sys.__dict__ = 0x%x" % rec["sysdict"])
    check(has_root("module", "__main__", rec["main_module"]),
          "module __main__ = 0x%x" % rec["main_module"])
    check(has_root("module", "sys", rec["sys_module"]),
          "module sys = 0x%x" % rec["sys_module"])
    nmodules = sum(1 for r in roots if r["kind"] == "module")
    interned = [r for r in roots if r["kind"] == "interned"]
    check(len(interned) >= 1 and all(int(r["addr"], 16) for r in interned),
          "interned strings dict found (%d root)" % len(interned))

    static = [r for r in roots if r["kind"] == "static"]
    runtime_static = [r for r in static
                      if " in libpython" in r["name"] or " in python3" in r["name"]]
    check(len(runtime_static) >= 1,
          "static data of the runtime module: %d roots (%d in all modules)"
          % (len(runtime_static), len(static)))
    secs = float(meta.get("static_seconds", "nan"))
    # A figure, not a check: timings belong to benchmarks (bench/), and a
    # loaded CI machine or a sanitizer build would make a bound flaky.
    print("figure: static scan of %s bytes in %d modules took %.2f ms (budget %g ms%s)"
          % (meta.get("static_bytes"), int(meta.get("static_modules", 0)),
             secs * 1000, max_static_ms,
             "" if secs * 1000 < max_static_ms else ", exceeded"))
    check(not problems, "no problems recorded%s"
          % ("" if not problems else ": " + "; ".join(problems[:5])))

    per_module = {}
    for r in static:
        mod = r["name"].rsplit(" in ", 1)[-1]
        per_module[mod] = per_module.get(mod, 0) + 1
    notes.append("info static roots per module: " + ", ".join(
        "%s %d" % kv for kv in sorted(per_module.items(), key=lambda kv: -kv[1])))
    dt = [r for r in static if int(r["addr"], 16) == rec["datetime_type"]]
    if rec["datetime_heap_type"]:
        notes.append("info datetime.datetime is a heap type here (no _datetime): not checked")
    else:
        check(len(dt) == 1 and dt[0]["where"] == dt[0]["addr"],
              "datetime.datetime, a static type of an extension module, is a static root: %s"
              % (dt[0]["name"] if dt else "not found"))
    nstack = sum(1 for r in roots if r["kind"] == "stack")
    nregs = sum(1 for r in roots if r["kind"] == "stack" and r["name"].startswith("register "))
    for n in notes:
        print("  " + n)
    print("%s: %s; %d frames, %d marker locals checked; %d modules, %d thread roots, "
          "%d static roots, %d stack roots (%d registers) over %s stack bytes in %.2f ms"
          % (label, "FAIL (%d)" % len(failures) if failures else "ok", nframes, nmarkers,
             nmodules, sum(1 for r in roots if r["kind"] == "thread"), len(static),
             nstack, nregs, meta.get("stack_bytes"),
             float(meta.get("stack_seconds", "nan")) * 1000))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
