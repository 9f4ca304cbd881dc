#!/bin/bash
# why.sh: `refheap why` gives the verdict the interpreter itself implies.
#
# samples/why_heap.py plants objects that survive for known reasons (a
# module global, a thread's local, a closure, a stored exception's frame,
# a ctypes Py_IncRef leak, garbage below the gen-0 threshold, garbage
# promoted to the oldest generation, a frozen cycle; and in a second run
# garbage with the GC disabled), stops itself to be dumped, then, resumed,
# records what gc.collect() finds unreachable (DEBUG_SAVEALL). For each
# planted object `refheap why --json` must give the right verdict, root
# kind, path labels and GC reasoning, and `refheap export`'s
# cyclic_garbage must be exactly the set gc.collect() found.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

SAMPLE=$top_srcdir/samples/why_heap.py
find_pythons
print_pythons
[ ${#PY_PATHS[@]} -gt 0 ] || skip "no CPython 3.8+ interpreter found (install pyenv versions or python3.11, or set REFHEAP_PYTHONS)"
HOSTPY=$(host_python)

FAILED=0
for i in "${!PY_PATHS[@]}"; do
    label=${PY_LABELS[$i]}
    py=${PY_PATHS[$i]}
    for mode in enabled disabled; do
        dir=$TESTDIR/$(safe_name "$label")-$mode
        echo "=== $label ($py), GC $mode"
        args=()
        [ $mode = disabled ] && args=(--gc-disabled)
        if ! make_core "$py" "$dir" "${args[@]}"; then
            echo "HARNESS ERROR $label: no core"
            FAILED=1; continue
        fi
        ok=1
        for what in global thread closure traceback short leak leak_held gen0 gen2 frozen; do
            addr=$("$HOSTPY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["planted"].get(sys.argv[2], ""))' "$RECORD" "$what")
            [ -n "$addr" ] || continue
            timeout -k 5 "$TIMEOUT" "$REFHEAP" why --json --paths 3 "$addr" "$CORE" \
                > "$dir/why-$what.json" 2> "$dir/why-$what.err"
            rc=$?
            if [ $rc -gt 1 ]; then
                echo "FAIL $label: refheap why ($what) exited $(describe_rc $rc)"
                show_file "$dir/why-$what.err" stderr
                ok=0
            fi
            # The text's account of the leaked count (compare_why.py).
            case $what in leak|leak_held)
                timeout -k 5 "$TIMEOUT" "$REFHEAP" why "$addr" "$CORE" \
                    > "$dir/why-$what.txt" 2>> "$dir/why-$what.err" ;;
            esac
        done
        timeout -k 5 "$TIMEOUT" "$REFHEAP" export "$CORE" > "$dir/export.jsonl" 2> "$dir/export.err"
        rc=$?
        if [ $rc -gt 1 ]; then
            echo "FAIL $label: refheap export exited $(describe_rc $rc)"
            show_file "$dir/export.err" stderr
            ok=0
        fi
        rm -f "$CORE"
        [ $ok = 1 ] || { FAILED=1; continue; }
        if ! "$HOSTPY" "$top_srcdir/tests/integration/compare_why.py" "$dir" "$RECORD" "$label/$mode"; then
            FAILED=1
        else
            echo "OK $label ($mode)"
        fi
    done
done
exit $FAILED
