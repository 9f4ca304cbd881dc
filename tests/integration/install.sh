#!/bin/bash
# install.sh: a finished install.
#   - `make install DESTDIR=...` installs refheap, the GDB command file,
#     the man pages refheap(1) and refheap-gdb(1), and the bash completion;
#   - refheap(1) names every command of `refheap --help` and every long
#     option of every command's --help; refheap-gdb(1) every GDB
#     subcommand the command file defines;
#   - the completion completes the commands and a command's options;
#   - the installed GDB command file, whose configured refheap is absent,
#     finds refheap in PATH, and without it the refheap beside the command
#     file (the build tree it was generated in), and runs `refheap summary`;
#   - progress: on a terminal (script(1)) stderr shows the phases with
#     percents; in a pipe, and with --json, it shows nothing.
# Exits 77 without make, gdb or python3.11 (with the package to install).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

require_refheap
command -v make >/dev/null 2>&1 || skip "make not found (apt-get install make)"
FAILED=0
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }

# ------------------------------------------------------------ make install
DEST=$TESTDIR/dest
if ! make -C "$top_builddir" install DESTDIR="$DEST" > "$TESTDIR/install.log" 2>&1; then
    echo "FAIL: make install"; tail -n 20 "$TESTDIR/install.log"; exit 1
fi
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
datarootdir=$(sed -n 's/^datarootdir = //p' "$top_builddir/Makefile" | sed "s|\${prefix}|$prefix|")
find "$DEST" -type f | sed "s|^$DEST||" | sort > "$TESTDIR/files"
sed 's/^/  installed: /' "$TESTDIR/files"
for want in "$prefix/bin/refheap" "$datarootdir/refheap/refheap.gdb" \
            "$datarootdir/man/man1/refheap.1" "$datarootdir/man/man1/refheap-gdb.1" \
            "$datarootdir/bash-completion/completions/refheap"; do
    grep -qxF "$want" "$TESTDIR/files" || fail "make install did not install $want"
done

# ------------------------------------------------------------ man pages
MAN1=$DEST$datarootdir/man/man1
render() { LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$1" 2>/dev/null || groff -man -Tutf8 "$1"; }
render "$MAN1/refheap.1" > "$TESTDIR/refheap.1.txt"
render "$MAN1/refheap-gdb.1" > "$TESTDIR/refheap-gdb.1.txt"
[ -s "$TESTDIR/refheap.1.txt" ] || fail "refheap(1) renders to nothing"
commands=$("$REFHEAP" --help | sed -n '/^Commands:/,/^$/p' | awk '/^  [a-z]/ { print $1 }')
[ -n "$commands" ] || fail "no commands in refheap --help"
for c in $commands; do
    grep -qE "^ {7}$c( |$)" "$TESTDIR/refheap.1.txt" || fail "refheap(1) does not describe the command '$c'"
    for opt in $("$REFHEAP" "$c" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
        grep -qF -- "$opt" "$TESTDIR/refheap.1.txt" || fail "refheap(1) does not name $opt (refheap $c --help)"
    done
done
for sub in $(sed -n 's/^define refheap \([a-z-]*\)$/\1/p' "$top_srcdir/plugin/refheap.gdb.in"); do
    [ "$sub" = gdb-bridge ] && continue
    grep -qw -- "$sub" "$TESTDIR/refheap-gdb.1.txt" || fail "refheap-gdb(1) does not name the GDB subcommand '$sub'"
done
echo "man pages: $(echo $commands | wc -w) commands checked"

# ------------------------------------------------------------ completion
comp() {
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _refheap; echo "${COMPREPLY[*]}"' \
        _ "$DEST$datarootdir/bash-completion/completions/refheap" "$@"
}
got=$(comp refheap '')
for c in $commands; do
    [[ " $got " == *" $c "* ]] || fail "completion of 'refheap <TAB>' lacks $c (got: $got)"
done
got=$(comp refheap export --fo)
[ "$got" = "--format=jsonl --format=heapsnapshot" ] || fail "completion of 'refheap export --fo' gave '$got'"
got=$(comp refheap histogram --sort r)
[ "$got" = retained ] || fail "completion of 'refheap histogram --sort r' gave '$got'"

# ------------------------------------------------------------ GDB, refheap not where configured
PY=/usr/bin/python3.11
if ! command -v gdb >/dev/null 2>&1; then
    echo "note: gdb not found: the GDB command file's fallbacks are not checked (apt-get install gdb)"
elif [ ! -x "$PY" ]; then
    echo "note: $PY not found: GDB and progress not checked (apt-get install python3.11 python3.11-dbg)"
elif [ -e "$prefix/bin/refheap" ]; then
    echo "note: $prefix/bin/refheap exists on this machine: the fallback when it is absent is not checked"
else
    make_core "$PY" "$TESTDIR/sample" || { echo "HARNESS ERROR: no core"; exit 99; }
    GDBFILE=$DEST$datarootdir/refheap/refheap.gdb
    mkdir -p "$TESTDIR/pathbin"
    cat > "$TESTDIR/pathbin/refheap" <<EOF
#!/bin/sh
echo called > "$TESTDIR/pathbin/called"
exec "$REFHEAP" "\$@"
EOF
    chmod +x "$TESTDIR/pathbin/refheap"
    rungdb() {
        timeout -k 5 "$TIMEOUT" gdb -batch -nx -ex "source $GDBFILE" \
            -ex 'set $refheap_options = "--no-cache"' -ex 'refheap summary' \
            "$PY" "$CORE" > "$1" 2>&1
    }
    # refheap only in PATH (a wrapper that leaves a mark)
    PATH=$TESTDIR/pathbin:/usr/bin:/bin rungdb "$TESTDIR/gdb-path.out"
    if ! grep -q '^Python 3\.11' "$TESTDIR/gdb-path.out" || [ ! -f "$TESTDIR/pathbin/called" ]; then
        fail "the GDB commands did not run the refheap found in PATH"
        show_file "$TESTDIR/gdb-path.out" gdb
    else
        echo "ok: GDB found refheap in PATH"
    fi
    # not in PATH either: the one beside the command file it was generated from
    rm -f "$TESTDIR/pathbin/called"
    PATH=/usr/bin:/bin rungdb "$TESTDIR/gdb-beside.out"
    if [ "$(readlink -f "$top_builddir/refheap")" != "$(readlink -f "$REFHEAP")" ]; then
        echo "note: REFHEAP is not the build tree's refheap: the fallback beside the command file is not checked"
    elif ! grep -q '^Python 3\.11' "$TESTDIR/gdb-beside.out" || [ -f "$TESTDIR/pathbin/called" ]; then
        fail "the GDB commands did not run the refheap beside their command file ($top_builddir)"
        show_file "$TESTDIR/gdb-beside.out" gdb
    else
        echo "ok: GDB found refheap beside the command file"
    fi

    # -------------------------------------------------------- progress
    if command -v script >/dev/null 2>&1; then
        REFHEAP_PROGRESS= script -qec "'$REFHEAP' leaks --no-cache '$CORE' > '$TESTDIR/leaks.out'" \
            "$TESTDIR/tty.log" > /dev/null 2>&1 < /dev/null
        if ! grep -aq 'refheap: reading the heap.*%' "$TESTDIR/tty.log" ||
           ! grep -aq 'refheap: analysing: dominator tree.*%' "$TESTDIR/tty.log"; then
            fail "no progress with percents on a terminal"
            show_file "$TESTDIR/tty.log" terminal
        else
            echo "ok: progress on a terminal"
        fi
        REFHEAP_PROGRESS= script -qec "'$REFHEAP' leaks --json --no-cache '$CORE' > /dev/null" \
            "$TESTDIR/tty-json.log" > /dev/null 2>&1 < /dev/null
        grep -aq '%' "$TESTDIR/tty-json.log" && fail "progress shown with --json"
    else
        echo "note: script(1) not found: progress on a terminal not checked (apt-get install bsdutils)"
    fi
    REFHEAP_PROGRESS= "$REFHEAP" leaks --no-cache "$CORE" 2> "$TESTDIR/pipe.err" | cat > /dev/null
    grep -q '%' "$TESTDIR/pipe.err" && fail "progress written to stderr that is not a terminal"
fi
[ $FAILED -eq 0 ] || { echo "$FAILED failure(s)"; exit 1; }
exit 0
