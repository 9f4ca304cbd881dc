#!/bin/bash
# debian-root.sh SUITE DIR PACKAGE...: make (once) a Debian SUITE root in DIR
# with debootstrap and install PACKAGE... there, so that the tests can run a
# heap sample in it with chroot, dump it from the host with gcore and read the
# core with `refheap ... --sysroot DIR` (cores from another root).
#
# The root is cached: DIR/.refheap-root-ok lists the packages installed; a
# second run with the same packages does nothing.  A run that fails leaves
# no stamp, so the next one starts over.
#
# Exit 0: the root is ready.  Exit 2: it could not be made (no debootstrap,
# not root, no network, packages missing in the suite): the reason is the last
# line printed, and the tests skip those interpreters with it.
#
# Environment: REFHEAP_DEBIAN_MIRROR (default: the mirror of this machine's
# apt sources, else http://deb.debian.org/debian).
set -u -o pipefail
suite=$1 dir=$2
shift 2
pkgs="$*"
stamp=$dir/.refheap-root-ok

fail() { echo "cannot make the Debian $suite root in $dir: $*"; exit 2; }

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pkgs" ]; then
    exit 0
fi
[ "$(id -u)" -eq 0 ] || fail "debootstrap and chroot need root (run the tests as root)"

mirror=${REFHEAP_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
    mirror=$(sed -n 's/^URIs:[[:space:]]*\(http[^[:space:]]*\/debian\)$/\1/p' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
    [ -n "$mirror" ] || mirror=$(sed -n 's/^deb[[:space:]]\+\(http[^[:space:]]*\/debian\)[[:space:]].*/\1/p' \
        /etc/apt/sources.list 2>/dev/null | head -n 1)
    mirror=${mirror:-http://deb.debian.org/debian}
fi

if ! command -v debootstrap > /dev/null 2>&1; then
    echo "installing debootstrap"
    { DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap ||
      { apt-get update > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap; }; } \
        > /dev/null 2>&1 || fail "debootstrap is not installed and apt-get could not install it"
fi

log=$dir.log
mkdir -p "$(dirname "$dir")"
rm -f "$stamp"
# a half-made root from an interrupted run: start over
if [ -d "$dir" ] && [ ! -x "$dir/usr/bin/apt-get" ]; then
    rm -rf --one-file-system "$dir"
fi
echo "making the Debian $suite root in $dir from $mirror (log: $log)"
if [ ! -x "$dir/usr/bin/apt-get" ]; then
    debootstrap --variant=minbase "$suite" "$dir" "$mirror" > "$log" 2>&1 || {
        tail -n 5 "$log" | sed 's/^/  | /'
        fail "debootstrap $suite failed (network? see $log)"
    }
fi
# the suite files may be past their Valid-Until date (snapshot mirrors)
apt_in() {
    chroot "$dir" env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
        apt-get -q -o Acquire::Check-Valid-Until=false "$@"
}
# shellcheck disable=SC2086
{ apt_in update && apt_in install -y --no-install-recommends $pkgs; } >> "$log" 2>&1 || {
    tail -n 5 "$log" | sed 's/^/  | /'
    fail "apt-get install $pkgs failed in the root (see $log)"
}
apt_in clean >> "$log" 2>&1
echo "$pkgs" > "$stamp"
echo "Debian $suite root ready in $dir"
