#!/bin/bash
# tests/fuzz/run.sh SECONDS [HARNESS...]
# Runs each libFuzzer harness of `make fuzz` for SECONDS (wall clock, one
# process at a time, on one core), from the committed seeds plus a corpus
# kept in the build directory (fuzz/corpus/NAME), with refheap.dict, and
# prints per harness: executions, seconds, peak RSS, crashes.
#   --replay      only replay the regression and seed corpora (no fuzzing)
# Environment:
#   BUILD         build directory with fuzz/ (default: build/normal)
#   REFHEAP_FUZZ_CORE  core for fuzz_heap (default: one is made here with
#                 gcore from a CPython stopped at startup; skipped if none)
#   FUZZ_ARGS     extra libFuzzer flags
# Exits 1 if a harness crashed, leaked, timed out or ran out of memory (the
# reproducer is kept in fuzz/artifacts/), 0 otherwise; 77 (skip) when the
# harnesses are not built.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
replay=0
if [ "${1:-}" = --replay ]; then replay=1; shift; secs=0; else secs=${1:?usage: run.sh SECONDS|--replay [HARNESS...]}; shift; fi
build=$(cd "${BUILD:-$src/build/normal}" 2>/dev/null && pwd) || { echo "run.sh: no build directory ${BUILD:-$src/build/normal}" >&2; exit 77; }
fz=$build/fuzz
harnesses=${*:-core layout_cache snapshot_cache analysis_cache heap}
for h in $harnesses; do
    [ -x "$fz/fuzz_$h" ] || { echo "run.sh: $fz/fuzz_$h not built: run make fuzz in $build (needs clang with libFuzzer)" >&2; exit 77; }
done
mkdir -p "$fz/artifacts" "$fz/work"
# The harnesses' scratch files, on tmpfs when there is one (every
# execution writes its input to a file); removed at the end, since a
# harness stopped by libFuzzer does not always run its own cleanup.
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=$fz/work
scratch=$(mktemp -d "$shm/rh-fuzz-run.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT
export TMPDIR=$scratch
# Allocation failures and leaks are findings; small quarantine keeps RSS
# about what the code under test uses.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=16:malloc_context_size=20}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

make_core() {
    # A CPython stopped at startup (-S: few modules), dumped with gcore:
    # ~15 MB, regenerated rather than committed.
    local py dir=$fz/core pid
    for py in /usr/bin/python3.11 "$(command -v python3 2>/dev/null)"; do
        [ -x "$py" ] && break
    done
    command -v gcore > /dev/null || { echo "run.sh: gcore not found: fuzz_heap skipped" >&2; return 1; }
    [ -x "$py" ] || { echo "run.sh: no python3: fuzz_heap skipped" >&2; return 1; }
    mkdir -p "$dir"
    "$py" -I -S -c 'import os, signal
d = {"k": [1, 2.5, (3, "x")], "s": {1, 2}, "b": b"xy"}
class C: pass
c = C(); c.self = c; c.attr = "\u2028\u202e"
os.kill(os.getpid(), signal.SIGSTOP)' &
    pid=$!
    for _ in $(seq 100); do
        [ "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' /proc/$pid/status 2>/dev/null)" = T ] && break
        sleep 0.1
    done
    echo 0x37 > /proc/$pid/coredump_filter 2>/dev/null
    timeout 60 gcore -o "$dir/core" "$pid" > "$dir/gcore.log" 2>&1
    kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    mv -f "$dir/core.$pid" "$dir/core" 2>/dev/null
    [ -s "$dir/core" ] || { echo "run.sh: gcore failed: fuzz_heap skipped" >&2; cat "$dir/gcore.log" >&2; return 1; }
    REFHEAP_FUZZ_CORE=$dir/core
}

status=0
printf '%-16s %12s %8s %10s %s\n' harness execs seconds peak_rss result
for h in $harnesses; do
    if [ "$h" = heap ] && [ -z "${REFHEAP_FUZZ_CORE:-}" ]; then
        make_core || continue
        export REFHEAP_FUZZ_CORE
    fi
    corpus=$fz/corpus/$h
    mkdir -p "$corpus"
    dirs=("$here/seeds/$h")
    [ -d "$here/regress/$h" ] && dirs+=("$here/regress/$h")
    log=$fz/work/$h.log
    if [ $replay = 1 ]; then
        files=()
        for d in "${dirs[@]}"; do for f in "$d"/*; do [ -f "$f" ] && files+=("$f"); done; done
        start=$(date +%s)
        # The seeds of the cache readers must be accepted: a refused seed
        # (a format bumped without new seeds) fuzzes only the header.
        seeds=()
        for f in "$here/seeds/$h"/*; do [ -f "$f" ] && seeds+=("$f"); done
        rc=0
        case $h in
            snapshot_cache|analysis_cache)
                REFHEAP_FUZZ_SEEDS_VALID=1 "$fz/fuzz_$h" -rss_limit_mb=2048 -timeout=60 \
                    "${seeds[@]}" > "$log.seeds" 2>&1 || { rc=$?; cat "$log.seeds" >> "$log"; } ;;
        esac
        if [ $rc -eq 0 ]; then
            "$fz/fuzz_$h" -rss_limit_mb=2048 -timeout=60 "${files[@]}" > "$log" 2>&1
            rc=$?
        fi
        execs=${#files[@]}
        rss=-
    else
        start=$(date +%s)
        # -fork would use more cores: one process, one core.
        "$fz/fuzz_$h" -max_total_time="$secs" -print_final_stats=1 \
            -dict="$here/refheap.dict" -rss_limit_mb=2048 -timeout=30 -max_len=65536 \
            -artifact_prefix="$fz/artifacts/$h-" ${FUZZ_ARGS:-} \
            "$corpus" "${dirs[@]}" > "$log" 2>&1
        rc=$?
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)MB
    fi
    took=$(( $(date +%s) - start ))
    if [ $rc -eq 0 ]; then res=ok; else res="FAILED (exit $rc, log $log)"; status=1; fi
    printf '%-16s %12s %8s %10s %s\n' "fuzz_$h" "${execs:-?}" "$took" "$rss" "$res"
    if [ $rc -ne 0 ]; then
        grep -E "ERROR|runtime error|SUMMARY|Test unit written" "$log" | head -5 | sed 's/^/    /'
    fi
done
exit $status
