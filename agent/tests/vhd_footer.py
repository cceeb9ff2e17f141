#!/usr/bin/env python3
"""vhd_footer.py IMAGE [SIZE] -- an independent reader of a fixed VHD's
footer (Microsoft, Virtual Hard Disk Image Format Specification 1.0):
checks the cookie, features, version, data offset, sizes, disk type, the
one's-complement checksum and the CHS geometry (the spec's algorithm, in
Python here), and prints "ok C/H/S SIZE" or "bad: why" (exit 1)."""
import os
import struct
import sys
import time


def chs(size):
    total = min(size // 512, 65535 * 16 * 255)
    if total >= 65535 * 16 * 63:
        spt, heads = 255, 16
        cth = total // spt
    else:
        spt = 17
        cth = total // spt
        heads = max((cth + 1023) // 1024, 4)
        if cth >= heads * 1024 or heads > 16:
            spt, heads = 31, 16
            cth = total // spt
        if cth >= heads * 1024:
            spt, heads = 63, 16
            cth = total // spt
    return cth // heads, heads, spt


def main():
    path = sys.argv[1]
    want = int(sys.argv[2]) if len(sys.argv) > 2 else None
    flen = os.path.getsize(path)
    with open(path, "rb") as f:
        f.seek(flen - 512)
        ft = f.read(512)
    (cookie, features, version, offset, stamp, app, cver, host, orig, cur,
     c, h, s, dtype, csum) = struct.unpack(">8sIIQI4sI4sQQHBBII", ft[:68])
    calc = (~(sum(ft[:64]) + sum(ft[68:]))) & 0xFFFFFFFF
    problems = []
    if cookie != b"conectix":
        problems.append("cookie %r" % cookie)
    if features & 2 == 0:
        problems.append("features %#x" % features)
    if version != 0x00010000:
        problems.append("version %#x" % version)
    if offset != 0xFFFFFFFFFFFFFFFF:
        problems.append("data offset %#x" % offset)
    if dtype != 2:
        problems.append("disk type %d" % dtype)
    if csum != calc:
        problems.append("checksum %#x, computed %#x" % (csum, calc))
    if cur != orig or cur % (1024 * 1024) or cur + 512 != flen:
        problems.append("sizes %d/%d, file %d" % (orig, cur, flen))
    if want is not None and cur != want:
        problems.append("size %d, want %d" % (cur, want))
    if (c, h, s) != chs(cur):
        problems.append("geometry %d/%d/%d, spec says %s" % (c, h, s, chs(cur)))
    if abs(stamp + 946684800 - time.time()) > 3600:
        problems.append("timestamp %d" % stamp)
    if ft[68:84] == bytes(16):
        problems.append("no unique id")
    if problems:
        print("bad: " + "; ".join(problems))
        sys.exit(1)
    print("ok %d/%d/%d %d" % (c, h, s, cur))


main()
