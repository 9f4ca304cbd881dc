#!/bin/bash
# fuzz_smoke.sh: CI's share of the fuzzing (issue 11). Builds the libFuzzer
# harnesses (make fuzz), replays the committed seeds and the regression
# corpus (tests/fuzz/regress: every input that once crashed), then runs
# each harness briefly (REFHEAP_FUZZ_SECONDS each, default 15; fuzz_heap on
# a fresh small core). Any crash, sanitizer report, leak or timeout fails.
# Runs in the normal build only: the harnesses carry their own ASan+UBSan,
# so the sanitizer build would only repeat it. Long campaigns:
# tests/fuzz/run.sh SECONDS.
. "$(dirname "$0")/test-lib.sh"
require_refheap
if nm "$REFHEAP" 2>/dev/null | grep -q __asan_init; then
    skip "sanitizer build: the fuzz harnesses run once, in the normal build"
fi
out=$(make -C "$top_builddir" fuzz 2>&1)
rc=$?
if echo "$out" | grep -q "make fuzz: skipped"; then
    skip "$(echo "$out" | grep "make fuzz: skipped")"
fi
[ $rc -eq 0 ] || { echo "$out" | tail -20; echo "FAIL: make fuzz failed"; exit 1; }
secs=${REFHEAP_FUZZ_SECONDS:-15}
fail=0
# the harnesses' scratch files and reports stay in this test's directory
export TMPDIR=$TESTDIR
BUILD=$top_builddir "$top_srcdir/tests/fuzz/run.sh" --replay || fail=1
BUILD=$top_builddir "$top_srcdir/tests/fuzz/run.sh" "$secs" || fail=1
[ $fail = 0 ] && echo PASS
exit $fail
