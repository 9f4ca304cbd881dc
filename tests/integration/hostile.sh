#!/bin/bash
# hostile.sh: hostile input on a real core (issue 11), with Debian's
# /usr/bin/python3.11 (python3.11-dbg for its DWARF):
#  - strings made to break reports (samples/hostile_heap.py) in every
#    output format: text, JSON, DOT; nothing dangerous raw, the same
#    visible escaping everywhere, JSON that decodes to the exact str;
#  - a copy of the core with corrupted headers (ob_size = INT64_MIN in an
#    int and a tuple, dict keys with dk_log2_size 33, a frame whose frame
#    object pointer faults): no sanitizer report or leak, problems recorded;
#  - work bounds (REFHEAP_TEST_BUDGET_BYTES): a problem says which;
#  - --sysroot with a library of another build (no writable ranges);
#  - -o never destroys an existing file, a FIFO or /dev/null on failure.
. "$(dirname "$0")/test-lib.sh"
require_refheap
PY=/usr/bin/python3.11
CHECK="$PY $top_srcdir/tests/integration/hostile_check.py"
[ -x "$PY" ] || skip "no $PY (apt-get install python3.11 python3.11-dbg)"
command -v gcore > /dev/null || skip "no gcore (apt-get install gdb)"
enough_space "$TESTDIR" 200 || skip "not enough space in $TESTDIR"

fail=0
bad() { echo "FAIL: $*"; fail=1; }

# offsets from the interpreter's DWARF, through gdb
offsets=$(timeout 120 gdb -batch -nx \
    -ex 'print (int)&((PyVarObject*)0)->ob_size' \
    -ex 'print (int)&((PyDictObject*)0)->ma_keys' \
    -ex 'print (int)&((PyDictKeysObject*)0)->dk_log2_size' \
    -ex 'print (int)&((PyDictKeysObject*)0)->dk_nentries' \
    -ex 'print (int)&((PyFrameObject*)0)->f_frame' \
    -ex 'print (int)&((struct _PyInterpreterFrame*)0)->frame_obj' \
    "$PY" 2>/dev/null | sed -n 's/^\$[0-9]* = //p' | tr '\n' ' ')
read -r OB_SIZE MA_KEYS DK_LOG2 DK_NENTRIES F_FRAME FRAME_OBJ <<< "$offsets"
[ -n "${FRAME_OBJ:-}" ] || skip "no DWARF for $PY through gdb (apt-get install python3.11-dbg)"

# ------------------------------------------------------------ the core
"$PY" -I "$top_srcdir/samples/hostile_heap.py" "$TESTDIR/record.json" \
    > "$TESTDIR/sample.out" 2>&1 &
pid=$!
CHILD_PIDS+=("$pid")
WAIT_ALIVE=$pid wait_until "$TIMEOUT" "the sample to stop itself" proc_group_stopped "$pid" ||
    { cat "$TESTDIR/sample.out"; hard_error "hostile_heap.py did not stop"; }
awk '$6 ~ /^\// {print $6}' "/proc/$pid/maps" | sort -u > "$TESTDIR/maps.txt"
gcore_stopped "$pid" "$TESTDIR" || hard_error "gcore failed"
kill -KILL "$pid"; reap "$pid"
CORE=$TESTDIR/core
rec() { "$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$TESTDIR/record.json" "$1"; }
TABLE=$(rec table) HOLDER=$(rec holder) BIG=$(rec big) TUP=$(rec tuple) DICT=$(rec dict) FRAME=$(rec frame)

# run NAME ARGS...: refheap with stdout/stderr in $TESTDIR/NAME.{out,err};
# a crash or sanitizer report fails the test; sets RC.
run() {
    local name=$1
    shift
    timeout -k 5 "$TIMEOUT" "$REFHEAP" "$@" > "$TESTDIR/$name.out" 2> "$TESTDIR/$name.err"
    RC=$?
    if is_crash $RC || grep -q "runtime error\|Sanitizer" "$TESTDIR/$name.err"; then
        bad "$name: refheap $* -> $(describe_rc $RC)"
        head -20 "$TESTDIR/$name.err"
    fi
}

# ------------------------------------------------ 1. hostile strings (item 7)
run why_text why "$TABLE" "$CORE"
run why_json why --json "$TABLE" "$CORE"
run refs_text refs --depth 2 --width 20 "$HOLDER" "$CORE"
run refs_json refs --json --depth 2 --width 20 "$HOLDER" "$CORE"
run refs_dot refs --depth 2 --width 20 -o "$TESTDIR/refs.dot" "$HOLDER" "$CORE"
run summary summary --top 500 "$CORE"
run summary_json summary --json --top 500 "$CORE"
run export export --labels --repr -o "$TESTDIR/export.jsonl" "$CORE"
for f in why_text.out why_json.out refs_text.out refs_json.out refs.dot summary.out \
         summary_json.out export.jsonl; do
    [ -s "$TESTDIR/$f" ] || { bad "$f is empty"; continue; }
    $CHECK clean "$TESTDIR/$f" || bad "$f holds a raw control, separator, bidi or invalid byte"
done
# the same visible escaping in text and DOT (attribute names of the holder)
$CHECK visible "$TESTDIR/refs_text.out" 0 "$TESTDIR/record.json" || bad "refs text"
$CHECK visible "$TESTDIR/refs.dot" 1 "$TESTDIR/record.json" || bad "refs DOT"
# JSON decodes to the exact str: keys, attributes, the NUL module name
$CHECK jsonexact "$TESTDIR/refs_json.out" "$TESTDIR/record.json" || bad "refs JSON"
$CHECK jsonexact "$TESTDIR/export.jsonl" "$TESTDIR/record.json" 'mod\x00tail\u202e' ||
    bad "export JSON"
# type names in the summary, escaped (one of the hostile classes)
grep -qF 'evil\u{202e}txt.exe' "$TESTDIR/summary.out" || bad "summary: hostile type name not shown escaped"
echo "hostile strings: checked in text, JSON and DOT"

# ------------------------------------- 2. corrupted headers (items 2, 4, 8)
keys=$($CHECK peek "$CORE" $(( DICT + MA_KEYS )))
iframe=$($CHECK peek "$CORE" $(( FRAME + F_FRAME )))
word=$($CHECK peek "$CORE" $(( keys + DK_LOG2 )))
# one corruption per copy, so that each is seen on its own:
#  size: ob_size = INT64_MIN in an int and in a tuple (item 2)
#  keys: dk_log2_size (one byte) = 33 keeping its neighbours, dk_nentries
#        = 2^34: the error path's shift (item 2)
#  frame: the running frame's frame object pointer faults (item 4, a
#        leaked error object: LeakSanitizer in the sanitizer build)
for kind in size keys frame; do
    c=$TESTDIR/corrupt-$kind.core
    cp "$CORE" "$c"
    case $kind in
        size) $CHECK patch "$c" $(( BIG + OB_SIZE )) 0x8000000000000000 \
                  $(( TUP + OB_SIZE )) 0x8000000000000000 ;;
        keys) $CHECK patch "$c" $(( keys + DK_LOG2 )) $(( (word & ~0xff) | 33 )) \
                  $(( keys + DK_NENTRIES )) $(( 1 << 34 )) ;;
        frame) $CHECK patch "$c" $(( iframe + FRAME_OBJ )) 0x18 ;;
    esac || hard_error "patching the core failed"
    run corrupt_export_$kind export --no-cache -o "$TESTDIR/corrupt-$kind.jsonl" "$c"
    [ $RC -le 1 ] || bad "export on the core with corrupted $kind: exit $(describe_rc $RC)"
    run corrupt_why_$kind why --no-cache "$DICT" "$c"
    [ $RC -le 1 ] || bad "why on the core with corrupted $kind: exit $(describe_rc $RC)"
done
$CHECK problems "$TESTDIR/corrupt-keys.jsonl" "dict keys 0x${keys#0x}" ||
    bad "the corrupted dict keys are not named in the problems"
echo "corrupted headers: no sanitizer report, no leak, problems recorded"

# ------------- 2b. a broken GC list, read by 1 and several threads (issue 12)
# The holder (a class instance: always tracked) gets a _gc_next (the first
# word of its PyGC_Head, just before the object) that points at unmapped
# memory. The list walk stops there with a problem; with --jobs > 1 a
# second thread chases the lists and hands the nodes and that error over:
# the export must be byte for byte the one of --jobs 1.
c=$TESTDIR/corrupt-gclist.core
cp "$CORE" "$c"
$CHECK patch "$c" $(( HOLDER - 16 )) 0x18 || hard_error "patching the core failed"
for j in 1 2 7; do
    run gclist_$j export --no-cache --jobs $j -o "$TESTDIR/gclist-$j.jsonl" "$c"
    [ $RC -eq 1 ] || bad "export --jobs $j with a broken GC list: exit $(describe_rc $RC), want 1 (partial)"
    # the phases' timings differ from run to run (as in jobs.sh)
    sed -i 's/"seconds":{[^}]*}/"seconds":{}/g' "$TESTDIR/gclist-$j.jsonl"
done
$CHECK problems "$TESTDIR/gclist-1.jsonl" "broken after" ||
    bad "the broken GC list is not named in the problems"
for j in 2 7; do
    cmp -s "$TESTDIR/gclist-1.jsonl" "$TESTDIR/gclist-$j.jsonl" ||
        bad "export --jobs $j with a broken GC list differs from --jobs 1's"
done
[ "$(grep -c . "$TESTDIR/gclist-1.jsonl")" -gt 100 ] ||
    bad "the export with a broken GC list holds too few records"
echo "broken GC list: named in the problems, the same export with 1, 2 and 7 threads"

# ----- 2c. `summary` from the snapshot caches, with problems
# `summary` caches its snapshot (the GC lists alone) and, once a graph
# snapshot of the core is cached (by `gc`), takes that one's GC lists' part
# instead of walking the lists again (issue 12 item 4). The graph
# snapshot's problems past the lists' (the corrupted dict keys, found
# following references) must not come along, the lists' own (the broken
# list) must: each answer must be the walk's, byte for byte but for the
# timings, with its exit status.
more=0
for kind in keys gclist; do
    c=$TESTDIR/corrupt-$kind.core
    cache=$TESTDIR/prefix-cache-$kind
    # the layouts and summary's own snapshot cached first
    run prefix_first_$kind summary --json --top 500 --cache-dir "$cache" "$c"
    # the walk: --cache-max 0 turns the snapshot cache alone off
    run prefix_walk_$kind summary --json --top 500 --cache-max 0 --cache-dir "$cache" "$c"
    walk_rc=$RC
    run prefix_own_$kind summary --json --top 500 --stats --cache-dir "$cache" "$c"
    own_rc=$RC
    run prefix_gc_$kind gc --json --cache-dir "$cache" "$c"
    run prefix_cut_$kind summary --json --top 500 --stats --cache-dir "$cache" "$c"
    for f in own cut; do
        grep -q 'snapshot mapped from the snapshot cache' "$TESTDIR/prefix_${f}_$kind.err" ||
            bad "summary ($f) on the core with corrupted $kind did not map the snapshot cache"
    done
    [ $own_rc -eq $walk_rc ] && [ $RC -eq $walk_rc ] ||
        bad "summary from the snapshot caches (corrupted $kind): exit $(describe_rc $own_rc) and $(describe_rc $RC), the walk's $(describe_rc $walk_rc)"
    for f in walk own cut; do
        sed 's/"seconds":{[^}]*}/"seconds":{}/g' "$TESTDIR/prefix_${f}_$kind.out" > "$TESTDIR/prefix_${f}_$kind.cmp"
    done
    for f in own cut; do
        cmp -s "$TESTDIR/prefix_walk_$kind.cmp" "$TESTDIR/prefix_${f}_$kind.cmp" ||
            bad "summary from the snapshot cache ($f, corrupted $kind) differs from the walk of the GC lists"
    done
    n_gc=$($CHECK nproblems "$TESTDIR/prefix_gc_$kind.out")
    n_walk=$($CHECK nproblems "$TESTDIR/prefix_walk_$kind.out")
    [ "${n_gc:-0}" -gt "${n_walk:-0}" ] && more=$((more + 1))
    echo "corrupted $kind: gc $n_gc problems, summary walking the lists $n_walk (exit $walk_rc); from its own cached snapshot and from the graph snapshot's part the same"
done
[ $more -gt 0 ] || bad "no corrupted core gave gc more problems than summary: the cut of the problems went untested"

# ------------------------------------------------ 3. bounded work (item 5)
$CHECK problems "$TESTDIR/export.jsonl" "stopped following" > /dev/null &&
    bad "a healthy core hit a work bound"
REFHEAP_TEST_BUDGET_BYTES=300000 run budget export --no-cache -o "$TESTDIR/budget.jsonl" "$CORE"
[ $RC -eq 1 ] || bad "a bound hit must exit 1 (partial), got $(describe_rc $RC)"
$CHECK problems "$TESTDIR/budget.jsonl" "stopped following references: the heap claims more" ||
    bad "no problem names the bound that was hit"
echo "bounds: a problem names the bound"

# -------------------- 4. --sysroot with a library of another build (item 3)
SR=$TESTDIR/sysroot
while read -r f; do
    mkdir -p "$SR$(dirname "$f")" && cp "$f" "$SR$f" 2>/dev/null
done < "$TESTDIR/maps.txt"
other=$(grep -m1 -E '/lib(z|expat|m)\.so' "$TESTDIR/maps.txt")
if [ -n "$other" ]; then
    cp /bin/true "$SR$other"    # an ELF file with another build-id
    run sysroot_export export --no-cache --sysroot "$SR" --debug-dir /usr/lib/debug \
        -o "$TESTDIR/sysroot.jsonl" "$CORE"
    [ $RC -le 1 ] || bad "export with a mismatched library: exit $(describe_rc $RC)"
    run sysroot_why why --no-cache --sysroot "$SR" --debug-dir /usr/lib/debug "$TABLE" "$CORE"
    [ $RC -le 1 ] || bad "why with a mismatched library: exit $(describe_rc $RC)"
    echo "sysroot with $other of another build: export and why run"
else
    echo "note: no libz/libexpat/libm mapped: the mismatched-library case is not run"
fi

# ----------------------------------------------- 5. output files (item 1)
head -c 3000000 "$CORE" > "$TESTDIR/trunc.core"
mkdir -p "$TESTDIR/out"
echo precious > "$TESTDIR/out/keep.txt"
run trunc_file export -o "$TESTDIR/out/keep.txt" "$TESTDIR/trunc.core"
[ $RC -ne 0 ] || bad "export of a truncated core succeeded"
[ "$(cat "$TESTDIR/out/keep.txt")" = precious ] || bad "a failed export changed the existing file"
[ "$(ls -A "$TESTDIR/out")" = keep.txt ] || bad "a failed export left files behind: $(ls -A "$TESTDIR/out")"
mkfifo "$TESTDIR/out/fifo"
(cat "$TESTDIR/out/fifo" > /dev/null) &
CHILD_PIDS+=("$!")
run trunc_fifo export -o "$TESTDIR/out/fifo" "$TESTDIR/trunc.core"
[ -p "$TESTDIR/out/fifo" ] || bad "a failed export removed the FIFO"
if [ "$(id -u)" = 0 ] && [ -c /dev/null ]; then
    run trunc_null export -o /dev/null "$TESTDIR/trunc.core"
    [ -c /dev/null ] || { bad "a failed export removed /dev/null"; mknod -m 666 /dev/null c 1 3; }
fi
run ok_file export -o "$TESTDIR/out/new.jsonl" "$CORE"
[ $RC -le 1 ] && [ -s "$TESTDIR/out/new.jsonl" ] || bad "export -o a new file failed: $RC"
ln -s new.jsonl "$TESTDIR/out/link.jsonl"
run ok_link export -o "$TESTDIR/out/link.jsonl" "$CORE"
[ -L "$TESTDIR/out/link.jsonl" ] || bad "export -o through a symlink replaced the symlink"
[ "$(ls -A "$TESTDIR/out" | sort | tr '\n' ' ')" = "fifo keep.txt link.jsonl new.jsonl " ] ||
    bad "temporary files left: $(ls -A "$TESTDIR/out")"
echo "outputs: existing file, FIFO and device kept on failure; written by rename on success"

[ $fail = 0 ] && echo PASS
exit $fail
