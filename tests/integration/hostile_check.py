"""hostile_check.py: checks for tests/integration/hostile.sh.

  patch CORE ADDR VALUE [ADDR VALUE...]   write 8-byte words into a core copy
  peek CORE ADDR                           print the 8-byte word at ADDR
  clean FILE...                            no unit any format must escape is raw
  visible FILE DOT RECORD                  each hostile string appears in its
                                           visible escaped form (DOT: doubled)
  jsonexact FILE RECORD [MORE...]          JSON lines: each hostile string (and
                                           MORE, in Python escapes) is a
                                           substring of some decoded value
  problems FILE WORDS                      the export's snapshot record has a
                                           problem containing WORDS
The escaping rule is written again here, independently of report/escape.c.
"""
import json
import struct
import sys

DANGEROUS = set(range(0x20)) | {0x7f} | set(range(0x80, 0xa0)) | {
    0x061c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d,
    0x202e, 0x2066, 0x2067, 0x2068, 0x2069} | set(range(0xd800, 0xe000))


def loads(path):
    with open(path, "rb") as f:
        return f.read()


def phdrs(data):
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _flags, off, vaddr, _pa, filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1:
            yield off, vaddr, filesz


def file_offset(data, addr):
    for off, vaddr, filesz in phdrs(data):
        if vaddr <= addr and addr + 8 <= vaddr + filesz:
            return off + addr - vaddr
    sys.exit("hostile_check: 0x%x is not dumped in the core" % addr)


def visible(s):
    out = []
    for ch in s:
        cp = ord(ch)
        if cp in DANGEROUS:
            out.append("\\x%02x" % cp if cp < 0x80 else "\\u{%04x}" % cp)
        elif ch == "\\":
            out.append("\\\\")
        else:
            out.append(ch)
    return "".join(out)


def strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "patch":
        data = bytearray(loads(args[0]))
        for a, v in zip(args[1::2], args[2::2]):
            struct.pack_into("<Q", data, file_offset(data, int(a, 0)), int(v, 0) & (2**64 - 1))
        with open(args[0], "wb") as f:
            f.write(data)
    elif cmd == "peek":
        data = loads(args[0])
        print(hex(struct.unpack_from("<Q", data, file_offset(data, int(args[1], 0)))[0]))
    elif cmd == "clean":
        bad = 0
        for path in args:
            text = loads(path).decode("utf-8", errors="strict")  # invalid UTF-8 fails
            for i, ch in enumerate(text):
                if ord(ch) in DANGEROUS and ch not in "\n":
                    print("%s: raw U+%04X at character %d: %r" % (path, ord(ch), i, text[max(0, i - 30):i + 10]))
                    bad += 1
                    break
        sys.exit(1 if bad else 0)
    elif cmd == "visible":
        text = loads(args[0]).decode("utf-8")
        dot = args[1] == "1"
        rec = json.loads(loads(args[2]))
        missing = 0
        for s in rec["hostile"]:
            want = visible(s)
            if dot:
                want = want.replace("\\", "\\\\").replace('"', '\\"')
            if want not in text:
                print("%s: %r not shown as %r" % (args[0], s, want))
                missing += 1
        sys.exit(1 if missing else 0)
    elif cmd == "jsonexact":
        rec = json.loads(loads(args[1]))
        seen = []
        for line in loads(args[0]).decode("utf-8").splitlines():
            if line.strip():
                seen.extend(strings(json.loads(line)))
        missing = 0
        # MORE are written with Python escapes (a shell cannot pass NUL)
        more = [a.encode("ascii").decode("unicode_escape") for a in args[2:]]
        for s in rec["hostile"] + more:
            if not any(s in x for x in seen):
                print("%s: %r never decoded exactly" % (args[0], s))
                missing += 1
        sys.exit(1 if missing else 0)
    elif cmd == "problems":
        for line in loads(args[0]).decode("utf-8").splitlines():
            r = json.loads(line)
            if r.get("record") == "snapshot":
                probs = r.get("problems") or []
                if any(args[1] in p for p in probs):
                    sys.exit(0)
                print("%s: no problem mentions %r; problems: %s" % (args[0], args[1], probs[:5]))
                sys.exit(1)
        sys.exit("%s: no snapshot record" % args[0])
    elif cmd == "nproblems":
        # the problems of one JSON document (gc --json, summary --json)
        print(len(json.loads(loads(args[0])).get("problems") or []))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
