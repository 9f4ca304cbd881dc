#!/usr/bin/env python3
"""A small real program: opens three text files, imports decimal, and sums
their numbers again and again for SECONDS (default 8). Run by
tests/integration/realapps.sh under samples/realapp_oracle.py."""
import decimal
import os
import sys
import tempfile
import time


def main(argv):
    seconds = float(argv[0]) if argv else 8.0
    tmp = tempfile.mkdtemp(prefix="refheap-files-")
    paths = []
    for i in range(3):
        p = os.path.join(tmp, "numbers%d.txt" % i)
        with open(p, "w") as f:
            f.write("".join("%d.%02d\n" % (k * (i + 1), k % 100) for k in range(2000)))
        paths.append(p)
    files = [open(p) for p in paths]
    ctx = decimal.Context(prec=30)
    total = decimal.Decimal(0)
    end = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < end:
        for f in files:
            f.seek(0)
            for line in f:
                total = ctx.add(total, decimal.Decimal(line.strip()))
        rounds += 1
    for f in files:
        f.close()
    for p in paths:
        os.unlink(p)
    os.rmdir(tmp)
    print("rounds %d total %s" % (rounds, total))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
