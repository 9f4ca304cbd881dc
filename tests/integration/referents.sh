#!/bin/bash
# referents.sh: refheap's out-of-process tp_traverse against gc.get_referents().
#
# For every CPython interpreter found (pyenv versions, /usr/bin/python3.11, or
# $REFHEAP_PYTHONS): run samples/referents_heap.py, which builds a varied heap
# (about 20,000 tracked objects of every kind traverse.c knows) and forks; the
# parent stops itself and is dumped with gcore, the child records
# gc.get_referents() of every object of gc.get_objects() and of a few
# untracked ones (struct sequences, dumped by address). Then
# tests/tools/referents_dump walks the core's GC lists with
# rh_py_referents() and tests/integration/compare_referents.py compares
# the two per type (exact order and multiset).
#
# Fails unless, on every interpreter, all objects of builtin types (C types
# whose tp_traverse is in the interpreter, and modules whose m_traverse is)
# have the same referents as CPython, and at least 99.9% of all objects do;
# objects of extension types are scanned conservatively and only count for
# the overall figure; and unless no object `refheap export` writes has an
# impossible count or size (a phantom: compare_referents.py --core-size).
# Skips (77) only if no interpreter at all can be tested.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

: "${REFERENTS_DUMP:=$top_builddir/tests/tools/referents_dump}"
RSAMPLE=$top_srcdir/samples/referents_heap.py
RCOMPARE=$top_srcdir/tests/integration/compare_referents.py
[ -x "$REFERENTS_DUMP" ] ||
    hard_error "test driver not found at $REFERENTS_DUMP (make check builds it: make tests/tools/referents_dump)"
[ -f "$RSAMPLE" ] || hard_error "no sample at $RSAMPLE"

find_pythons
print_pythons
[ ${#PY_PATHS[@]} -gt 0 ] || skip "no CPython 3.8+ interpreter found (install pyenv versions or python3.11, or set REFHEAP_PYTHONS)"
HOSTPY=$(host_python)

# make_referents_core PYTHON DIR: like test-lib.sh's make_core, but runs the
# sample with -S (no site .pth file may import threading, whose at-fork
# hook would change the child's heap) and lets the forked child record.
make_referents_core() {
    local py=$1 dir=$2
    py_dir "$py" "$dir" || return 1
    stopped_sample_core "$dir" "$dir/record.jsonl" \
        py_exec "$py" -I -S "$RSAMPLE" --stop --out "$dir/record.jsonl"
}

RESULTS=()
FAILED=0
HARNESS=0
note() { RESULTS+=("$(printf '%-24s %-14s %s' "$1" "$2" "$3")"); }

# check_one LABEL PYTHON DIR: one interpreter; 0 if it passed (or met a
# harness error: HARNESS=1), 2 if its only failures were one object of a
# builtin type each (compare_referents.py's exit 3), 1 if it failed.
check_one() {
    local label=$1 py=$2 dir=$3
    FAILED=0
    echo
    echo "=== $label ($py)"
    if ! make_referents_core "$py" "$dir"; then
        echo "HARNESS ERROR $label: could not make a core with a record"
        note "$label" "harness error" "see above"
        HARNESS=1
        return 0
    fi
    timeout -k 5 "$TIMEOUT" "$REFERENTS_DUMP" "$CORE" > "$dir/dump.jsonl" 2> "$dir/dump.err"
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "FAIL $label: referents_dump exited $(describe_rc "$rc")"
        show_file "$dir/dump.err" stderr
        note "$label" "FAIL" "referents_dump exited $rc"
        FAILED=1
        rm -f "$CORE"
        return 1
    fi
    # Untracked objects the record has too (struct sequences): by address,
    # since the GC lists do not hold them.
    untracked=$("$HOSTPY" -c 'import json, sys
print(" ".join("--addr " + o["a"] for o in map(json.loads, open(sys.argv[1])) if o.get("u")))' "$RECORD")
    if [ -n "$untracked" ]; then
        # shellcheck disable=SC2086
        timeout -k 5 "$TIMEOUT" "$REFERENTS_DUMP" $untracked "$CORE" > "$dir/dump-untracked.jsonl" 2>> "$dir/dump.err"
        rc=$?
        if [ $rc -ne 0 ]; then
            echo "FAIL $label: referents_dump of the untracked objects exited $(describe_rc "$rc")"
            FAILED=1
        fi
        grep -v '"summary"' "$dir/dump-untracked.jsonl" > "$dir/dump-u.tmp"
        cat "$dir/dump.jsonl" >> "$dir/dump-u.tmp"
        mv "$dir/dump-u.tmp" "$dir/dump.jsonl"
        echo "untracked objects dumped by address: $(grep -vc '"summary"' "$dir/dump-untracked.jsonl")"
    fi
    if [ -s "$dir/dump.err" ]; then
        echo "problems reported while reading the core:"
        head -n 20 "$dir/dump.err" | sed 's/^/  | /'
    fi
    "$HOSTPY" "$RCOMPARE" "$RECORD" "$dir/dump.jsonl" --label "$label" > "$dir/compare.txt"
    rc=$?
    cat "$dir/compare.txt"
    summary=$(grep '^overall:' "$dir/compare.txt" | sed 's/^overall: //')
    case $rc in
        0) note "$label" "ok" "$summary" ;;
        99) note "$label" "harness error" "see above"; HARNESS=1 ;;
        3) note "$label" "FAIL" "one object: $summary"; [ $FAILED -eq 1 ] || FAILED=2 ;;
        *) note "$label" "FAIL" "$summary"; FAILED=1 ;;
    esac
    # The product itself: `refheap export` must give the same referents
    # (its refs also carry the conservative scan's pointers for types
    # whose tp_traverse is unknown, so the same bars apply).
    timeout -k 5 "$TIMEOUT" "$REFHEAP" export --no-cache "$CORE" > "$dir/export.jsonl" 2> "$dir/export.err"
    rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
        echo "FAIL $label: refheap export exited $(describe_rc "$rc")"
        show_file "$dir/export.err" stderr
        note "$label/export" "FAIL" "refheap export exited $rc"
        FAILED=1
    else
        "$HOSTPY" "$RCOMPARE" "$RECORD" "$dir/export.jsonl" --label "$label/export" \
            --core-size "$(stat -c %s "$CORE")" > "$dir/compare-export.txt"
        rc=$?
        cat "$dir/compare-export.txt"
        summary=$(grep '^overall:' "$dir/compare-export.txt" | sed 's/^overall: //')
        case $rc in
            0) note "$label/export" "ok" "$summary" ;;
            99) note "$label/export" "harness error" "see above"; HARNESS=1 ;;
            3) note "$label/export" "FAIL" "one object: $summary"; [ $FAILED -eq 1 ] || FAILED=2 ;;
            *) note "$label/export" "FAIL" "$summary"; FAILED=1 ;;
        esac
    fi
    rm -f "$CORE"
    return $FAILED
}

# A failure of one object alone is checked once more in a fresh process
# (new addresses, a new hash seed) and fails the test only if it comes
# back; one that does not is printed above and listed under the results.
# CI once saw, on 3.15, one dict of 5,247 with one referent more than the
# forked child recorded, never reproduced in 12 runs here: a difference
# between the child and the dumped parent cannot be told from a reading
# error by one run. Anything wider (two objects, an impossible count or
# size, an overall bar missed) fails at once.
ANY_FAILED=0
ONCE=()
for i in "${!PY_PATHS[@]}"; do
    label=${PY_LABELS[$i]}
    py=${PY_PATHS[$i]}
    dir=$TESTDIR/$(safe_name "$label")
    kept=${#RESULTS[@]}
    check_one "$label" "$py" "$dir"
    case $? in
        0) continue ;;
        1) ANY_FAILED=1; continue ;;
    esac
    first=("${RESULTS[@]:$kept}")
    RESULTS=("${RESULTS[@]:0:$kept}")
    echo
    echo "=== $label: one object differed (above); once more in a fresh process"
    if check_one "$label" "$py" "$dir.again"; then
        ONCE+=("$label: the first process differed, a second did not:")
        ONCE+=("${first[@]}")
    else
        ANY_FAILED=1
    fi
done

echo
echo "=== results"
printf '%s\n' "${RESULTS[@]}"
if [ ${#PY_SKIPPED[@]} -gt 0 ]; then
    echo "not tested:"
    printf '  %s\n' "${PY_SKIPPED[@]}"
fi
if [ ${#ONCE[@]} -gt 0 ]; then
    echo "mismatches that did not come back in a fresh process:"
    printf '  %s\n' "${ONCE[@]}"
fi
[ $ANY_FAILED -eq 0 ] || exit 1
[ $HARNESS -eq 0 ] || exit 99
exit 0
