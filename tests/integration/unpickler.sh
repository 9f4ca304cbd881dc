#!/bin/bash
# unpickler.sh: what a pickle.load() in progress holds is held, not leaked.
#
# samples/unpickler_heap.py stops itself inside a C Unpickler's
# persistent_load(), called for the last item of a list's first batch:
# 999 Items are memoized and on the unpickler's stack, each with a
# refcount of 2. Both holders are C arrays: the memo (_Unpickler_MemoPut
# takes a reference), visited by Unpickler_traverse() only from 3.11.7
# and 3.12.1 on (bpo-41422), and the stack (Pdata), never visited (no
# tp_traverse up to 3.11; Pdata_traverse() visits the type only). A
# Sphinx build dumped while it loaded a doctree had 774,000 of its 4.7M
# objects called leaked ("unaccounted") on Debian's 3.11.2 until refheap
# read both as owned references (issue 12's real heaps).
# Checks, on every CPython 3.8+ found, on `export`:
#   (a) every Item has refcount 2 and the verdict "reachable", and so
#       does the list being loaded (memoized, and on the stack);
#   (b) the Items are among the unpickler's traversed references where
#       Unpickler_traverse() visits its memo (3.11.7+, 3.12.1+), among
#       its owned ones before: gc.get_referents() either way;
#   (c) the Items are owned references of a _pickle.Pdata object (the
#       stack), never traversed ones.
# Exits 77 if no interpreter is found.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

SAMPLE=$top_srcdir/samples/unpickler_heap.py
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
    enough_space "$dir/" 256 || { FAILED=$((FAILED + 1)); continue; }
    if ! stop_one_core "$py" "$dir" --out "$dir/record.json"; then
        echo "HARNESS ERROR $label: no core"
        FAILED=$((FAILED + 1))
        continue
    fi
    bad=0
    timeout -k 5 "$TIMEOUT" "$REFHEAP" export --no-cache "$dir/core" \
        > "$dir/export.jsonl" 2> "$dir/export.err"
    rc=$?
    if [ $rc -gt 1 ]; then
        echo "FAIL $label: export exited $(describe_rc $rc)"
        show_file "$dir/export.err" stderr
        bad=$((bad + 1))
    elif ! "$HOSTPY" - "$dir/record.json" "$dir/export.jsonl" <<'EOF'
import json, sys
rec = json.load(open(sys.argv[1]))
objs = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    if r["record"] == "object":
        objs[r["addr"]] = r
bad = []
v = tuple(rec["version"])
visited = v >= (3, 12, 1) or (3, 11, 7) <= v < (3, 12)
if rec["list"] is None or not rec["items"]:
    print("HARNESS: the record has no list or no Items")
    sys.exit(99)
for what, a in [("list", rec["list"])] + [("Item", a) for a in rec["items"]]:
    o = objs.get(a)
    if o is None or o["refcnt"] != 2 or o["verdict"] != "reachable":
        bad.append("%s %s: %s" % (what, a, o and (o["refcnt"], o["verdict"])))
items = set(rec["items"])
u = objs.get(rec["unpickler"])
if u is None:
    bad.append("the unpickler %s is not in the export" % rec["unpickler"])
else:
    refs, owned = set(u["refs"]), set(u.get("owned", []))
    where, other = (refs, owned) if visited else (owned, refs)
    if not items <= where or items & other:
        bad.append("unpickler: %d Items not among its %s references, %d among its %s ones"
                   % (len(items - where), "traversed" if visited else "owned",
                      len(items & other), "owned" if visited else "traversed"))
stacks = [o for o in objs.values() if o["type"] == "_pickle.Pdata"]
held = set()
for o in stacks:
    held |= set(o.get("owned", []))
    if set(o["refs"]) & items:
        bad.append("Pdata %s: Items among its traversed references" % o["addr"])
if not items <= held:
    bad.append("%d Items are owned by no _pickle.Pdata (stacks found: %d)"
               % (len(items - held), len(stacks)))
for b in bad[:10]:
    print("  " + b)
print("Python %s (memo %s): the list and %d Items checked, wrong: %d"
      % (".".join(map(str, v)), "visited" if visited else "owned, not visited",
         len(items), len(bad)))
sys.exit(1 if bad else 0)
EOF
    then
        echo "FAIL $label: wrong answers (see above)"
        bad=$((bad + 1))
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
