#!/bin/bash
# native_words.sh: the native-words scan on a heap where it has much to do.
#
# The scan (heap/snapshot.c native_words) looks for words pointing at each
# object whose refcount is above the references refheap counts (a
# "candidate"), in every allocator block, and weighs each holder's words
# against the holder's references. On real heaps there are many: on mypy's,
# 65,000 candidates and words in half of the 3.5M blocks (mypyc objects'
# fields are not counted). samples/overref_heap.py builds
#   TUPLE: a tuple of 600,000 objects, each with one extra reference: all
#     candidates, the tuple holding a word at each. Weighing the words
#     once per (candidate, holder) pair by re-reading the holder's
#     references made this quadratic: 44 s for 200,000 objects (issue 12).
#     Each refheap run here gets 60 s; linear, it needs a second or two
#     (the quadratic one took 97-115 s at 400,000, about 225 s at 600,000).
#   ARR: a ctypes array of 500 addresses, in malloc'd memory refheap does
#     not type, of objects nothing else holds, each with an extra reference.
#   BOXED: 300 ctypes.c_void_p objects, each holding the address of an
#     object nothing else holds, with an extra reference: a word in a
#     typed object's memory that its traverse does not visit.
# Checks, on every CPython 3.8+ found:
#   (a) `export` with --jobs 1 and --jobs 2 finish in time and agree byte
#       for byte (the blocks are read on the pool with --jobs 2, in order
#       on one thread with --jobs 1);
#   (b) every tuple item is in the export with a refcount of 2 at least,
#       and no root of kind "native" names the tuple: its one word at an
#       item is its one reference to it. (A few items have other native
#       roots: words elsewhere that happen to hold their address, which
#       refheap cannot tell from live ones, and names.)
#   (c) every ARR object has refcount 1 and a root of kind "memory" at
#       its own word of the array (storage + 8 * index);
#   (d) every BOXED object has refcount 1 and a root of kind "native"
#       naming its c_void_p ("field +0x.. of c_void_p object 0x..").
# Exits 77 if no interpreter is found.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

SAMPLE=$top_srcdir/samples/overref_heap.py
RUN_TIMEOUT=60
require_refheap
find_pythons
print_pythons
[ ${#PY_PATHS[@]} -gt 0 ] || skip "no CPython 3.8+ interpreter found (install pyenv versions or python3.11, or set REFHEAP_PYTHONS)"
HOSTPY=$(host_python)

FAILED=0
for i in "${!PY_PATHS[@]}"; do
    label=${PY_LABELS[$i]}
    py=${PY_PATHS[$i]}
    dir=$TESTDIR/$(safe_name "$label")
    py_dir "$py" "$dir" || { FAILED=$((FAILED + 1)); continue; }
    echo "=== $label ($py)"
    enough_space "$dir/" 512 || { FAILED=$((FAILED + 1)); continue; }
    if ! stop_one_core "$py" "$dir" --out "$dir/record.json"; then
        echo "HARNESS ERROR $label: no core"
        FAILED=$((FAILED + 1))
        continue
    fi
    bad=0
    for j in 1 2; do
        start=$(date +%s%N)
        timeout -k 5 "$RUN_TIMEOUT" "$REFHEAP" export --jobs "$j" --no-cache "$dir/core" \
            > "$dir/export.$j.jsonl" 2> "$dir/export.$j.err"
        rc=$?
        echo "export --jobs $j: exit $rc, $(( ($(date +%s%N) - start) / 1000000 )) ms"
        if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
            echo "FAIL $label: export --jobs $j took over $RUN_TIMEOUT s (the native-words scan should be linear)"
            bad=$((bad + 1))
        elif [ $rc -gt 1 ]; then
            echo "FAIL $label: export --jobs $j exited $(describe_rc $rc)"
            show_file "$dir/export.$j.err" stderr
            bad=$((bad + 1))
        fi
        sed -i 's/"seconds":{[^}]*}/"seconds":{}/g' "$dir/export.$j.jsonl"
    done
    if [ $bad -eq 0 ] && ! cmp -s "$dir/export.1.jsonl" "$dir/export.2.jsonl"; then
        echo "FAIL $label: export --jobs 2 differs from --jobs 1"
        diff "$dir/export.1.jsonl" "$dir/export.2.jsonl" | head -n 10 | sed 's/^/  | /'
        bad=$((bad + 1))
    fi
    if [ $bad -eq 0 ]; then
        "$HOSTPY" - "$dir/record.json" "$dir/export.2.jsonl" <<'EOF'
import json, sys
rec = json.load(open(sys.argv[1]))
objs, roots = {}, {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    if r["record"] == "object":
        objs[r["addr"]] = r
    elif r["record"] == "root":
        roots.setdefault(r["addr"], []).append(r)
bad = []
tup = objs.get(rec["tuple"])
if tup is None:
    bad.append("the tuple %s is not in the export" % rec["tuple"])
elif len(tup["refs"]) != rec["tuple_len"]:
    bad.append("the tuple has %d references, not %d" % (len(tup["refs"]), rec["tuple_len"]))
else:
    named = "object %s" % rec["tuple"]
    for a in tup["refs"]:
        o = objs.get(a)
        wrong = [x["name"] for x in roots.get(a, [])
                 if x["kind"] == "native" and x["name"].endswith(named)]
        if o is None or o["refcnt"] < 2 or wrong:
            bad.append("tuple item %s: refcount %s, native roots naming the tuple %s"
                       % (a, o and o["refcnt"], wrong))
arr = int(rec["arr"], 16)
for i, a in enumerate(rec["held"]):
    o = objs.get(a)
    mem = [int(x["where"], 16) for x in roots.get(a, []) if x["kind"] == "memory"]
    if o is None or o["refcnt"] != 1 or arr + 8 * i not in mem:
        bad.append("held object %d %s: refcount %s, memory roots at %s (want one at 0x%x)"
                   % (i, a, o and o["refcnt"], [hex(w) for w in mem], arr + 8 * i))
for a, box in rec["boxed"]:
    o = objs.get(a)
    want = "of c_void_p object %s" % box
    native = [x["name"] for x in roots.get(a, []) if x["kind"] == "native"]
    if o is None or o["refcnt"] != 1 or not any(n.endswith(want) for n in native):
        bad.append("boxed object %s: refcount %s, native roots %s (want one naming %s)"
                   % (a, o and o["refcnt"], native, box))
for b in bad[:10]:
    print("  " + b)
print("checked: %d tuple items, %d held by memory, %d held by c_void_p; wrong: %d"
      % (rec["tuple_len"], len(rec["held"]), len(rec["boxed"]), len(bad)))
sys.exit(1 if bad else 0)
EOF
        rc=$?
        if [ $rc -ne 0 ]; then
            echo "FAIL $label: wrong answers (see above)"
            bad=$((bad + 1))
        fi
    fi
    if [ $bad -eq 0 ]; then
        echo "OK $label"
    else
        FAILED=$((FAILED + 1))
    fi
    [ -n "${REFHEAP_KEEP_TESTDIR:-}" ] || rm -f "$dir/core"
done

[ $FAILED -eq 0 ] || { echo "$FAILED interpreter(s) failed"; exit 1; }
echo "all interpreters passed"
exit 0
