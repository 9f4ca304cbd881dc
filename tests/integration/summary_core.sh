#!/bin/bash
# summary_core.sh: `refheap summary --json CORE` against CPython's own record.
#
# For every CPython interpreter found (pyenv versions, /usr/bin/python3.11, or
# $REFHEAP_PYTHONS): run samples/known_heap.py --stop, dump it with gcore,
# let it record what the interpreter says about its heap (per generation:
# count, threshold, objects, bytes; permanent generation; gc.garbage;
# threads; every type's count, bytes and per-generation counts), then run
# refheap on the core (cold, then warm from the layout cache and the
# snapshot the cold run cached; then the GC lists' part of the graph
# snapshot a `gc` run cached, and both against walking the lists with the
# layouts cached, byte for byte) and compare.
# Also: the --gc-disabled variant on 3.11 interpreters, --no-cache, --top N and
# the text output on one interpreter.
# Fails on any mismatch (with a table of differences); skips (77) only if no
# interpreter at all can be tested.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

require_refheap
find_pythons
print_pythons
[ ${#PY_PATHS[@]} -gt 0 ] || skip "no CPython 3.8+ interpreter found (install pyenv versions or python3.11, or set REFHEAP_PYTHONS)"
if [ -z "${REFHEAP_PYTHONS:-}" ]; then
    for want in "pyenv-3.11.7" "debian-python3.11"; do
        [ -n "$(pick_python "$want")" ] || echo "NOTE: $want is not available here; the issue asks for it"
    done
fi
HOSTPY=$(host_python)

RESULTS=()
FAILED=0
HARNESS=0

note() { RESULTS+=("$(printf '%-28s %-22s %s' "$1" "$2" "$3")"); }

# check_run LABEL RECORD OUT EXPECT_CACHE [compare args]: judge one refheap run
check_run() {
    local label=$1 record=$2 out=$3 cache=$4
    shift 4
    if [ "$RH_RC" -ne 0 ]; then
        echo "FAIL $label: refheap exited $(describe_rc "$RH_RC")"
        show_file "$out.err" stderr
        show_file "$out.json" stdout
        return 1
    fi
    if [ -s "$out.err" ]; then
        echo "note $label: refheap wrote to stderr on success:"
        show_file "$out.err" stderr
    fi
    "$HOSTPY" "$COMPARE" "$record" "$out.json" --label "$label" --kind core \
        --cache "$cache" "$@"
    local rc=$?
    [ $rc -eq 99 ] && return 99
    return $rc
}

# mapped NAME OUT: OUT.err (--stats) says the snapshot came from the cache;
# the stats lines are then taken out of OUT.err
mapped() {
    if ! grep -q 'snapshot mapped from the snapshot cache' "$2.err"; then
        echo "FAIL $1: the snapshot did not come from the snapshot cache"
        show_file "$2.err" stderr
        return 1
    fi
    grep -v '^refheap: stats: ' "$2.err" > "$2.err2"
    mv "$2.err2" "$2.err"
}

# from_caches NAME DIR CACHE: `summary` from the snapshot caches against the
# walk of the GC lists (layouts cached: --cache-max 0 turns only the
# snapshot cache off), byte for byte but for the timings, and against the
# record: the file the cold run cached (a snapshot without the graph),
# then the GC lists' part of the graph snapshot a `gc` run cached
from_caches() {
    local name=$1 dir=$2 cache=$3 rc
    run_refheap "$dir/walk" summary --json --cache-max 0 --cache-dir "$cache" "$CORE"
    check_run "$name (walk, layouts cached)" "$RECORD" "$dir/walk" yes || return
    run_refheap "$dir/again" summary --json --stats --cache-dir "$cache" "$CORE"
    mapped "$name (its own snapshot cached)" "$dir/again" || return 1
    if ! same_json_but_seconds "$dir/walk.json" "$dir/again.json" "its own snapshot cached"; then
        echo "FAIL $name (its own snapshot cached): differs from the walk of the GC lists (above)"
        return 1
    fi
    run_refheap "$dir/graph" gc --json --cache-dir "$cache" "$CORE"
    run_refheap "$dir/prefix" summary --json --stats --cache-dir "$cache" "$CORE"
    mapped "$name (from the graph snapshot)" "$dir/prefix" || { show_file "$dir/graph.err" "gc's stderr"; return 1; }
    if ! same_json_but_seconds "$dir/walk.json" "$dir/prefix.json" "from the graph snapshot"; then
        echo "FAIL $name (from the graph snapshot): differs from the walk of the GC lists (above)"
        return 1
    fi
    check_run "$name (from the graph snapshot)" "$RECORD" "$dir/prefix" yes
}

# one_python INDEX VARIANT [SAMPLE ARGS...]
one_python() {
    local i=$1 variant=$2
    shift 2
    local label="${PY_LABELS[$i]}" py="${PY_PATHS[$i]}"
    local name="$label${variant:+/$variant}" dir
    dir="$TESTDIR/$(safe_name "$label${variant:+-$variant}")"
    local cache="$dir/cache" rc status=ok
    echo
    echo "=== $name ($py)"
    if ! make_core "$py" "$dir" "$@"; then
        echo "HARNESS ERROR $name: could not make a core with an exact record"
        note "$name" "harness error" "see above"
        HARNESS=1
        return
    fi
    echo "core: $(du -h "$CORE" | cut -f1), record: $RECORD"

    # cold: empty layout cache
    run_refheap "$dir/cold" summary --json --cache-dir "$cache" "$CORE"
    check_run "$name (cold)" "$RECORD" "$dir/cold" no
    rc=$?
    # warm: layouts from the cache written by the cold run
    if [ $rc -eq 0 ]; then
        run_refheap "$dir/warm" summary --json --cache-dir "$cache" "$CORE"
        check_run "$name (warm)" "$RECORD" "$dir/warm" yes
        rc=$?
    fi
    # from the snapshot caches: summary's own, then a graph snapshot's
    # GC lists' part; the answer must be the walk's
    if [ $rc -eq 0 ]; then
        from_caches "$name" "$dir" "$cache"
        rc=$?
    fi
    case $rc in
        0) note "$name" "ok" "$(grep -o '"version": "[^"]*"' "$RECORD" | head -n 1)" ;;
        99) note "$name" "harness error" "invalid record"; HARNESS=1; status=bad ;;
        *) note "$name" "FAIL" "refheap differs from CPython (table above)"; FAILED=1; status=bad ;;
    esac

    if [ "${EXTRAS_DONE:-no}" = no ] && [ $status = ok ]; then
        EXTRAS_DONE=yes
        extras "$name" "$dir"
    fi
    rm -f "$CORE"
}

# extras NAME DIR: options that need to be seen once (the core is in $CORE)
extras() {
    local name=$1 dir=$2 rc
    run_refheap "$dir/nocache" summary --json --no-cache "$CORE"
    check_run "$name --no-cache" "$RECORD" "$dir/nocache" no
    rc=$?
    [ $rc -eq 0 ] && note "$name --no-cache" "ok" "" ||
        { note "$name --no-cache" "FAIL" ""; FAILED=1; }

    run_refheap "$dir/top" summary --json --top 5 --cache-dir "$dir/cache" "$CORE"
    check_run "$name --top 5" "$RECORD" "$dir/top" any --top 5
    rc=$?
    [ $rc -eq 0 ] && note "$name --top 5" "ok" "" ||
        { note "$name --top 5" "FAIL" ""; FAILED=1; }

    # text output: succeeds, says something, and names the most common type
    run_refheap "$dir/text" summary --cache-dir "$dir/cache" "$CORE"
    local top
    top=$("$HOSTPY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["types"][0]["type"])' "$RECORD")
    if [ "$RH_RC" -eq 0 ] && [ -s "$dir/text.json" ] && grep -qF "$top" "$dir/text.json"; then
        echo "OK $name text output (mentions $top)"
        note "$name text" "ok" ""
    else
        echo "FAIL $name text output: exit $(describe_rc "$RH_RC"), expected it to mention $top"
        show_file "$dir/text.json" stdout
        show_file "$dir/text.err" stderr
        note "$name text" "FAIL" ""
        FAILED=1
    fi
}

for i in "${!PY_PATHS[@]}"; do
    one_python "$i" ""
done
# collection disabled (gc.disable()): on the 3.11 interpreters the issue names
picked="$(pick_python "pyenv-3.11.7") $(pick_python "debian-python3.11")"
[ -n "${picked// /}" ] || picked=0
for i in $picked; do
    one_python "$i" gc-disabled --gc-disabled
done

echo
echo "=== results"
printf '%s\n' "${RESULTS[@]}"
[ ${#PY_SKIPPED[@]} -eq 0 ] || { echo "not tested:"; printf '  %s\n' "${PY_SKIPPED[@]}"; }
[ $FAILED -eq 0 ] || exit 1
[ $HARNESS -eq 0 ] || exit 99
exit 0
