#!/bin/bash
# jobs.sh: the number of threads never changes an answer.
#
# refheap reads the references of the heap's objects on --jobs N threads
# (heap/snapshot_parallel.c) and merges them in object order, so every
# output must be byte for byte the one of --jobs 1. samples/reports_heap.py
# builds a heap with a leaked object (Py_IncRef), cyclic garbage, a big
# list and many instances, stops and is dumped; then every analysis command
# (why, gc, leaks, dominators, histogram, cycles, export, summary, report,
# and the --json forms) runs with --jobs 1, 2 and 7 (more threads than this
# machine's cores: the threads finish their chunks in any order) and with
# REFHEAP_JOBS=3, each with no snapshot cache, and the outputs, the stderr
# (problems come out in the same order) and the exit statuses are compared
# (with the "seconds" timings of export and summary --json blanked).
# The snapshot's arrays are sized once, for what the core could hold
# (heap/snapshot.c reserve_arrays); with REFHEAP_TEST_RESERVE=1000 they
# are grown from room for 1,000 objects instead, copied at each doubling:
# export, gc, leaks and dominators must not change either.
# The snapshot cache files written by --jobs 1 and --jobs 7 must be equal
# too, except the three timing doubles of its header (struct disk_header,
# heap/snapshot_cache.c: seconds_runtime, seconds_objects, seconds_graph).
# Also checked: a --jobs that is not 1..64 is a usage error (exit 64).
# Runs on every CPython 3.8+ found; exits 77 if there is none.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

SAMPLE=$top_srcdir/samples/reports_heap.py
require_refheap
find_pythons
print_pythons
[ ${#PY_PATHS[@]} -gt 0 ] || skip "no CPython 3.8+ interpreter found (install pyenv versions or python3.11, or set REFHEAP_PYTHONS)"

FAILED=0
for bad in 0 65 x; do
    "$REFHEAP" gc --jobs "$bad" /nonexistent > /dev/null 2> "$TESTDIR/usage.err"
    rc=$?
    if [ $rc -ne 64 ] || ! grep -q -- '--jobs' "$TESTDIR/usage.err"; then
        echo "FAIL: --jobs $bad: exit $rc (want 64 and a message naming --jobs)"
        show_file "$TESTDIR/usage.err" stderr
        FAILED=$((FAILED + 1))
    fi
done

# The timing doubles of the snapshot cache's header: bytes [280, 304);
# and its id, random for each file written (what the analyses' file
# names): bytes [72, 80).
TIMING_LO=280 TIMING_HI=304 ID_LO=72 ID_HI=80

# same_cache A B: the two cache files differ at most in the timing and id bytes
same_cache() {
    local off
    [ "$(stat -c %s "$1")" = "$(stat -c %s "$2")" ] || { echo "sizes differ"; return 1; }
    while read -r off _; do
        # cmp -l counts bytes from 1
        if { [ $((off - 1)) -lt $TIMING_LO ] || [ $((off - 1)) -ge $TIMING_HI ]; } &&
           { [ $((off - 1)) -lt $ID_LO ] || [ $((off - 1)) -ge $ID_HI ]; }; then
            echo "byte $((off - 1)) differs (outside the timings at $TIMING_LO..$TIMING_HI and the id at $ID_LO..$ID_HI)"
            return 1
        fi
    done < <(cmp -l "$1" "$2")
    return 0
}

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
    core=$dir/core
    # an object half-way through the table, and the first leak suspect
    timeout -k 5 "$TIMEOUT" "$REFHEAP" export --jobs 1 --no-cache "$core" > "$dir/export.jsonl" 2> /dev/null
    n=$(awk 'END { print NR }' "$dir/export.jsonl")
    mid=$(sed -n "$(( n / 2 ))p" "$dir/export.jsonl" | sed -n 's/.*"addr":"\(0x[0-9a-f]*\)".*/\1/p')
    leak=$(timeout -k 5 "$TIMEOUT" "$REFHEAP" leaks --json --jobs 1 --no-cache "$core" 2> /dev/null |
           grep -o '"addr":"0x[0-9a-f]*"' | head -n 1 | sed 's/.*"\(0x[0-9a-f]*\)"/\1/')
    if [ -z "$mid" ] || [ -z "$leak" ]; then
        echo "FAIL $label: no object to ask about (export: $n lines; leak: '$leak')"
        FAILED=$((FAILED + 1))
        continue
    fi
    cmds=("why $mid" "why --json $mid" "why $leak" "why --json $leak" gc "gc --json"
          leaks "leaks --json" "dominators --top 30" "dominators --json --top 30"
          "histogram" "histogram --json" "cycles" "cycles --json" "export" "export --labels"
          "summary" "summary --json" "report")
    bad=0
    runs=0
    for c in "${cmds[@]}"; do
        name=$(echo "$c" | tr -c 'a-z0-9\n' '_')
        variants="1 2 7 env3"
        case $c in export|"gc --json"|"leaks --json"|"dominators --json --top 30") variants="$variants grow" ;; esac
        for j in $variants; do
            if [ "$j" = grow ]; then
                # shellcheck disable=SC2086
                REFHEAP_TEST_RESERVE=1000 timeout -k 5 "$TIMEOUT" "$REFHEAP" $c --jobs 2 --no-cache "$core" \
                    > "$dir/$name.$j.out" 2> "$dir/$name.$j.err"
            elif [ "$j" = env3 ]; then
                # shellcheck disable=SC2086
                REFHEAP_JOBS=3 timeout -k 5 "$TIMEOUT" "$REFHEAP" $c --no-cache "$core" \
                    > "$dir/$name.$j.out" 2> "$dir/$name.$j.err"
            else
                # shellcheck disable=SC2086
                timeout -k 5 "$TIMEOUT" "$REFHEAP" $c --jobs "$j" --no-cache "$core" \
                    > "$dir/$name.$j.out" 2> "$dir/$name.$j.err"
            fi
            echo $? > "$dir/$name.$j.rc"
            # how long each phase took (export's snapshot record, summary
            # --json) differs from run to run, not with the threads
            sed -i 's/"seconds":{[^}]*}/"seconds":{}/g' "$dir/$name.$j.out"
            runs=$((runs + 1))
        done
        rc1=$(cat "$dir/$name.1.rc")
        if [ "$rc1" -gt 1 ] || [ ! -s "$dir/$name.1.out" ]; then
            echo "FAIL $label: refheap $c --jobs 1 exited $(describe_rc "$rc1") or wrote nothing"
            show_file "$dir/$name.1.err" stderr
            bad=$((bad + 1))
            continue
        fi
        for j in ${variants#1 }; do
            for part in out err rc; do
                if ! cmp -s "$dir/$name.1.$part" "$dir/$name.$j.$part"; then
                    echo "FAIL $label: refheap $c: run $j's $part differs from --jobs 1's (2, 7: --jobs; env3: REFHEAP_JOBS=3; grow: REFHEAP_TEST_RESERVE=1000)"
                    diff "$dir/$name.1.$part" "$dir/$name.$j.$part" | head -n 10 | sed 's/^/  | /'
                    bad=$((bad + 1))
                fi
            done
        done
    done
    # the snapshot cache file
    for j in 1 7; do
        mkdir -p "$dir/cache$j"
        timeout -k 5 "$TIMEOUT" "$REFHEAP" gc --jobs "$j" --cache-dir "$dir/cache$j" "$core" > /dev/null 2>&1
    done
    mkdir -p "$dir/cachegrow"
    REFHEAP_TEST_RESERVE=1000 timeout -k 5 "$TIMEOUT" "$REFHEAP" gc --jobs 2 --cache-dir "$dir/cachegrow" "$core" > /dev/null 2>&1
    cg=$(ls "$dir"/cachegrow/snapshots/*.snap 2> /dev/null | head -n 1)
    c1=$(ls "$dir"/cache1/snapshots/*.snap 2> /dev/null | head -n 1)
    c7=$(ls "$dir"/cache7/snapshots/*.snap 2> /dev/null | head -n 1)
    if [ -z "$c1" ] || [ -z "$c7" ]; then
        echo "FAIL $label: no snapshot cache file written ('$c1', '$c7')"
        bad=$((bad + 1))
    elif ! why=$(same_cache "$c1" "$c7"); then
        echo "FAIL $label: the snapshot cache of --jobs 7 differs from --jobs 1's: $why"
        bad=$((bad + 1))
    elif [ -z "$cg" ] || ! why=$(same_cache "$c1" "$cg"); then
        echo "FAIL $label: the snapshot cache of grown arrays differs from --jobs 1's: ${why:-not written}"
        bad=$((bad + 1))
    fi
    objects=$(grep -c '"record":"object"' "$dir/export.1.out")
    if [ $bad -eq 0 ]; then
        echo "ok $label: $runs runs of ${#cmds[@]} commands on $objects objects: --jobs 2, 7, REFHEAP_JOBS=3 and 4 commands with grown arrays byte-identical to --jobs 1; snapshot caches equal but for the timings"
    else
        FAILED=$((FAILED + 1))
    fi
done

[ $FAILED -eq 0 ] || { echo "$FAILED failure(s)"; exit 1; }
echo "PASS"
