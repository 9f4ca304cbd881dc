#!/bin/bash
# prefetch.sh: the snapshot's hot loops keep their prefetches in the binary.
#
# GCC 12 (Debian 12's) once deleted every software prefetch of the
# snapshot: the helpers' only effect was __builtin_prefetch, ipa-pure-const
# judged them to have none, and the calls it had not inlined went away.
# Two stops measured "prefetching makes no difference" on a binary that had
# no prefetch instruction left (issue 12). The helpers are always inlined
# now (util/keyindex.h RH_PREFETCH_FN); this test reads the built refheap
# with objdump and fails if a loop that resolves references, adds GC-list
# objects or checks allocator blocks has lost its prefetches.
#
# Skips when objdump is missing or the binary is not x86-64 (the
# instruction names below are x86's). A loop the compiler inlined into its
# caller has no symbol of its own: it is then looked for in the caller.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

require_refheap
command -v objdump > /dev/null 2>&1 || skip "objdump is not installed (binutils)"
file_type=$(od -An -tx1 -j18 -N2 "$REFHEAP" 2>/dev/null | tr -d ' ')
[ "$file_type" = "3e00" ] || skip "$REFHEAP is not an x86-64 ELF binary (e_machine $file_type)"

objdump -d --no-show-raw-insn "$REFHEAP" > "$TESTDIR/refheap.dis" ||
    hard_error "objdump could not disassemble $REFHEAP"
# prefetch instructions per function
awk '/^[0-9a-f]+ <.*>:$/ { f = $2; sub(/^</, "", f); sub(/>:$/, "", f); seen[f] = 1 }
     /\tprefetch/ { n[f]++ }
     END { for (f in seen) print f, n[f] + 0 }' "$TESTDIR/refheap.dis" > "$TESTDIR/counts"
total=$(awk '{ t += $2 } END { print t + 0 }' "$TESTDIR/counts")
echo "prefetch instructions in $REFHEAP: $total"

status=0
# function [caller]: the loop, and where it goes if inlined
for spec in "follow_references rh_snapshot_create" "add_tracked_batch rh_snapshot_create" \
            "flush_blocks follow_references" "prep_chunk follow_references"; do
    set -- $spec
    fn=$1 caller=$2
    n=$(awk -v f="$fn" '$1 == f { print $2 }' "$TESTDIR/counts")
    where=$fn
    if [ -z "$n" ]; then
        n=$(awk -v f="$caller" '$1 == f { print $2 }' "$TESTDIR/counts")
        where="$caller (into which $fn was inlined)"
    fi
    if [ -z "$n" ]; then
        echo "FAIL: neither $fn nor $caller is a symbol of $REFHEAP (stripped?)"
        status=1
    elif [ "$n" -lt 2 ]; then
        # each loop prefetches ahead at two sites at least (its start and
        # its body); GCC 12 without the fix left 0-1 of them
        echo "FAIL: $n prefetch instruction(s) left in $where: the compiler dropped them"
        status=1
    else
        echo "ok   $where: $n prefetch instructions"
    fi
done
exit $status
