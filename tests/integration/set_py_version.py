#!/usr/bin/env python3
"""set_py_version.py CORE EXECUTABLE HEX: write HEX (a PY_VERSION_HEX such as
0x031000a1) into the Py_Version global (Python/getversion.c, 3.11+) of a
copy of a core, so that the core claims a CPython version refheap does not
know. EXECUTABLE must be a non-PIE one (Debian's python3.11), whose symbol
address is its run-time address. Exit 0 done, 1 on any problem (printed)."""
import struct
import sys


def sections(f):
    f.seek(0)
    h = f.read(64)
    if h[:4] != b"\x7fELF" or h[4] != 2:
        raise ValueError("not a 64-bit ELF file")
    return h


def dynsym_value(path, name):
    with open(path, "rb") as f:
        h = sections(f)
        if struct.unpack_from("<H", h, 16)[0] != 2:
            raise ValueError("%s is not ET_EXEC (a PIE): its symbols need a load bias" % path)
        shoff, = struct.unpack_from("<Q", h, 40)
        shentsize, shnum = struct.unpack_from("<HH", h, 58)
        shdrs = []
        for i in range(shnum):
            f.seek(shoff + i * shentsize)
            shdrs.append(struct.unpack("<IIQQQQIIQQ", f.read(64)))
        for sh in shdrs:
            if sh[1] != 11:          # SHT_DYNSYM
                continue
            strtab = shdrs[sh[6]]
            f.seek(strtab[4])
            strs = f.read(strtab[5])
            f.seek(sh[4])
            data = f.read(sh[5])
            for off in range(0, len(data), 24):
                st_name, _info, _other, _shndx, value, _size = struct.unpack_from("<IBBHQQ", data, off)
                end = strs.find(b"\0", st_name)
                if strs[st_name:end] == name.encode():
                    return value
    raise ValueError("no %s in the dynamic symbols of %s" % (name, path))


def main():
    core, exe, hexv = sys.argv[1], sys.argv[2], int(sys.argv[3], 16)
    addr = dynsym_value(exe, "Py_Version")
    with open(core, "r+b") as f:
        h = sections(f)
        phoff, = struct.unpack_from("<Q", h, 32)
        phentsize, phnum = struct.unpack_from("<HH", h, 54)
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            p_type, _fl, off, vaddr, _pa, filesz, _ms, _al = struct.unpack("<IIQQQQQQ", f.read(56))
            if p_type == 1 and vaddr <= addr and addr + 4 <= vaddr + filesz:
                f.seek(off + addr - vaddr)
                old, = struct.unpack("<I", f.read(4))
                f.seek(off + addr - vaddr)
                f.write(struct.pack("<I", hexv))
                print("Py_Version at 0x%x: 0x%08x -> 0x%08x" % (addr, old, hexv))
                return 0
    raise ValueError("Py_Version (0x%x) is not in the core's dumped segments" % addr)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError) as e:
        print("set_py_version: %s" % e)
        sys.exit(1)
