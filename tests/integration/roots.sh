#!/bin/bash
# roots.sh: the roots refheap finds (cpython/roots.h, driven by
# tests/tools/roots_dump) against what CPython says about itself.
#
# For every CPython interpreter found (pyenv versions, /usr/bin/python3.11,
# or $REFHEAP_PYTHONS): run samples/roots_heap.py --stop (a main thread in
# nested calls with marker locals, a closure cell, a generator frame, and a
# worker thread blocked on a lock; the sample records every thread's frames,
# lines and marker ids just before it stops), dump it with gcore, run
# roots_dump on the core and compare (tests/integration/compare_roots.py):
# frames in order with function names and lines, marker locals at the right
# addresses, the cell, sys.modules entries for __main__ and sys, sys.__dict__,
# the interned dict, static roots in the runtime's module found (the scan time printed as a figure, budget 50 ms).
# Then once against a live process (--pid) blocked in a read of a FIFO.
# Fails on any mismatch; skips (77) only if no interpreter can be tested.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

SAMPLE=$top_srcdir/samples/roots_heap.py
COMPARE_ROOTS=$top_srcdir/tests/integration/compare_roots.py
ROOTS_DUMP=$top_builddir/tests/tools/roots_dump
[ -x "$ROOTS_DUMP" ] || hard_error "no $ROOTS_DUMP (make check builds it; by hand: make tests/tools/roots_dump)"

find_pythons
print_pythons
[ ${#PY_PATHS[@]} -gt 0 ] || skip "no CPython 3.8+ interpreter found (install pyenv versions or python3.11, or set REFHEAP_PYTHONS)"
HOSTPY=$(host_python)

RESULTS=()
FAILED=0
HARNESS=0

note() { RESULTS+=("$(printf '%-28s %-14s %s' "$1" "$2" "$3")"); }

# run_dump OUT ARGS...: roots_dump with a timeout; sets RD_RC
run_dump() {
    local out=$1
    shift
    timeout -k 5 "$TIMEOUT" "$ROOTS_DUMP" "$@" > "$out.txt" 2> "$out.err"
    RD_RC=$?
}

# judge NAME RECORD OUT [compare args]: exit status of roots_dump, then compare
judge() {
    local name=$1 record=$2 out=$3 rc
    shift 3
    # 0: no problem, 1: problems recorded (compare_roots fails on them too)
    if [ "$RD_RC" -ne 0 ] && [ "$RD_RC" -ne 1 ]; then
        echo "FAIL $name: roots_dump exited $(describe_rc "$RD_RC")"
        show_file "$out.err" stderr
        show_file "$out.txt" stdout
        note "$name" "FAIL" "roots_dump exited $RD_RC"
        FAILED=1
        return
    fi
    "$HOSTPY" "$COMPARE_ROOTS" "$record" "$out.txt" --label "$name" "$@"
    rc=$?
    case $rc in
        0) note "$name" "ok" "$(grep -o '^# version .*' "$out.txt" | cut -c3-), static scan $(sed -n 's/^# static_seconds //p' "$out.txt") s" ;;
        99) note "$name" "harness error" "unreadable record or output"; HARNESS=1 ;;
        *) note "$name" "FAIL" "differs from CPython (see above)"; FAILED=1 ;;
    esac
}

for i in "${!PY_PATHS[@]}"; do
    label=${PY_LABELS[$i]}
    py=${PY_PATHS[$i]}
    dir=$TESTDIR/$(safe_name "$label")
    echo
    echo "=== $label ($py)"
    if ! make_core "$py" "$dir"; then
        echo "HARNESS ERROR $label: could not make a core with a record"
        note "$label" "harness error" "see above"
        HARNESS=1
        continue
    fi
    run_dump "$dir/roots" "$CORE"
    judge "$label" "$RECORD" "$dir/roots" --max-static-ms 50
    rm -f "$CORE"
done

# ------------------------------------------------------------------ live
# The sample blocks in read() of a FIFO instead of stopping; roots_dump
# attaches with ptrace, reads, resumes it; then the sample must run on.
live=$(pick_python "pyenv-3.11.7" "debian-python3.11" "*")
if [ -n "$live" ] && [ -n "$(py_sysroot "${PY_PATHS[$live]}")" ]; then
    echo "SKIP live: ${PY_LABELS[$live]} runs in another root (the live case is tested on host interpreters)"
    live=
fi
if [ -n "$live" ]; then
    label="${PY_LABELS[$live]} --pid"
    dir=$TESTDIR/live
    # (also points $ROOTS_DUMP back at the real one after a root's)
    py_dir "${PY_PATHS[$live]}" "$dir" || hard_error "mkdir $dir failed"
    mkfifo "$dir/ctl" || hard_error "mkfifo failed"
    echo
    echo "=== $label (${PY_PATHS[$live]})"
    "${PY_PATHS[$live]}" -I "$SAMPLE" --wait --ctl "$dir/ctl" --out "$dir/record.json" \
        > "$dir/sample.out" 2> "$dir/sample.err" &
    pid=$!
    CHILD_PIDS+=("$pid")
    if WAIT_ALIVE=$pid wait_until "$TIMEOUT" "the sample to be ready" grep -q '^READY' "$dir/sample.out" &&
       WAIT_ALIVE=$pid wait_until "$TIMEOUT" "the sample to block in read()" blocked_in_read "$pid"; then
        run_dump "$dir/roots" --pid "$pid"
        # a live target is read through /proc/PID/mem: allow it more time
        judge "$label" "$dir/record.json" "$dir/roots" --max-static-ms 500
        if proc_running "$pid"; then
            timeout 10 sh -c 'printf x > "$1"' sh "$dir/ctl"
            reap "$pid"
            if [ "$REAPED_RC" -ne 0 ] || ! grep -q '^DONE' "$dir/sample.out"; then
                echo "FAIL $label: the sample did not finish after roots_dump (exit $REAPED_RC)"
                _show_sample "$dir"
                note "$label resumed" "FAIL" "sample exit $REAPED_RC"
                FAILED=1
            else
                note "$label resumed" "ok" "the sample ran on and exited 0"
            fi
        else
            echo "FAIL $label: the sample is not running after roots_dump ($(thread_states "$pid"))"
            note "$label resumed" "FAIL" "left stopped"
            FAILED=1
        fi
    else
        _show_sample "$dir"
        note "$label" "harness error" "the sample did not block"
        HARNESS=1
    fi
fi

echo
echo "=== results"
printf '%s\n' "${RESULTS[@]}"
[ ${#PY_SKIPPED[@]} -eq 0 ] || { echo "not tested:"; printf '  %s\n' "${PY_SKIPPED[@]}"; }
[ $FAILED -eq 0 ] || exit 1
[ $HARNESS -eq 0 ] || exit 99
exit 0
