#!/bin/bash
# analyses_bench.sh: how fast, and in how much memory, are refheap's
# analysis commands on big heaps?  (A benchmark, not a test: it prints a
# table and never fails on a missed target.)
#
#   bench/analyses_bench.sh [SIZES [SCRATCH [PY]]]
#     SIZES    object counts to build (default "1000000 10000000"; with
#              BENCH_50M=1 also 50000000: a ~4 GB core, ~10 GB free disk
#              and ~12 GB of RAM, and about 10 minutes more)
#     SCRATCH  work directory (default /tmp/refheap-bench; the 10M core is
#              about 0.8 GB; cores are deleted after use)
#     PY       interpreter (default: pyenv's 3.11.7, found at run time)
#   Environment: REFHEAP (default ./refheap, else build/normal/refheap),
#   BENCH_JOBS (passed as --jobs; default: refheap's own default),
#   BENCH_CORE: "written" (default) leaves each core in the page cache as
#   gcore wrote it, in 4 KiB pieces; "disk" drops it from the page cache
#   first, so that it is read back from disk as a core handed over is,
#   in 2 MiB pieces where the kernel and filesystem have large folios.
#   Each command's line says how much of the core was mapped with 2 MiB
#   entries: the snapshot's GC-list walk takes about half as long then.
#
# For each size, bench/mkheap.py builds the heap, times the interpreter's
# own full gc.collect() on it (best of 3), stops itself and is dumped with
# gcore, and the core is written back to disk (sync). Each command then
# runs on the core with a warm layout cache and no
# cached snapshot (the snapshot is rebuilt: "cold, snapshot included"; it
# is written to the snapshot cache and then mapped from that file); a
# last `gc` runs with the snapshot cache warm. Printed per command: wall
# time, CPU time (user + sys), peak RSS, and per object two peaks: beyond
# the core (peak RSS less the core's size: the core is mapped and
# populated whole; the snapshot cache file's pages, mapped once written,
# count here) and beyond the file-backed pages (--stats: the peak of the
# anonymous memory, sampled every 5 ms: the snapshot's arrays until they
# are handed to the page cache once written to the cache file, and the
# analyses' working memory); the resident anonymous memory per object at
# the end (--stats), the ratio to the interpreter's gc.collect(), and the
# load average when it ran (timings taken at a load above ~1 on a 2-core
# machine are not fit for targets).
# Then each command runs again with the snapshot cache warm ("warm": the
# snapshot mapped from the cache, and the analyses the earlier commands
# saved beside it; what this command adds is saved too), with the
# analyses' time and the peak RSS beyond the file-backed pages (--stats),
# and then once more ("again": every part it needs from the cache),
# and once more with --no-cache, as for a live target: the snapshot's
# arrays stay anonymous memory to the end.
# `why` is asked about an object in the middle of the heap (mkheap.py's
# probe_addr). At the end, per size: time and bytes per object, and the
# ratio of the largest size's per-object cost to 10M's. Targets (issue
# 12) at 10M objects on 2 cores: snapshot <= 1.5 s, each command <= 2.5 s
# and < 3x gc.collect(), <= 48 bytes/object; per-object cost at 50M
# within 25% of 10M's.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
SIZES=${1:-${SIZES:-1000000 10000000}}
[ "${BENCH_50M:-0}" = 1 ] && SIZES="$SIZES 50000000"
JOBS_OPT=()
[ -n "${BENCH_JOBS:-}" ] && JOBS_OPT=(--jobs "$BENCH_JOBS")
SCRATCH=${2:-${SCRATCH:-/tmp/refheap-bench}}
# RAM and disk the largest size needs (GiB): the heap's process, then its
# core on disk and refheap's peak (the core is mapped whole).
need_gib() { awk -v n="$1" 'BEGIN { printf "%d", n * 240 / 2^30 + 1 }'; }
PY=${3:-${PY:-}}
TIMEOUT=${BENCH_TIMEOUT:-1800}

die() { echo "analyses_bench.sh: $*" >&2; exit 1; }

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
command -v gcore >/dev/null 2>&1 || die "gcore not found (apt-get install gdb)"
[ -x /usr/bin/time ] || die "/usr/bin/time missing: apt-get install time"
mkdir -p "$SCRATCH" || die "cannot create $SCRATCH"
CACHE=$SCRATCH/cache
max=0
for n in $SIZES; do [ "$n" -gt "$max" ] && max=$n; done
avail=$(awk '/^MemAvailable:/ { printf "%d", $2 / 1048576 }' /proc/meminfo)
disk=$(df -Pk "$SCRATCH" | awk 'NR == 2 { printf "%d", $4 / 1048576 }')
need=$(need_gib "$max")
echo "largest heap: $max objects; needs ~${need} GiB of RAM and ~$(( need * 5 / 6 + 1 )) GiB of disk; available: ${avail} GiB RAM, ${disk} GiB disk in $SCRATCH"
[ "$avail" -ge "$need" ] || die "not enough memory for $max objects (${avail} GiB available, ~${need} GiB needed): free some, or drop the size"
[ "$disk" -gt $(( need * 5 / 6 )) ] || die "not enough disk in $SCRATCH for a $max-object core"
echo "refheap: $REFHEAP"
echo "cores:   ${BENCH_CORE:-written} (BENCH_CORE: \"written\", in the page cache as gcore wrote them; \"disk\", read back from disk)"
echo "python:  $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"

# timed LOG CMD...: run CMD (stdout to LOG.out); sets WALL (s), CPU (s),
# RSS (MiB) and LOAD (1-minute load average before the run)
timed() {
    local log=$1 t0 t1 rc
    shift
    LOAD=$(cut -d' ' -f1 /proc/loadavg)
    t0=$(date +%s%N)
    timeout "$TIMEOUT" /usr/bin/time -f '%M %U %S' -o "$log.time" "$@" > "$log.out" 2> "$log.err"
    rc=$?
    t1=$(date +%s%N)
    WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    RSS=$(awk 'NF == 3 && $1 ~ /^[0-9]+$/ { printf "%.0f", $1 / 1024 }' "$log.time")
    CPU=$(awk 'NF == 3 && $1 ~ /^[0-9]+$/ { printf "%.2f", $2 + $3 }' "$log.time")
    [ $rc -le 1 ] || echo "  ($* exited $rc: $(head -c 300 "$log.err"))"
    return 0
}

ROWS=()
PEROBJ=()
WROWS=()
SROWS=()
declare -A COST
for n in $SIZES; do
    echo
    echo "=== $n objects"
    rm -f "$SCRATCH/core.a$n"
    "$PY" "$here/mkheap.py" "$n" --out "$SCRATCH/aheap.$n.json" > "$SCRATCH/agen.$n.out" 2>&1 &
    pid=$!
    deadline=$(( $(date +%s) + TIMEOUT ))
    until grep -q '^State:.*T' "/proc/$pid/status" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || die "mkheap.py failed: $(tail -n 5 "$SCRATCH/agen.$n.out")"
        [ "$(date +%s)" -lt "$deadline" ] || die "timed out building the heap"
        sleep 0.5
    done
    echo 0x37 > "/proc/$pid/coredump_filter"
    gcore -o "$SCRATCH/core.a$n" "$pid" > /dev/null 2>&1
    mv "$SCRATCH/core.a$n.$pid" "$SCRATCH/core.a$n" 2>/dev/null
    kill -KILL "$pid"; wait "$pid" 2>/dev/null
    core=$SCRATCH/core.a$n
    [ -s "$core" ] || die "gcore wrote no core"
    # Written back to disk before anything is timed: gcore leaves the
    # core's pages dirty, and the kernel writes them back 30 s later, or
    # at once past dirty_background_ratio (a 50M core), in the middle of
    # whichever command runs then. A core handed over to a user is at rest.
    # (And only clean pages leave the page cache: BENCH_CORE=disk needs it.)
    t0=$(date +%s%N)
    sync "$core" || die "cannot write $core back to disk"
    echo "core written back to disk in $(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s"
    if [ "${BENCH_CORE:-written}" = disk ]; then
        dd if="$core" iflag=nocache count=0 2> /dev/null || die "cannot drop $core from the page cache"
    fi
    # warm the layout cache; `why` asks about the User half-way through
    # the registry (older mkheap.py: the object at 45% of the export)
    "$REFHEAP" summary --cache-dir "$CACHE" "$core" > /dev/null 2>&1
    addr=$(sed -n 's/.*"probe_addr": *"\(0x[0-9a-f]*\)".*/\1/p' "$SCRATCH/aheap.$n.json")
    if [ -z "$addr" ]; then
        addr=$("$REFHEAP" export --no-alloc-scan --cache-dir "$CACHE" "$core" 2>/dev/null |
               awk -v k=$(( n * 45 / 100 )) 'NR == k { print; exit }' |
               sed -n 's/.*"addr":"\(0x[0-9a-f]*\)".*/\1/p')
    fi
    echo "core: $(( $(stat -c %s "$core") / 1048576 )) MiB; why asks about $addr"
    gcs=$(sed -n 's/.*"gc_collect_full_s": *\([0-9.]*\).*/\1/p' "$SCRATCH/aheap.$n.json")
    gcs=$(printf '%.3f' "${gcs:-0}")
    echo "interpreter: full gc.collect() ${gcs}s (same process, best of 3)"
    row=$(printf '%-9s %8s' "$n" "${gcs}s")
    for cmd in "why $addr" gc "dominators --top 20" histogram leaks cycles; do
        name=${cmd%% *}
        rm -rf "$CACHE/snapshots"
        # shellcheck disable=SC2086
        timed "$SCRATCH/a-$name.$n" "$REFHEAP" $cmd "${JOBS_OPT[@]}" --stats --cache-dir "$CACHE" "$core"
        err=$SCRATCH/a-$name.$n.err
        stats=$(grep 'stats: analyses' "$err" | sed 's/^refheap: stats: //')
        phases=$(grep 'stats: snapshot phases' "$err" | sed 's/^refheap: stats: snapshot phases: //')
        snap=$(sed -n 's/.*snapshot \([0-9.]*\) s.*/\1/p' "$err" | head -1)
        nobj=$(sed -n 's/.*stats: \([0-9]*\) objects.*/\1/p' "$err" | head -1)
        bpo=$(sed -n 's/.*(\([0-9.]*\) bytes\/object).*/\1/p' "$err" | head -1)
        abpo=$(sed -n 's/.*peak RSS beyond file-backed pages [0-9.]* MiB (\([0-9.]*\) bytes\/object).*/\1/p' "$err" | head -1)
        huge=$(sed -n "s/.*the core's pages: .* (\([0-9]*%\)) mapped with 2 MiB entries.*/\1/p" "$err" | head -1)
        # peak beyond the core: the core is mapped whole (MADV_POPULATE_READ)
        pbpo=$(awk -v r="$RSS" -v c="$(stat -c %s "$core")" -v n="${nobj:-0}" \
               'BEGIN { if (n > 0) printf "%.1f", (r * 1048576 - c) / n; else print "?" }')
        ratio=$(awk -v w="$WALL" -v g="$gcs" 'BEGIN { if (g > 0) printf "%.1f", w / g; else print "?" }')
        echo "$name: ${WALL}s wall (${ratio}x gc.collect), ${CPU}s CPU, peak RSS ${RSS} MiB (${pbpo} bytes/object beyond the core, ${abpo:-?} beyond the file-backed pages), ${bpo:-?} bytes/object resident anon at the end, load ${LOAD}, core ${huge:-?} mapped with 2 MiB entries (snapshot ${snap:-?}s: ${phases:-?}; $stats)"
        row+=$(printf ' %10s' "${WALL}s")
        if [ "$name" = why ]; then
            NOBJ=$nobj SNAP=$snap WHYRSS=$RSS WHYBPO=$bpo WHYPBPO=$pbpo WHYABPO=$abpo
        fi
        COST[$n,$name]=$WALL
        COST[$n,$name,b]=$pbpo
        COST[$n,$name,a]=$abpo
        COST[$n,$name,r]=$RSS
    done
    # warm snapshot cache: the analyses alone (and the report)
    wrow=$(printf '%-9s' "$n")
    for cmd in "why $addr" gc "dominators --top 20" histogram leaks cycles; do
        name=${cmd%% *}
        # shellcheck disable=SC2086
        timed "$SCRATCH/w-$name.$n" "$REFHEAP" $cmd "${JOBS_OPT[@]}" --stats --cache-dir "$CACHE" "$core"
        err=$SCRATCH/w-$name.$n.err
        grep -q 'snapshot mapped from the snapshot cache' "$err" || echo "  (warm $name: the snapshot was not taken from the cache)"
        an=$(sed -n 's/.*stats: analyses \([0-9.]*\) s.*/\1/p' "$err" | head -1)
        wb=$(sed -n 's/.*peak RSS beyond file-backed pages [0-9.]* MiB (\([0-9.]*\) bytes\/object).*/\1/p' "$err" | head -1)
        echo "$name (warm snapshot cache): ${WALL}s wall, analyses ${an:-?}s, ${CPU}s CPU, peak RSS ${RSS} MiB, ${wb:-?} bytes/object peak beyond file-backed pages, load ${LOAD} ($(grep 'stats: analyses' "$err" | sed 's/^refheap: stats: //'))"
        first=$WALL
        # Again: every part this command needs is now in the analyses
        # file beside the snapshot (the run above may have added some).
        # shellcheck disable=SC2086
        timed "$SCRATCH/w2-$name.$n" "$REFHEAP" $cmd "${JOBS_OPT[@]}" --stats --cache-dir "$CACHE" "$core"
        echo "$name (warm, again): ${WALL}s wall, load ${LOAD} ($(grep 'stats: analyses' "$SCRATCH/w2-$name.$n.err" | sed 's/^refheap: stats: //' | tr '\n' ' '))"
        wrow+=$(printf ' %7ss %6s %6ss %6ss' "${an:-?}" "${wb:-?}" "$first" "$WALL")
        COST[$n,$name,w]=$an
        COST[$n,$name,wb]=$wb
    done
    WROWS+=("$wrow")
    # summary as the second command: cut from the graph snapshot cached
    # above (its GC lists' part), against walking the GC lists (layouts
    # cached, no snapshot cache: what it does on a core seen first)
    timed "$SCRATCH/s-cut.$n" "$REFHEAP" summary "${JOBS_OPT[@]}" --stats --cache-dir "$CACHE" "$core"
    grep -q 'snapshot mapped from the snapshot cache' "$SCRATCH/s-cut.$n.err" || echo "  (summary: the snapshot was not taken from the cache)"
    cut=$WALL
    # (--cache-max 0: no snapshot cache; the layouts still come from it)
    timed "$SCRATCH/s-walk.$n" "$REFHEAP" summary "${JOBS_OPT[@]}" --stats --cache-max 0 --cache-dir "$CACHE" "$core"
    cmp -s "$SCRATCH/s-cut.$n.out" "$SCRATCH/s-walk.$n.out" || echo "  (summary: the cut's output differs from the walk's)"
    echo "summary: ${cut}s wall cut from the cached graph snapshot, ${WALL}s walking the GC lists"
    SROWS+=("$(printf '%-9s %12s %12s' "$n" "${cut}s" "${WALL}s")")
    # no snapshot cache (--no-cache, and every live target): the snapshot's
    # arrays stay anonymous memory, nothing hands them to the page cache
    for cmd in "why $addr" gc "dominators --top 20" histogram leaks cycles; do
        name=${cmd%% *}
        # shellcheck disable=SC2086
        timed "$SCRATCH/n-$name.$n" "$REFHEAP" $cmd "${JOBS_OPT[@]}" --stats --no-cache "$core"
        err=$SCRATCH/n-$name.$n.err
        nb=$(sed -n 's/.*peak RSS beyond file-backed pages [0-9.]* MiB (\([0-9.]*\) bytes\/object).*/\1/p' "$err" | head -1)
        echo "$name (--no-cache): ${WALL}s wall, ${CPU}s CPU, peak RSS ${RSS} MiB, ${nb:-?} bytes/object peak beyond file-backed pages, load ${LOAD}"
        COST[$n,$name,nb]=$nb
        COST[$n,$name,nw]=$WALL
    done
    COST[$n,nobj]=${NOBJ:-$n}
    # warm: the snapshot cache written by the last command
    timed "$SCRATCH/a-warm.$n" "$REFHEAP" gc "${JOBS_OPT[@]}" --cache-dir "$CACHE" "$core"
    echo "gc (warm snapshot cache): ${WALL}s wall, peak RSS ${RSS} MiB, load ${LOAD}"
    row+=$(printf ' %8s' "${WALL}s")
    per=$(awk -v s="${SNAP:-0}" -v n="${NOBJ:-0}" 'BEGIN { if (n > 0) printf "%.0f", s * 1e9 / n; else print "?" }')
    PEROBJ+=("$(printf '%-9s %10s %10s %9s ns %12s %12s %12s %10s' "$n" "${NOBJ:-?}" "${SNAP:-?}s" "$per" "${WHYPBPO:-?}" "${WHYABPO:-?}" "${WHYBPO:-?}" "${WHYRSS:-?} MiB")")
    ROWS+=("$row")
    rm -f "$core"
done

echo
echo "=== wall time per command (cold: snapshot included, warm layout cache); gc.collect is the interpreter's own"
printf '%-9s %8s %10s %10s %10s %10s %10s %10s %8s\n' objects gc.collect why gc dominators histogram leaks cycles warm
printf '%s\n' "${ROWS[@]}"
echo
echo "=== per object (the why run): snapshot time / objects; bytes per object at peak RSS beyond the core and beyond the file-backed pages (anonymous), and resident anonymous at the end"
printf '%-9s %10s %10s %12s %12s %12s %12s %10s\n' size objects snapshot per-object peak-B/obj anon-B/obj end-B/obj "peak RSS"
printf '%s\n' "${PEROBJ[@]}"
echo
echo "=== warm snapshot cache: analyses' seconds (--stats), peak bytes/object beyond the file-backed pages (core and cached snapshot), wall of the first warm run and of the same command again (target: <= 0.1 s)"
printf '%-9s' objects
for c in why gc dominators histogram leaks cycles; do printf ' %8s %6s %7s %7s' "$c" B/obj wall again; done
echo
printf '%s\n' "${WROWS[@]}"

echo
echo "=== summary: cut from the cached graph snapshot (a second command: target <= 0.1 s), and walking the GC lists"
printf '%-9s %12s %12s\n' objects cut walk
printf '%s\n' "${SROWS[@]}"

# per-object cost: ns per object of each cold command, of the analyses
# alone (warm), and peak bytes per object; the largest size against 10M
# (or against the size before it)
echo
echo "=== per object, per size (cold: wall ns/object, peak RSS, peak bytes/object beyond the core and beyond the file-backed pages (target <= 48 at 10M), the same with --no-cache; warm: analyses ns/object)"
sizes=($SIZES)
printf '%-9s %-10s %12s %10s %12s %12s %12s %12s\n' size command "cold ns/obj" "peak RSS" "cold B/obj" "anon B/obj" "no-cache B" "warm ns/obj"
for n in "${sizes[@]}"; do
    for c in why gc dominators histogram leaks cycles; do
        awk -v n="${COST[$n,nobj]}" -v size="$n" -v c="$c" -v w="${COST[$n,$c]:-0}" -v b="${COST[$n,$c,b]:-?}" \
            -v r="${COST[$n,$c,r]:-?}" -v an="${COST[$n,$c,a]:-?}" -v a="${COST[$n,$c,w]:-0}" \
            -v nb="${COST[$n,$c,nb]:-?}" \
            'BEGIN { printf "%-9s %-10s %12.0f %10s %12s %12s %12s %12.0f\n", size, c, w * 1e9 / n, r " MiB", b, an, nb, a * 1e9 / n }'
    done
done
base=
for n in "${sizes[@]}"; do [ "$n" = 10000000 ] && base=$n; done
last=${sizes[${#sizes[@]}-1]}
if [ "${#sizes[@]}" -gt 1 ]; then
    [ -n "$base" ] && [ "$base" != "$last" ] || base=${sizes[${#sizes[@]}-2]}
    echo
    echo "=== ratio of per-object cost, $last against $base objects (target: within 1.25)"
    printf '%-10s %10s %10s %10s\n' command "cold time" "cold B" "warm time"
    for c in why gc dominators histogram leaks cycles; do
        awk -v c="$c" -v nl="${COST[$last,nobj]}" -v nb="${COST[$base,nobj]}" \
            -v tl="${COST[$last,$c]:-0}" -v tb="${COST[$base,$c]:-0}" \
            -v bl="${COST[$last,$c,b]:-0}" -v bb="${COST[$base,$c,b]:-0}" \
            -v wl="${COST[$last,$c,w]:-0}" -v wb="${COST[$base,$c,w]:-0}" \
            'function r(x, y) { return (y > 0 && x > 0) ? sprintf("%.2f", x / y) : "?" }
             BEGIN { printf "%-10s %10s %10s %10s\n", c, r(tl / nl, tb / nb), r(bl, bb), r(wl / nl, wb / nb) }'
    done
fi
