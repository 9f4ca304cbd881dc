#!/bin/bash
# gdb_bench.sh: how quick are the GDB commands of plugin/refheap.gdb?  (A
# benchmark, not a test: it prints a table and never fails on a missed target.)
#
#   bench/gdb_bench.sh [--10m] [SCRATCH [PY]]
#     --10m    also the ~10M-object heap (core about 0.8 GB, several minutes)
#     SCRATCH  work directory for cores and logs (default /tmp/refheap-gdb-bench)
#     PY       interpreter (default: pyenv's 3.11.7, found at run time)
#   Environment: SIZES (object counts, default "1000000", "1000000 10000000"
#   with --10m), REFHEAP (default ./refheap, else build/normal/refheap),
#   PLUGIN (default: plugin/refheap.gdb beside that refheap),
#   REFHEAP_GDB_MINIMAL (a gdb-minimal binary; default: the one
#   tests/integration/gdb_plugin.sh unpacked beside the build, if any).
#
# For each size, bench/mkheap.py builds the heap and stops itself; it is
# dumped with gcore (as bench/summary_bench.sh does). An object to ask about
# is picked from `refheap export` (a User instance from the middle of the
# heap, held through the chain of users and the module's REGISTRY). Then, in
# ONE gdb batch session on PY + the core, `refheap why ADDR` runs twice,
# timed from GDB itself (`shell date` before and after each command):
#   cold   the cache directory (--cache-dir: layouts per build-id, and the
#          snapshots refheap saves of a core, if it does) emptied first
#   warm   a second session with that cache
# The second command of a session is what a user waits for after the first;
# target: <= 0.3 s at 1M objects. `refheap why ADDR CORE` run directly
# (twice, from an empty cache) gives the cost of the command itself, beside
# GDB's share. If this refheap has no
# `why` command yet, `refheap summary` is timed instead, and the table says so.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
BIG=0
if [ "${1:-}" = --10m ]; then
    BIG=1
    shift
fi
SCRATCH=${1:-${SCRATCH:-/tmp/refheap-gdb-bench}}
PY=${2:-${PY:-}}
if [ -z "${SIZES:-}" ]; then
    SIZES=1000000
    [ $BIG = 1 ] && SIZES="1000000 10000000"
fi
TIMEOUT=${BENCH_TIMEOUT:-1800}

die() { echo "gdb_bench.sh: $*" >&2; exit 1; }

if [ -z "$PY" ]; then
    root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
    PY=$root/versions/3.11.7/bin/python3.11
fi
[ -x "$PY" ] || die "no interpreter at $PY (pass PY)"
if [ -z "${REFHEAP:-}" ]; then
    for r in "$repo/refheap" "$repo/build/normal/refheap"; do
        [ -x "$r" ] && { REFHEAP=$r; break; }
    done
fi
[ -x "${REFHEAP:-}" ] || die "refheap not built (set REFHEAP)"
REFHEAP=$(cd "$(dirname "$REFHEAP")" && pwd)/$(basename "$REFHEAP")
PLUGIN=${PLUGIN:-$(dirname "$REFHEAP")/plugin/refheap.gdb}
[ -f "$PLUGIN" ] || die "no $PLUGIN (run make; or set PLUGIN)"
command -v gdb >/dev/null 2>&1 || die "gdb not found (apt-get install gdb)"
command -v gcore >/dev/null 2>&1 || die "gcore not found (apt-get install gdb)"

GDBS=(gdb)
GDB_BINS=("$(command -v gdb)")
gm=${REFHEAP_GDB_MINIMAL:-}
if [ -z "$gm" ]; then
    for d in "$(dirname "$REFHEAP")/gdb-minimal/root/usr/bin/gdb" "$repo/build/normal/gdb-minimal/root/usr/bin/gdb"; do
        [ -x "$d" ] && { gm=$d; break; }
    done
fi
if [ -n "$gm" ] && [ -x "$gm" ]; then
    GDBS+=(gdb-minimal)
    GDB_BINS+=("$gm")
fi

CMD=why
if ! "$REFHEAP" why --help > /dev/null 2>&1; then
    CMD=summary
fi

mkdir -p "$SCRATCH" || die "cannot create $SCRATCH"
echo "refheap: $REFHEAP"
echo "plugin:  $PLUGIN"
echo "python:  $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"
echo "gdb:     ${GDB_BINS[*]}"
echo "scratch: $SCRATCH"
[ $CMD = why ] || echo "NOTE: this refheap has no 'why' command yet: timing 'refheap summary' instead"

ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

# session GDB LOG ARGS: one gdb batch session running the command twice
# (twice and timed); sets FIRST and SECOND (seconds) and SRC (its statuses)
session() {
    local gdb=$1 log=$2 core=$3 cache=$4 target
    shift 4
    local t=$log.times
    rm -f "$t"
    if [ $CMD = why ]; then target="why $ADDR"; else target="summary"; fi
    timeout "$TIMEOUT" "$gdb" -nx -batch -iex 'set debuginfod enabled off' -iex 'set auto-load off' \
        -ex "set \$refheap_bin = \"$REFHEAP\"" \
        -ex "set \$refheap_options = \"--cache-dir $cache\"" \
        -ex "source $PLUGIN" \
        -ex "shell date +%s%N >> $t" -ex "refheap $target" -ex "shell date +%s%N >> $t" \
        -ex 'printf "@@S1 %d\n", $refheap_status' \
        -ex "shell date +%s%N >> $t" -ex "refheap $target" -ex "shell date +%s%N >> $t" \
        -ex 'printf "@@S2 %d\n", $refheap_status' \
        "$PY" "$core" > "$log.out" 2> "$log.err"
    mapfile -t T < "$t"
    if [ ${#T[@]} -ne 4 ]; then
        FIRST=- SECOND=- SRC="gdb failed: $(tail -n 2 "$log.err" | tr '\n' ' ')"
        return
    fi
    FIRST=$(ms "${T[0]}" "${T[1]}")
    SECOND=$(ms "${T[2]}" "${T[3]}")
    SRC="status $(sed -n 's/^@@S1 //p' "$log.out")/$(sed -n 's/^@@S2 //p' "$log.out")"
}

ROWS=()
for n in $SIZES; do
    tag=$n
    echo
    echo "=== $n objects"
    core=$SCRATCH/core.$tag
    if [ ! -s "$core" ]; then
        "$PY" "$here/mkheap.py" "$n" --out "$SCRATCH/heap.$tag.json" > "$SCRATCH/gen.$tag.out" 2>&1 &
        pid=$!
        deadline=$(( $(date +%s) + TIMEOUT ))
        until grep -q '^State:.*T' "/proc/$pid/status" 2>/dev/null; do
            kill -0 "$pid" 2>/dev/null || die "mkheap.py failed: $(tail -n 5 "$SCRATCH/gen.$tag.out")"
            [ "$(date +%s)" -lt "$deadline" ] || die "timed out building the heap"
            sleep 0.5
        done
        echo 0x37 > "/proc/$pid/coredump_filter"
        gcore -o "$core" "$pid" > "$SCRATCH/gcore.$tag.log" 2>&1
        mv "$core.$pid" "$core" 2>/dev/null
        kill -KILL "$pid"
        wait "$pid" 2>/dev/null
        [ -s "$core" ] || die "gcore wrote no core: $(tail -n 3 "$SCRATCH/gcore.$tag.log")"
    else
        echo "(reusing $core; remove it to rebuild)"
    fi
    echo "core: $(( $(stat -c %s "$core") / 1048576 )) MiB"

    ADDR=
    if [ $CMD = why ]; then
        # the middle User instance of the export
        ADDR=$("$REFHEAP" export --no-alloc-scan --cache-dir "$SCRATCH/cache-pick" "$core" 2> "$SCRATCH/pick.$tag.err" |
            grep '"type":"User"' | awk '{ a[NR] = $0 } END { print a[int(NR / 2) + 1] }' |
            sed -n 's/.*"addr":"\(0x[0-9a-f]*\)".*/\1/p')
        [ -n "$ADDR" ] || die "no User object found in the export of $core: $(head -c 300 "$SCRATCH/pick.$tag.err")"
        echo "object: User at $ADDR"
    fi

    # the command alone, outside GDB, twice, from an empty cache directory
    rm -rf "$SCRATCH/cache-direct"
    direct=()
    for k in 1 2; do
        t0=$(date +%s%N)
        if [ $CMD = why ]; then
            "$REFHEAP" why --cache-dir "$SCRATCH/cache-direct" "$ADDR" "$core" > "$SCRATCH/direct$k.$tag.out" 2>&1
        else
            "$REFHEAP" summary --cache-dir "$SCRATCH/cache-direct" "$core" > "$SCRATCH/direct$k.$tag.out" 2>&1
        fi
        drc=$?
        t1=$(date +%s%N)
        direct+=("$(ms "$t0" "$t1")")
    done
    echo "refheap $CMD directly: first ${direct[0]}s, second ${direct[1]}s (status $drc)"

    for gi in "${!GDBS[@]}"; do
        g=${GDBS[$gi]}
        rm -rf "$SCRATCH/cache-$g"
        session "${GDB_BINS[$gi]}" "$SCRATCH/$g-cold.$tag" "$core" "$SCRATCH/cache-$g"
        c1=$FIRST c2=$SECOND cs=$SRC
        session "${GDB_BINS[$gi]}" "$SCRATCH/$g-warm.$tag" "$core" "$SCRATCH/cache-$g"
        w1=$FIRST w2=$SECOND ws=$SRC
        echo "$g: cold cache: first ${c1}s, second ${c2}s ($cs); warm cache: first ${w1}s, second ${w2}s ($ws)"
        verdict=
        if [ "$n" = 1000000 ] && [ "$w2" != - ]; then
            verdict=$(awk -v s="$w2" 'BEGIN { printf "second <= 0.3s: %s", (s <= 0.3 ? "met" : "MISSED") }')
        fi
        ROWS+=("$(printf '%-9s %-12s %-8s %8s %8s   %8s %8s   %8s %8s  %s' "$n" "$g" "$CMD" \
            "${c1}s" "${c2}s" "${w1}s" "${w2}s" "${direct[0]}s" "${direct[1]}s" "$verdict")")
    done
done

echo
echo "=== refheap $CMD in one GDB session (seconds, as GDB waits for them)"
[ $CMD = why ] || echo "NOTE: 'refheap why' does not exist in this refheap: these are 'refheap summary' timings"
printf '%-9s %-12s %-8s %8s %8s   %8s %8s   %8s %8s  %s\n' objects gdb command \
    "1st cold" "2nd cold" "1st warm" "2nd warm" "direct1" "direct2" target
printf '%s\n' "${ROWS[@]}"
echo "(cold: the cache directory (layouts, and snapshots if refheap saves them) emptied"
echo " before the session; warm: a second session with that cache; direct1/2: refheap"
echo " $CMD on the core outside GDB, twice, from an empty cache directory)"
