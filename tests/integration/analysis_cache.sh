#!/bin/bash
# analysis_cache.sh: the analyses' results saved beside a cached snapshot
# (analysis/analysis_cache.c) give the next command on the same core the
# answers it would have built. On a core of samples/reports_heap.py (a
# garbage ring, a leaked object, a big list, 1000 instances), checked:
#   - every analysis command prints the same with the cache, cold and warm,
#     as with --no-cache, and with --jobs 1;
#   - after the first command, --stats says the later ones read their
#     analyses from the cache; warm, each reads the parts it needs (and
#     no other: the checks read every page) and builds none;
#   - the file is beside the snapshot's (*.snap.analyses);
#   - a damaged file (cut short, or not an analyses file) is refused with
#     a note under --verbose, the output does not change, and the file is
#     written again;
#   - a file of an older snapshot file (the snapshot written again) is
#     ignored and replaced, and the pair goes when the core changes.
# Runs on the first CPython 3.8+ found; exits 77 if there is none.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

SAMPLE=$top_srcdir/samples/reports_heap.py
require_refheap
find_pythons
[ ${#PY_PATHS[@]} -gt 0 ] || skip "no CPython 3.8+ interpreter found (install pyenv versions or python3.11, or set REFHEAP_PYTHONS)"
label=${PY_LABELS[0]}
py=${PY_PATHS[0]}
dir=$TESTDIR/$(safe_name "$label")
py_dir "$py" "$dir" || hard_error "no directory for $label"
enough_space "$dir/" 512 || skip "not enough disk for a core in $dir"
echo "=== $label ($py)"
stop_one_core "$py" "$dir" --out "$dir/record.json" || hard_error "no core of $SAMPLE under $label"
CORE=$dir/core

FAILED=0
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }

# rh OUT ARGS...: run refheap; fail on an exit status above "partial" (1)
rh() {
    local out=$1
    shift
    run_refheap "$out" "$@"
    if [ "$RH_RC" -gt 1 ]; then
        fail "refheap $* exited $(describe_rc "$RH_RC")"
        show_file "$out.err" stderr
        return 1
    fi
}

# An object to ask about: the top of the dominator tree.
rh "$dir/top" dominators --json -n 1 --no-cache "$CORE" || exit 1
ADDR=$(grep -o '"addr": *"0x[0-9a-f]*"' "$dir/top.json" | head -1 | grep -o '0x[0-9a-f]*')
[ -n "$ADDR" ] || hard_error "no address in dominators --json: $(head -c 300 "$dir/top.json")"

# name|arguments: gc first, so that the later commands find part of the
# analyses in the file and add the rest.
COMMANDS=(
    "gc|gc --json"
    "gc_t|gc"
    "cycles|cycles --json -n 0"
    "why|why --json $ADDR"
    "why_t|why $ADDR"
    "refs|refs --json --depth 1 $ADDR"
    "referrers|referrers --json --depth 2 $ADDR"
    "leaks|leaks --json -n 0"
    "dom|dominators --json -n 20"
    "hist|histogram --json --sort retained"
    "hist_t|histogram --sort retained"
    "leaks_t|leaks"
)

for c in "${COMMANDS[@]}"; do
    # shellcheck disable=SC2086
    rh "$dir/${c%%|*}.n" ${c#*|} --no-cache "$CORE"
done

# run_all TAG CACHE ARGS...: every command against its --no-cache output
run_all() {
    local tag=$1 cache=$2 c name
    shift 2
    for c in "${COMMANDS[@]}"; do
        name=${c%%|*}
        # shellcheck disable=SC2086
        rh "$dir/$name.$tag" ${c#*|} --stats --cache-dir "$cache" "$@" "$CORE" || continue
        cmp -s "$dir/$name.$tag.json" "$dir/$name.n.json" ||
            fail "$tag: $name differs from --no-cache: $(diff "$dir/$name.n.json" "$dir/$name.$tag.json" | head -5)"
    done
}

# read_parts FILE: the parts --stats says were read from the cache
read_parts() {
    sed -n 's/.*analyses read from the snapshot cache: *//p' "$1.err"
}

run_all cold "$dir/cache"
sidecars=("$dir"/cache/snapshots/*.snap.analyses)
[ -f "${sidecars[0]}" ] && [ ${#sidecars[@]} -eq 1 ] ||
    fail "want one analyses file beside the snapshot's, found: $(ls "$dir/cache/snapshots")"
SIDE=${sidecars[0]}
# gc built reachability, the GC simulation and the verdicts; cycles reads them.
parts=$(read_parts "$dir/cycles.cold")
[ "$parts" = "reach gc verdicts" ] || fail "cycles after gc read '$parts', want 'reach gc verdicts'"
# dominators built the tree; histogram, wanting only the bytes retained
# per type, which the file lacks, read what they are built from.
parts=$(read_parts "$dir/hist.cold")
[ "$parts" = "reach dominators" ] || fail "histogram after dominators read '$parts', want 'reach dominators'"
run_all warm "$dir/cache"
# want NAME: the parts a command reads (what it needs, and what those are built from)
want() {
    case $1 in
        gc|gc_t|cycles) echo "reach gc verdicts" ;;
        why|why_t) echo "referrers reach gc verdicts" ;;
        refs|referrers) echo "referrers reach" ;;
        dom) echo "reach dominators" ;;
        # histogram reads the bytes retained per type alone (RH_NEED_ONLY)
        hist|hist_t) echo "type-retained" ;;
        leaks|leaks_t) echo "referrers reach gc verdicts dominators" ;;
    esac
}
# built ERR: --stats' seconds of each part built, all zero when none was
built() {
    sed -n 's/.*stats: analyses [0-9.]* s (\(.*\))/\1/p' "$1.err" | tr -d '[:alpha:] ,.0'
}
for c in "${COMMANDS[@]}"; do
    name=${c%%|*}
    parts=$(read_parts "$dir/$name.warm")
    [ "$parts" = "$(want "$name")" ] ||
        fail "warm $name read '$parts' from the cache, want '$(want "$name")'"
    [ -z "$(built "$dir/$name.warm")" ] ||
        fail "warm $name built parts again: $(grep 'stats: analyses' "$dir/$name.warm.err")"
done
echo "warm: every command read what it needs and built nothing; outputs as with --no-cache"

run_all jobs1 "$dir/cache1" --jobs 1
run_all jobs1w "$dir/cache1" --jobs 1
[ "$(read_parts "$dir/leaks_t.jobs1w")" = "$(want leaks)" ] ||
    fail "--jobs 1: the warm leaks did not read every part it needs"

# damaged ONE-LINE-WHAT: the file refused with a note, the output the same, the file mended
damaged() {
    rh "$dir/dmg" leaks --json -n 0 --verbose --stats --cache-dir "$dir/cache" "$CORE" || return
    cmp -s "$dir/dmg.json" "$dir/leaks.n.json" || fail "$1: leaks differs from --no-cache"
    grep -q 'note: analyses not read from the snapshot cache: .*corrupt' "$dir/dmg.err" ||
        { fail "$1: no note that the analyses file was refused"; show_file "$dir/dmg.err" stderr; }
    [ -z "$(read_parts "$dir/dmg")" ] || fail "$1: parts were read from a damaged file"
    rh "$dir/dmg2" leaks --json -n 0 --stats --cache-dir "$dir/cache" "$CORE" || return
    [ -n "$(read_parts "$dir/dmg2")" ] || fail "$1: the file was not written again"
    cmp -s "$dir/dmg2.json" "$dir/leaks.n.json" || fail "$1: leaks from the file written again differs"
}
size=$(stat -c %s "$SIDE")
truncate -s $((size - 100)) "$SIDE"
damaged "cut short"
printf 'XXXXXXXX' | dd of="$SIDE" conv=notrunc status=none
damaged "not an analyses file"

# The snapshot file written again: the analyses file names the old one.
mv "$SIDE" "$dir/old.analyses"
rm -f "$dir"/cache/snapshots/*.snap
rh "$dir/re" leaks --json -n 0 --stats --cache-dir "$dir/cache" "$CORE"
mv "$dir/old.analyses" "$SIDE"
rh "$dir/re2" leaks --json -n 0 --stats --verbose --cache-dir "$dir/cache" "$CORE"
[ -z "$(read_parts "$dir/re2")" ] || fail "an analyses file of an older snapshot file was read"
grep -q 'analyses not read' "$dir/re2.err" && fail "an older snapshot's analyses file is not corrupt, only stale"
cmp -s "$dir/re2.json" "$dir/leaks.n.json" || fail "leaks beside a stale analyses file differs"
rh "$dir/re3" leaks --json -n 0 --stats --cache-dir "$dir/cache" "$CORE"
[ -n "$(read_parts "$dir/re3")" ] || fail "the stale analyses file was not replaced"

# The core changed: its old snapshot file and analyses go together.
touch "$CORE"
rh "$dir/new" gc --json --cache-dir "$dir/cache" "$CORE"
n_snap=$(find "$dir/cache/snapshots" -name '*.snap' | wc -l)
n_side=$(find "$dir/cache/snapshots" -name '*.snap.analyses' | wc -l)
[ "$n_snap" -eq 1 ] && [ "$n_side" -eq 1 ] ||
    fail "after the core changed: $n_snap snapshot file(s), $n_side analyses file(s), want 1 and 1"
[ ! -e "$SIDE" ] || fail "the changed core's old analyses file is still there"

[ $FAILED -eq 0 ] || { echo "$FAILED failure(s)"; exit 1; }
echo "ok"
