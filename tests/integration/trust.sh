#!/bin/bash
# trust.sh: refheap on a small real program is trustworthy (issue 9).
#
# samples/trust_heap.py opens three text files, imports decimal, plants
# stale bytes that look like object headers in pymalloc blocks nothing
# refers to (a list header after a C string, a bytes claiming 2**40 items,
# a dict with a negative length, a tuple whose size would wrap), and stops
# inside a running generator. On every CPython 3.8+ found, the core must
# give:
#  - no phantom: no object inside a planted block; no object with a size
#    beyond the core, an unreadable type or an impossible refcount; the
#    histogram's total within the core;
#  - no false leak suspect: no `unaccounted` object that nothing in the
#    core points at (orphans 0), every unaccounted object with a candidate
#    holder, and the objects C types hold in fields their traverse does not
#    visit (decimal's SignalDicts, _io's decoders) not unaccounted;
#  - no phantom from a native stack: a word on a thread's stack that points
#    16 bytes into a tuple, where ob_size and the first item read as the
#    header of an instance of a class, is exported as no object;
#  - a running generator is not a problem: exit status 0;
#  - partial means explained: on a copy of the core with one dict's keys
#    pointer clobbered, every command exits 1, prints on stderr how many
#    problems there were and the first ones, and its --json has them in
#    `problems`;
#  - a reference to no object is not followed: on a copy of the core with a
#    list's first item pointed at a planted header whose type word points
#    at zeroes, export exits 1, names the reference in its problems, and
#    exports nothing at that address.
# Exits 77 if there is no interpreter.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

SAMPLE=$top_srcdir/samples/trust_heap.py
# The sample runs on the host (its stale-header planting reads the host's
# /proc): the interpreters in the Debian roots are not run here (they are in
# the oracle tests, under chroot).
REFHEAP_ROOTS=no
find_pythons
print_pythons
[ ${#PY_PATHS[@]} -gt 0 ] || skip "no CPython 3.8+ interpreter found (install pyenv versions or python3.11, or set REFHEAP_PYTHONS)"
HOSTPY=$(host_python)
export REFHEAP_SNAPSHOT_CACHE_MAX_MB=0

# File offsets of a core's dumped bytes, for the copies with bytes changed
cat > "$TESTDIR/core_offsets.py" <<'PYEOF'
import struct


def file_offsets(core):
    """A function giving the file offset of the 8 bytes at an address of
    the core's memory (its PT_LOAD segments' dumped part), or None."""
    with open(core, "rb") as f:
        hdr = f.read(64)
        phoff, = struct.unpack_from("<Q", hdr, 32)
        phnum, = struct.unpack_from("<H", hdr, 56)
        f.seek(phoff)
        ph = f.read(56 * phnum)
    loads = []
    for k in range(phnum):
        typ, flags, off, va, pa, filesz, memsz, al = struct.unpack_from("<IIQQQQQQ", ph, 56 * k)
        if typ == 1:
            loads.append((va, off, filesz))

    def file_off(a):
        for va, off, filesz in loads:
            if va <= a and a + 8 <= va + filesz:
                return off + a - va
    return file_off
PYEOF

FAILED=0
for i in "${!PY_PATHS[@]}"; do
    label=${PY_LABELS[$i]}
    py=${PY_PATHS[$i]}
    dir=$TESTDIR/$(safe_name "$label")
    mkdir -p "$dir"
    echo "=== $label ($py)"
    enough_space "$dir" 512 || { FAILED=1; continue; }
    "$py" -I "$SAMPLE" --out "$dir/record.json" > "$dir/sample.out" 2>&1 &
    pid=$!
    CHILD_PIDS+=("$pid")
    if ! WAIT_ALIVE=$pid wait_until "$TIMEOUT" "the sample to stop itself" proc_group_stopped "$pid"; then
        echo "HARNESS ERROR $label: the sample did not stop"; show_file "$dir/sample.out" output
        FAILED=1; continue
    fi
    gcore_stopped "$pid" "$dir"
    dumped=$?
    kill -KILL "$pid" 2>/dev/null
    reap "$pid"
    if [ $dumped -ne 0 ] || [ ! -s "$dir/record.json" ]; then
        echo "HARNESS ERROR $label: no core or no record"; show_file "$dir/sample.out" output
        FAILED=1; continue
    fi
    core=$dir/core

    # --- a healthy heap: complete, no phantom, no false suspect
    ok=1
    timeout -k 5 "$TIMEOUT" "$REFHEAP" export --no-cache "$core" > "$dir/export.jsonl" 2> "$dir/export.err"
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "FAIL $label: export exited $(describe_rc $rc) on a healthy heap (a running generator is no problem)"
        show_file "$dir/export.err" stderr; ok=0
    fi
    for cmd in leaks histogram; do
        timeout -k 5 "$TIMEOUT" "$REFHEAP" $cmd --json -n 0 --no-cache "$core" > "$dir/$cmd.json" 2> "$dir/$cmd.err"
        rc=$?
        if [ $rc -ne 0 ]; then
            echo "FAIL $label: $cmd exited $(describe_rc $rc)"; show_file "$dir/$cmd.err" stderr; ok=0
        fi
    done
    if [ $ok = 1 ] && ! "$HOSTPY" - "$dir" "$label" <<'PYEOF'
import json, os, sys
d, label = sys.argv[1], sys.argv[2]
rec = json.load(open(os.path.join(d, "record.json")))
core = os.path.getsize(os.path.join(d, "core"))
planted = [(p["addr"], p["addr"] + p["size"], p["name"]) for p in rec["planted"]]
fails, objs = [], {}
for line in open(os.path.join(d, "export.jsonl")):
    r = json.loads(line)
    if r.get("record") != "object":
        continue
    a = int(r["addr"], 16)
    objs[a] = r
    for lo, hi, name in planted:
        if lo <= a < hi:
            fails.append("phantom %s object at 0x%x inside planted block %s" % (r["type"], a, name))
    if r["size"] > core:
        fails.append("0x%x %s: size %d beyond the core's %d bytes" % (a, r["type"], r["size"], core))
    if r["type"].startswith("<"):
        fails.append("0x%x: type %r" % (a, r["type"]))
    # immortal and 3.11 static objects read 2**32-1 (their count means nothing)
    if r["refcnt"] > core // 8 and r["refcnt"] != 2**32 - 1:
        fails.append("0x%x %s: refcount %d beyond one per word of the core" % (a, r["type"], r["refcnt"]))
for a in rec["interior"]:
    if a in objs:
        fails.append("phantom %s object at 0x%x, inside a tuple: found %s"
                     % (objs[a]["type"], a, objs[a]["found"]))
if len(objs) < 1000:
    fails.append("only %d objects exported" % len(objs))
hist = json.load(open(os.path.join(d, "histogram.json")))
if hist["bytes"] > core:
    fails.append("histogram total %d beyond the core's %d bytes" % (hist["bytes"], core))
if hist["objects"] != len(objs):
    fails.append("histogram counts %d objects, export %d" % (hist["objects"], len(objs)))
leaks = json.load(open(os.path.join(d, "leaks.json")))
un = leaks["unaccounted"]
# CPython 3.8 itself leaks a _warnings module at start-up (see the
# README's "unaccounted"): nothing points at it, "unaccounted" is the truth.
def real_leak(o):
    return (rec["version"].startswith("3.8.") and o["type"] == "module"
            and "_warnings" in o.get("repr", ""))
held_types = ("SignalDict", "IncrementalDecoder", "IncrementalNewlineDecoder")
orphans = 0
for o in un["objects"]:
    if not o["holders"] and not real_leak(o):
        orphans += 1
        fails.append("unaccounted %s %s %s: nothing in the core points at it (this sample leaks nothing)"
                     % (o["addr"], o["type"], o.get("repr")))
    if o["type"].split(".")[-1] in held_types:
        fails.append("%s %s judged unaccounted, though a live object's field holds it" % (o["type"], o["addr"]))
if un["count"] != len(un["objects"]):
    fails.append("leaks --top 0 lists %d of %d unaccounted objects" % (len(un["objects"]), un["count"]))
nat = leaks["held_by_native"]
for o in nat["objects"]:
    if not o["holders"]:
        fails.append("held-by-native %s %s names no holder" % (o["addr"], o["type"]))
verdicts = {}
for r in objs.values():
    verdicts[r["verdict"]] = verdicts.get(r["verdict"], 0) + 1
print("  %d objects, verdicts %s, unaccounted %d (with candidate holders), held by native %d"
      % (len(objs), verdicts, un["count"], nat["count"]))
for f in fails[:20]:
    print("FAIL %s: %s" % (label, f))
sys.exit(1 if fails else 0)
PYEOF
    then
        ok=0
    fi

    # --- partial means explained: clobber one dict's ma_keys (offset 32
    # in PyDictObject, 3.8-3.13) in a copy of the core
    if [ $ok = 1 ]; then
        addr=$(PYTHONPATH=$TESTDIR "$HOSTPY" - "$dir/export.jsonl" "$core" "$dir/bad.core" <<'PYEOF'
import json, shutil, struct, sys
exp, core, bad = sys.argv[1:4]
from core_offsets import file_offsets
file_off = file_offsets(core)
for line in open(exp):
    r = json.loads(line)
    if r.get("record") == "object" and r["type"] == "dict" and r["found"] == "gc" and r["refs"]:
        o = file_off(int(r["addr"], 16) + 32)
        if o is not None:
            shutil.copyfile(core, bad)
            with open(bad, "r+b") as f:
                f.seek(o)
                f.write(struct.pack("<Q", 0x18))
            print(r["addr"])
            break
PYEOF
)
        if [ -z "$addr" ]; then
            echo "HARNESS ERROR $label: no dict to corrupt in the core"; ok=0
        fi
    fi
    if [ $ok = 1 ]; then
        for cmd in histogram leaks gc dominators cycles summary "why $addr" "refs $addr" export; do
            json=--json
            [ "$cmd" = export ] && json=
            out=$dir/partial.$(echo "$cmd" | cut -d' ' -f1)
            timeout -k 5 "$TIMEOUT" "$REFHEAP" $cmd $json --no-cache "$dir/bad.core" > "$out.out" 2> "$out.err"
            rc=$?
            if [ $rc -ne 1 ]; then
                echo "FAIL $label: '$cmd' on a clobbered dict exited $(describe_rc $rc), expected 1 (partial)"
                show_file "$out.err" stderr; ok=0; continue
            fi
            if ! grep -q "partial result (exit status 1): [0-9]* problem" "$out.err" ||
               ! grep -q "^refheap:   .*0x" "$out.err"; then
                echo "FAIL $label: '$cmd' exited 1 without saying why on stderr"
                show_file "$out.err" stderr; ok=0; continue
            fi
            if ! "$HOSTPY" - "$out.out" "$cmd" <<'PYEOF'
import json, sys
path, cmd = sys.argv[1], sys.argv[2]
if cmd == "export":
    doc = json.loads(open(path).readline())
else:
    doc = json.load(open(path))
probs = doc.get("problems")
if not probs:
    print("FAIL: '%s' --json has no problems: %r" % (cmd, probs))
    sys.exit(1)
PYEOF
            then
                ok=0
            fi
        done
        # the text form explains itself too
        timeout -k 5 "$TIMEOUT" "$REFHEAP" histogram --no-cache "$dir/bad.core" > /dev/null 2> "$dir/partial.text.err"
        if [ $? -ne 1 ] || ! grep -q "partial result" "$dir/partial.text.err"; then
            echo "FAIL $label: histogram (text) on a clobbered dict did not explain its partial exit"
            show_file "$dir/partial.text.err" stderr; ok=0
        fi
    fi
    # --- a reference to no object: a list's first item pointed at no_type
    if [ $ok = 1 ]; then
        notype=$(PYTHONPATH=$TESTDIR "$HOSTPY" - "$dir/export.jsonl" "$core" "$dir/bad2.core" "$dir/record.json" <<'PYEOF'
import json, shutil, struct, sys
exp, core, bad, rec = sys.argv[1:5]
target = [p["addr"] for p in json.load(open(rec))["planted"] if p["name"] == "no_type"][0]
from core_offsets import file_offsets
file_off = file_offsets(core)
with open(core, "rb") as f:
    for line in open(exp):
        r = json.loads(line)
        if r.get("record") == "object" and r["type"] == "list" and r["found"] == "gc" and r["refs"]:
            # PyListObject: ob_item right after the PyVarObject header (3.8-3.15)
            o = file_off(int(r["addr"], 16) + 24)
            if o is None:
                continue
            f.seek(o)
            items, = struct.unpack("<Q", f.read(8))
            o = file_off(items)
            if o is None:
                continue
            shutil.copyfile(core, bad)
            with open(bad, "r+b") as g:
                g.seek(o)
                g.write(struct.pack("<Q", target))
            print("0x%x" % target)
            break
PYEOF
)
        if [ -z "$notype" ]; then
            echo "HARNESS ERROR $label: no list to redirect in the core"; ok=0
        else
            timeout -k 5 "$TIMEOUT" "$REFHEAP" export --no-cache "$dir/bad2.core" > "$dir/notype.jsonl" 2> "$dir/notype.err"
            rc=$?
            if [ $rc -ne 1 ]; then
                echo "FAIL $label: export with a reference to no object exited $(describe_rc $rc), expected 1 (partial)"
                show_file "$dir/notype.err" stderr; ok=0
            elif ! grep -q "reference to $notype is to no object" "$dir/notype.err"; then
                echo "FAIL $label: export did not name the reference to no object $notype"
                show_file "$dir/notype.err" stderr; ok=0
            elif grep -q "^{\"record\":\"object\",\"addr\":\"$notype\"" "$dir/notype.jsonl"; then
                echo "FAIL $label: the header at $notype, whose type word is no type, was exported:"
                grep "^{\"record\":\"object\",\"addr\":\"$notype\"" "$dir/notype.jsonl" | head -c 300; echo
                ok=0
            fi
        fi
    fi
    rm -f "$core" "$dir/bad.core" "$dir/bad2.core"
    if [ $ok = 1 ]; then
        echo "ok $label"
    else
        FAILED=1
    fi
done
exit $FAILED
