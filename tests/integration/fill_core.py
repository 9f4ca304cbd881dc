#!/usr/bin/env python3
"""fill_core.py CORE PID GCORE_LOG: fill in what gcore left out of CORE.

gcore (GDB 13) copies each memory section in 1 MiB chunks and stops at the
first chunk it cannot read ("Memory read failed for corefile section, N
bytes at ADDR"), leaving the rest of the section as zeros. glibc 2.42+
(Debian sid) puts the guard page of every thread stack inside the stack's
mapping (madvise MADV_GUARD_INSTALL): reading it fails, so every thread
stack but the main one is lost, and with it the frames that live there.

For each such warning, this re-reads the section from ADDR to its end from
/proc/PID/mem, page by page (the process is still stopped), skipping the
pages that cannot be read, and writes them at their place in CORE.
Prints what it filled; exit 0 (nothing to do is fine), 1 on an error.
"""
import re
import struct
import sys

PAGE = 4096


def load_segments(f):
    hdr = f.read(64)
    if hdr[:4] != b"\x7fELF" or hdr[4] != 2:
        raise ValueError("not a 64-bit ELF file")
    phoff, = struct.unpack_from("<Q", hdr, 32)
    phentsize, phnum = struct.unpack_from("<HH", hdr, 54)
    segs = []
    for i in range(phnum):
        f.seek(phoff + i * phentsize)
        p_type, _flags, off, vaddr, _pa, filesz, _memsz, _al = struct.unpack("<IIQQQQQQ", f.read(56))
        if p_type == 1:
            segs.append((vaddr, filesz, off))
    return segs


def main(argv):
    core, pid, log = argv[1], int(argv[2]), argv[3]
    fails = []
    for line in open(log, errors="replace"):
        m = re.search(r"Memory read failed for corefile section, (\d+) bytes at (0x[0-9a-f]+)", line)
        if m:
            fails.append(int(m.group(2), 16))
    if not fails:
        return 0
    filled = 0
    with open(core, "r+b") as f, open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        segs = load_segments(f)
        for addr in fails:
            seg = [s for s in segs if s[0] <= addr < s[0] + s[1]]
            if not seg:
                continue  # not dumped at all (e.g. [vsyscall]): nothing to fill
            vaddr, filesz, off = seg[0]
            pages = ok = 0
            for a in range(addr - addr % PAGE, vaddr + filesz, PAGE):
                pages += 1
                try:
                    mem.seek(a)
                    data = mem.read(PAGE)
                except (OSError, OverflowError):
                    continue  # the guard page itself; [vsyscall] (past 2^63)
                if len(data) != PAGE:
                    continue
                f.seek(off + (a - vaddr))
                f.write(data)
                ok += 1
            filled += ok
            if ok:
                print("fill_core: section at 0x%x: %d of %d pages re-read from /proc/%d/mem"
                      % (addr, ok, pages, pid))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, ValueError) as e:
        print("fill_core: %s" % e)
        sys.exit(1)
