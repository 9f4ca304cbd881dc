#!/bin/bash
# alloc_scan.sh: the allocator scan (cpython/obmalloc.h) against CPython's
# own accounts of its allocators.
#
# For every CPython interpreter found (pyenv versions, /usr/bin/python3.11,
# the Debian roots' trixie 3.13 and sid 3.14/3.15 read with --sysroot, or
# $REFHEAP_PYTHONS): run samples/orphans.py --stop, which leaks objects of
# several kinds (str, int, tuple, list, dict, class instance in pymalloc; a
# bytes and a tuple in glibc's main arena, a bytes in a thread's arena, a
# 33 MiB bytes in an mmapped chunk) and records their addresses; dump it
# with gcore; after the dump the sample records what CPython says about the
# heap as dumped: sys._debugmallocstats() (its own walk of the arenas:
# blocks in use per size class) and sys.getallocatedblocks(). Then run
# tests/tools/alloc_scan on the core and require:
#   (a) every orphan lies in a used block of the right allocator (pymalloc,
#       malloc main arena / thread arena / mmapped) at the offset CPython
#       gives (sys.getsizeof(o) - o.__sizeof__(): 0, 16 for GC types, 32 for
#       managed-dict instances in 3.11+);
#   (b) pymalloc blocks found == CPython's blocks in use, in total and per
#       size class, exactly; and the scan's reading of getallocatedblocks()
#       (pools' ref.count + raw_allocated_blocks [+ interpreter_leaks]
#       3.9+, the counter _Py_AllocatedBlocks 3.8) == the value CPython
#       returned, exactly; a count-only scan gives the same sum and reports
#       no block;
#   (a') 25 chunks the sample freed with libc's free() just before the stop
#       (7 in tcache, the rest in a fastbin: glibc keeps them marked in use)
#       are not reported;
#   (c) no problem recorded;
#   (d) without libc's symbols (--no-libc-symbols) the same chunks are
#       found: symbol-route chunks + the free ones it recognised in
#       tcache/fastbins, and the large orphans still lie in used chunks;
#   (e) block marks (what the snapshot's allocator scan passes over): each
#       pymalloc object, at CPython's offset of 0, 16 or 32, marks its
#       block, its address + 8 and a malloc'd object mark nothing, and a
#       scan skipping the marked blocks counts them all, reports the rest.
# Then, on one interpreter, corrupted copies of the core (a looping free
# chain, a bad size class, a chunk size that overruns its heap, arena
# pool_address outside its arena) must give problems, not crashes.
# Prints a table per version. Skips (77) only if no interpreter can be tested.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

ALLOC_SCAN=$top_builddir/tests/tools/alloc_scan
[ -x "$ALLOC_SCAN" ] || hard_error "$ALLOC_SCAN not built (make check builds it)"
command -v gcore >/dev/null 2>&1 || skip "gcore not found (apt-get install gdb)"
SAMPLE=$top_srcdir/samples/orphans.py
find_pythons
print_pythons
[ ${#PY_PATHS[@]} -gt 0 ] || skip "no CPython 3.8+ interpreter found (install pyenv versions or python3.11, or set REFHEAP_PYTHONS)"
HOSTPY=$(host_python)
if ! ls /usr/lib/debug/.build-id/*/*.debug >/dev/null 2>&1; then
    echo "NOTE: no debug files under /usr/lib/debug: install libc6-dbg, or the malloc scan falls back to the segments"
fi

FAILED=0
HARNESS=0
ROWS=()
CORRUPT_DONE=no

# check.py RECORD SCAN SCAN_NOSYM LABEL: judge one interpreter; prints
# findings and one table row on the last line ("ROW ...").
cat > "$TESTDIR/check.py" <<'EOF'
import json, re, sys

record_path, scan_path, nosym_path, label = sys.argv[1:5]
rec = json.load(open(record_path))


def parse(path):
    kv, finds, classes, problems = {}, {}, {}, []
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("problem: "):
            problems.append(line[9:])
        elif line.startswith("find "):
            m = re.match(r"find (0x[0-9a-f]+) in (\S+) block (0x[0-9a-f]+) size (\d+) offset (\d+)$", line)
            if m:
                finds[int(m.group(1), 16)] = (m.group(2), int(m.group(3), 16),
                                              int(m.group(4)), int(m.group(5)))
            else:
                finds[int(line.split()[1], 16)] = None
        elif line.startswith("class "):
            _, size, n = line.split()
            classes[int(size)] = int(n)
        else:
            parts = line.split(" ", 1)
            if len(parts) == 2:
                kv[parts[0]] = parts[1]
    return kv, finds, classes, problems


kv, finds, classes, problems = parse(scan_path)
nkv, nfinds, _, nproblems = parse(nosym_path)
fails = []
num = lambda d, k: int(d.get(k, "-1"))

# (a) orphans, and a few ordinary live objects
ok = 0
for o in rec["orphans"] + rec["live"]:
    addr = int(o["addr"], 16)
    f = finds.get(addr)
    want_src = o["where"]
    if f is None:
        fails.append("(a) %s at %s is in no used block" % (o["name"], o["addr"]))
        continue
    src, block, size, off = f
    if src != want_src or off != o["offset"]:
        fails.append("(a) %s at %s: found in %s block 0x%x (size %d) at offset %d; "
                     "CPython says %s at offset %d" % (o["name"], o["addr"], src, block,
                                                       size, off, want_src, o["offset"]))
        continue
    ok += 1
    # (d) the large ones without libc symbols
    if src.startswith("malloc"):
        g = nfinds.get(addr)
        if g is None or g[1] != block or g[3] != off:
            fails.append("(d) orphan %s at %s: without libc symbols found %r, with them %r"
                         % (o["name"], o["addr"], g, f))

# (a') chunks freed to tcache and fastbins are not in use
for a in rec["freed"]:
    f = finds.get(int(a, 16))
    if f is not None:
        fails.append("(a') chunk %s, freed to tcache/fastbin, is reported as a used %s block 0x%x"
                     % (a, f[0], f[1]))
if num(kv, "malloc_cached_free") < len(rec["freed"]):
    fails.append("(a') %s free chunks recognised in tcache/fastbins, %d were freed there"
                 % (kv.get("malloc_cached_free"), len(rec["freed"])))

# (b) counts
found = num(kv, "pymalloc_blocks")
if found != rec["blocks_in_use"]:
    fails.append("(b) pymalloc blocks found %d, CPython's _debugmallocstats says %d in use"
                 % (found, rec["blocks_in_use"]))
want_classes = {int(k): v for k, v in rec["classes"].items() if v}
if classes != want_classes:
    diff = sorted(set(classes) | set(want_classes))
    fails.append("(b) per size class (size: found/CPython): " + ", ".join(
        "%d: %d/%d" % (k, classes.get(k, 0), want_classes.get(k, 0))
        for k in diff if classes.get(k, 0) != want_classes.get(k, 0)))
if num(kv, "allocated_blocks") != rec["allocated_blocks"]:
    fails.append("(b) the core's counters give getallocatedblocks() = %s, CPython returned %d"
                 % (kv.get("allocated_blocks"), rec["allocated_blocks"]))
raw = num(kv, "raw_allocated_blocks")
if raw >= 0 and found + raw != rec["allocated_blocks"]:
    fails.append("(b) blocks found %d + raw_allocated_blocks %d != getallocatedblocks() %d"
                 % (found, raw, rec["allocated_blocks"]))
if num(kv, "pool_ref_counts") != found:
    fails.append("(b) pools' ref.count sum %s != blocks found %d" % (kv.get("pool_ref_counts"), found))
# the count alone (rh_py_alloc_options.count_only: the snapshot's index
# size) is the same sum, and reports no block
if num(kv, "count_only_pool_ref_counts") != found or num(kv, "count_only_blocks_reported") != 0:
    fails.append("(b) a count-only scan gives ref.count sum %s and %s blocks reported, "
                 "expected %d and 0" % (kv.get("count_only_pool_ref_counts"),
                                        kv.get("count_only_blocks_reported"), found))

# (e) block marks (rh_py_block_marks, the snapshot's way past the blocks of
# objects it knows): each pymalloc object marks its block, an address 8
# bytes on marks nothing, a malloc'd object marks nothing; a scan that
# skips marked blocks counts the same blocks, reports all but the marked
# ones, and none of those.
marks = {}
for line in open(scan_path):
    if line.startswith("mark "):
        _, a, at, at8 = line.split()
        marks[int(a, 16)] = (at, at8)
marked_finds = dict((int(l.split()[1], 16), l.split()[2]) for l in open(scan_path)
                    if l.startswith("marked_find "))
if kv.get("marks") != "made":
    fails.append("(e) no block marks were made (marks %s)" % kv.get("marks"))
else:
    blocks = set()
    for o in rec["orphans"] + rec["live"]:
        addr = int(o["addr"], 16)
        f = finds.get(addr)
        m = marks.get(addr)
        if f is None or m is None:
            continue
        want = "set" if f[0] == "pymalloc" else "none"
        if m != (want, "none"):
            fails.append("(e) %s %s at %s (offset %d): marking it gave %s, 8 bytes on %s; want %s, none"
                         % (f[0], o["name"], o["addr"], f[3], m[0], m[1], want))
        if f[0] == "pymalloc":
            blocks.add(f[1])
            if marked_finds.get(addr) != "skipped":
                fails.append("(e) the block of %s at %s was marked, but the marked scan %s it"
                             % (o["name"], o["addr"], marked_finds.get(addr, "did not see")))
    if num(kv, "marked_scan_blocks") != found or \
       num(kv, "marked_scan_reported") != found - len(blocks):
        fails.append("(e) the marked scan counted %s blocks and reported %s; want %d and %d - %d marked"
                     % (kv.get("marked_scan_blocks"), kv.get("marked_scan_reported"), found,
                        found, len(blocks)))

# (c) problems
for p in problems:
    fails.append("(c) problem recorded: " + p)
for p in nproblems:
    fails.append("(c) problem recorded without libc symbols: " + p)
if kv.get("malloc_method") != "symbols":
    fails.append("(c) malloc heaps found by %s, not by libc's symbols (libc6-dbg installed?)"
                 % kv.get("malloc_method"))

# (d) the two malloc routes agree
sym = num(kv, "malloc_chunks") + num(kv, "malloc_cached_free")
if num(nkv, "malloc_chunks") != sym or num(nkv, "mmapped_chunks") != num(kv, "mmapped_chunks"):
    fails.append("(d) without libc symbols %s chunks + %s mmapped; with them %s + %s cached free, %s mmapped"
                 % (nkv.get("malloc_chunks"), nkv.get("mmapped_chunks"), kv.get("malloc_chunks"),
                    kv.get("malloc_cached_free"), kv.get("mmapped_chunks")))

for f in fails:
    print("FAIL %s: %s" % (label, f))
gab = rec["allocated_blocks"]
print("ROW %-24s %7s %-9s %6s %9d %9d %8s %9d %6s %5s %5s %3d/%-3d %4d %6s" % (
    label, rec["version"], "%dK/%dK" % (num(kv, "pool_size") // 1024, num(kv, "arena_size") // 1024),
    kv.get("arenas"), found, rec["blocks_in_use"], kv.get("raw_allocated_blocks"), gab,
    kv.get("malloc_chunks_main"), kv.get("malloc_chunks_thread"), kv.get("mmapped_chunks"),
    ok, len(rec["orphans"]) + len(rec["live"]), len(problems) + len(nproblems), kv.get("seconds")))
sys.exit(1 if fails else 0)
EOF

# corrupt.py CORE OUT (ADDR VALUE SIZE)...: copy CORE to OUT with SIZE
# bytes at each target address ADDR replaced by VALUE (little-endian).
cat > "$TESTDIR/corrupt.py" <<'EOF'
import shutil, struct, sys
core, out = sys.argv[1], sys.argv[2]
with open(core, "rb") as f:
    eh = f.read(64)
    phoff, = struct.unpack_from("<Q", eh, 32)
    phentsize, phnum = struct.unpack_from("<HH", eh, 54)
    f.seek(phoff)
    ph = f.read(phentsize * phnum)
patches = []
for k in range(3, len(sys.argv), 3):
    addr, value, size = int(sys.argv[k], 0), int(sys.argv[k + 1], 0), int(sys.argv[k + 2])
    for i in range(phnum):
        p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz = struct.unpack_from("<IIQQQQ", ph, i * phentsize)
        if p_type == 1 and p_vaddr <= addr and addr + size <= p_vaddr + p_filesz:
            patches.append((p_offset + addr - p_vaddr, value.to_bytes(size, "little")))
            break
    else:
        sys.exit("address 0x%x is not in the core" % addr)
shutil.copyfile(core, out)
with open(out, "r+b") as f:
    for off, data in patches:
        f.seek(off)
        f.write(data)
EOF

run_scan() { # OUT ARGS...
    local out=$1
    shift
    timeout -k 5 "$TIMEOUT" "$ALLOC_SCAN" "$@" > "$out" 2> "$out.err"
    SCAN_RC=$?
}

# corrupt_one NAME ADDR VALUE SIZE EXPECT [ADDR VALUE SIZE]...: the scan of
# a copy corrupted there must exit 1 (problems recorded) and say EXPECT in
# a problem.
corrupt_one() {
    local name=$1 addr=$2 value=$3 size=$4 expect=$5
    shift 5
    local bad="$CDIR/core.$name"
    if ! "$HOSTPY" "$TESTDIR/corrupt.py" "$CORE" "$bad" "$addr" "$value" "$size" "$@"; then
        echo "HARNESS ERROR corrupt/$name: could not patch the core"
        HARNESS=1
        return
    fi
    run_scan "$CDIR/$name.out" "$bad"
    if is_crash "$SCAN_RC" || [ "$SCAN_RC" -ne 1 ] ||
       ! grep -q "^problem: .*$expect" "$CDIR/$name.out"; then
        echo "FAIL corrupt/$name: exit $(describe_rc "$SCAN_RC"), expected 1 and a problem matching '$expect'"
        show_file "$CDIR/$name.out" stdout
        show_file "$CDIR/$name.out.err" stderr
        FAILED=1
    else
        echo "OK corrupt/$name: $(grep -m1 "^problem: .*$expect" "$CDIR/$name.out" | cut -c1-160)"
    fi
    rm -f "$bad"
}

# corrupt_tests: $CORE, $CDIR/list.out (alloc_scan --list) are set
corrupt_tests() {
    local ps block pool chunk word
    ps=$(sed -n 's/^pool_size //p' "$CDIR/list.out")
    # a used pymalloc block of a 64-byte class, and its pool
    block=$(awk '$1 == "block" && $4 == "pymalloc" && $3 == 64 { print $2; exit }' "$CDIR/list.out")
    pool=$(printf '0x%x' $(( block & ~(ps - 1) )))
    # szidx (offset 36 in struct pool_header, layouts_obmalloc.h) out of range
    corrupt_one szidx $(( pool + 36 )) 200 4 "size class 200"
    # the pool's free chain loops: its freeblock points to a used block,
    # whose first word points back at it (left as it was, that word may
    # be 0, an untracked GC object's _gc_next, and the chain would end
    # cleanly after one link: 3.12's was, in one run of three)
    corrupt_one freechain $(( pool + 8 )) "$block" 8 "free chain breaks" "$block" "$block" 8
    # arenaindex of another arena
    corrupt_one arenaindex $(( pool + 32 )) 100000 4 "arenaindex 100000"
    # maxarenas (3.8-3.11 static) far beyond the arena vector
    if [ -n "$MAXARENAS" ]; then
        corrupt_one maxarenas "$MAXARENAS" 0xffffffff 4 "pymalloc: the arenas"
    fi
    # glibc: the arena ring and the top chunk (offsets of Debian's 2.36,
    # struct malloc_state: top 96, next 2160)
    if [ -n "$MAIN_ARENA" ]; then
        corrupt_one arena_next $(( MAIN_ARENA + 2160 )) 0x1230 8 "arena 0x1230 unreadable"
        corrupt_one arena_top $(( MAIN_ARENA + 96 )) 0x10 8 "is not in the brk heap"
    fi
    # a main-arena chunk whose size overruns the heap
    chunk=$(awk '$1 == "block" && $4 == "malloc-main" { n++ } n == 5 { print $2; exit }' "$CDIR/list.out")
    corrupt_one chunksize $(( chunk - 8 )) 0x7ffffff0 8 "does not fit the heap"
    # a chunk size that is not a multiple of 16
    corrupt_one chunkalign $(( chunk - 8 )) 0x10c9 8 "does not fit the heap"
}

for i in "${!PY_PATHS[@]}"; do
    label=${PY_LABELS[$i]}
    py=${PY_PATHS[$i]}
    dir="$TESTDIR/$(safe_name "$label")"
    echo
    echo "=== $label ($py)"
    if ! make_core "$py" "$dir" --stats "$dir/stats.txt"; then
        echo "HARNESS ERROR $label: could not make a core with a record"
        HARNESS=1
        ROWS+=("$(printf 'ROW %-24s harness error' "$label")")
        continue
    fi
    finds=$("$HOSTPY" -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join("--find " + a for a in [o["addr"] for o in r["orphans"] + r["live"]] + r["freed"]))' "$RECORD")
    # shellcheck disable=SC2086
    run_scan "$dir/scan.out" --classes $finds "$CORE"
    rc1=$SCAN_RC
    # shellcheck disable=SC2086
    run_scan "$dir/nosym.out" --no-libc-symbols --skip-pymalloc $finds "$CORE"
    rc2=$SCAN_RC
    if is_crash $rc1 || is_crash $rc2 || [ $rc1 -gt 1 ] || [ $rc2 -gt 1 ]; then
        echo "FAIL $label: alloc_scan exited $(describe_rc $rc1) / $(describe_rc $rc2)"
        show_file "$dir/scan.out" stdout
        show_file "$dir/scan.out.err" stderr
        show_file "$dir/nosym.out.err" "stderr (no libc symbols)"
        FAILED=1
        ROWS+=("$(printf 'ROW %-24s FAIL (exit %s/%s)' "$label" "$rc1" "$rc2")")
        rm -f "$CORE"
        continue
    fi
    "$HOSTPY" "$TESTDIR/check.py" "$RECORD" "$dir/scan.out" "$dir/nosym.out" "$label" > "$dir/check.out"
    rc=$?
    grep -v '^ROW ' "$dir/check.out"
    ROWS+=("$(grep '^ROW ' "$dir/check.out")")
    # The product: `refheap export` must list every orphan. Non-GC
    # orphans (str, bytes...) are on no GC list and referenced by nothing,
    # so only the allocator scan can find them ("found":"alloc"); GC
    # orphans stay on their generation list. No object may reference one
    # (a conservative guess is only noted), and each must be judged
    # "unaccounted": one count more than every reference explains.
    if [ $rc -eq 0 ]; then
        timeout -k 5 "$TIMEOUT" "$REFHEAP" export --no-cache "$CORE" > "$dir/export.jsonl" 2> "$dir/export.err"
        xrc=$?
        if [ $xrc -gt 1 ]; then
            echo "FAIL $label: refheap export exited $(describe_rc $xrc)"
            show_file "$dir/export.err" stderr
            rc=1
        elif ! "$HOSTPY" - "$RECORD" "$dir/export.jsonl" "$label" <<'PYEOF'
import json, sys
rec = json.load(open(sys.argv[1]))
objs, referenced, guessed, roots = {}, {}, {}, {}
for line in open(sys.argv[2]):
    o = json.loads(line)
    if o.get("record") == "root":
        roots.setdefault(int(o["addr"], 16), []).append(o)
    if o.get("record") != "object":
        continue
    a = int(o["addr"], 16)
    objs[a] = o
    # "conservative": words of an object whose tp_traverse refheap does not
    # know that look like pointers. They are guesses (a stale copy of a
    # pointer in a ctypes buffer reads the same), kept apart from the
    # references a traversal reports.
    cons = set(int(r, 16) for r in o.get("conservative", []))
    for r in o.get("refs", []) + o.get("owned", []):
        r = int(r, 16)
        if r != a:
            (guessed if r in cons else referenced).setdefault(r, o)
def holder(h):
    return "%s %s (found %r, refcnt %r, gen %r)" % (
        h.get("type"), h.get("addr"), h.get("found"), h.get("refcnt"), h.get("gen"))
fails = []
for orphan in rec["orphans"]:
    a = int(orphan["addr"], 16)
    o = objs.get(a)
    if o is None:
        fails.append("orphan %s %s (%s) is not in the export" % (orphan["name"], orphan["addr"], orphan["type"]))
        continue
    # A stale word on a native stack (a dead slot in the red zone below a
    # thread blocked in read(2): trixie's 3.13 and sid's 3.15 keep one to
    # the thread's orphan) is a conservative root: it may name the orphan
    # before the allocator scan reaches it. Only that is accepted; the
    # scan's own finding of the block is checked by (a) above.
    by_stack = o["found"] == "root" and all(
        r.get("kind") == "stack" and r.get("conservative") for r in roots.get(a, [{}]))
    if by_stack:
        print("NOTE %s (export): orphan %s %s first found through %s (a conservative stack root)"
              % (sys.argv[3], orphan["name"], orphan["addr"],
                 "; ".join(r["name"] for r in roots[a])))
    elif o["found"] not in ("alloc", "gc"):
        fails.append("orphan %s %s found %r, expected the allocator scan or a GC list" % (orphan["name"], orphan["addr"], o["found"]))
    if o["found"] != "alloc" and o["gen"] is None and not by_stack:
        fails.append("untracked orphan %s %s found %r, not by the allocator scan" % (orphan["name"], orphan["addr"], o["found"]))
    if o["size"] != orphan["getsizeof"]:
        fails.append("orphan %s %s size %d, sys.getsizeof %d" % (orphan["name"], orphan["addr"], o["size"], orphan["getsizeof"]))
    if a in referenced:
        fails.append("orphan %s %s is referenced by %s; the holder: %s"
                     % (orphan["name"], orphan["addr"], holder(referenced[a]),
                        json.dumps(referenced[a])[:1500]))
    elif a in guessed:
        print("NOTE %s (export): orphan %s %s: a conservative scan of %s found a word pointing at it"
              % (sys.argv[3], orphan["name"], orphan["addr"], holder(guessed[a])))
    # The product's judgement: one count more than every reference explains.
    if o.get("verdict") != "unaccounted":
        fails.append("orphan %s %s: verdict %r, expected 'unaccounted'" % (orphan["name"], orphan["addr"], o.get("verdict")))
for f in fails:
    print("FAIL %s (export): %s" % (sys.argv[3], f))
alloc = sum(1 for o in objs.values() if o["found"] == "alloc")
print("%s (export): %d orphans checked, %d objects found only by the allocator scan"
      % (sys.argv[3], len(rec["orphans"]), alloc))
sys.exit(1 if fails else 0)
PYEOF
        then
            rc=1
        fi
    fi
    if [ $rc -ne 0 ]; then
        FAILED=1
    else
        echo "OK $label"
    fi
    # corrupted cores: once, on 3.11 if there is one
    if [ "$CORRUPT_DONE" = no ] && [ $rc -eq 0 ] &&
       { [[ $label == *3.11* ]] || [ "$i" -eq $(( ${#PY_PATHS[@]} - 1 )) ]; }; then
        CORRUPT_DONE=yes
        CDIR=$dir
        run_scan "$CDIR/list.out" --list --symbol maxarenas --symbol main_arena "$CORE"
        MAXARENAS=$(sed -n 's/^symbol maxarenas \(0x[0-9a-f]*\)$/\1/p' "$CDIR/list.out")
        MAIN_ARENA=$(sed -n 's/^symbol main_arena \(0x[0-9a-f]*\)$/\1/p' "$CDIR/list.out")
        case $(ldd --version 2>/dev/null | head -n 1) in
            *" 2.36") ;;
            *) MAIN_ARENA= ;;  # the offsets used below are glibc 2.36's
        esac
        # a root's glibc is not the host's (sid's 2.43 has no fastbins)
        [ -z "$(py_sysroot "$py")" ] || MAIN_ARENA=
        echo "--- corrupted copies of the $label core"
        corrupt_tests
    fi
    rm -f "$CORE"
done

echo
echo "=== results"
printf 'ROW %-24s %7s %-9s %6s %9s %9s %8s %9s %6s %5s %5s %-7s %4s %6s\n' \
    interpreter version pool/arena arenas found cpython raw getalloc main thread mmap objects prob secs
printf '%s\n' "${ROWS[@]}"
echo "(found: pymalloc blocks the scan reports; cpython: blocks in use by sys._debugmallocstats();"
echo " raw: raw_allocated_blocks read from the core (-1: 3.8 has none); getalloc: sys.getallocatedblocks();"
echo " main/thread/mmap: malloc chunks in use in the main arena, thread arenas, mmapped)"
[ ${#PY_SKIPPED[@]} -eq 0 ] || { echo "not tested:"; printf '  %s\n' "${PY_SKIPPED[@]}"; }
[ $FAILED -eq 0 ] || exit 1
[ $HARNESS -eq 0 ] || exit 99
exit 0
