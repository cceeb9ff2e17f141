#!/usr/bin/env python3
"""Seeds for fuzz_xfsfree: tiny XFS file systems that cm_xfs_free reads
through (see agent/tests/unit/test_xfsfree.c for the layout's rules).

8 KiB (run-corpus.sh --fuzz's -max_len): 512-byte blocks and sectors,
one AG of 16 blocks (agblocks 64, dblocks 16), headers in blocks 0-3,
the log at blocks 8-11 with an
unmount record at its start, the bnobt at block 4 (one leaf) or 4-6 (a
node over two leaves).  Written as v4 and as v5 (CRC-32C as XFS stores
it).  Usage: xfsfree_seeds.py OUTDIR"""
import os
import struct
import sys

BS, AGBLOCKS, DBLOCKS, LOG_START, LOG_BLOCKS = 512, 64, 16, 8, 4
UUID = bytes(range(1, 17))


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def seal(img, off, length, crc_off):
    img[off + crc_off:off + crc_off + 4] = b"\0\0\0\0"
    img[off + crc_off:off + crc_off + 4] = struct.pack("<I", crc32c(bytes(img[off:off + length])))


def tree_block(img, blk, v5, level, recs, left=0xFFFFFFFF, right=0xFFFFFFFF, ptrs=None):
    off = blk * BS
    hdr = 56 if v5 else 16
    struct.pack_into(">IHHII", img, off, 0x41423342 if v5 else 0x41425442, level, len(recs), left, right)
    if v5:
        struct.pack_into(">Q", img, off + 16, blk)
        img[off + 32:off + 48] = UUID
        struct.pack_into(">I", img, off + 48, 0)
    for i, (s, c) in enumerate(recs):
        struct.pack_into(">II", img, off + hdr + 8 * i, s, c)
    if ptrs:
        maxrecs = (BS - hdr) // 12
        for i, p in enumerate(ptrs):
            struct.pack_into(">I", img, off + hdr + 8 * maxrecs + 4 * i, p)


def build(v5, two_level):
    img = bytearray(DBLOCKS * BS)
    struct.pack_into(">IIQ", img, 0, 0x58465342, BS, DBLOCKS)
    img[32:48] = UUID
    struct.pack_into(">Q", img, 48, LOG_START)
    struct.pack_into(">III", img, 84, AGBLOCKS, 1, 0)
    struct.pack_into(">IHH", img, 96, LOG_BLOCKS, 5 if v5 else 0x2004, 512)
    img[120], img[121], img[124] = 9, 9, 6
    if v5:
        struct.pack_into(">I", img, 216, 0x1)
    # the log: an unmount record, cycle 1
    lo = LOG_START * BS
    struct.pack_into(">IIII", img, lo, 0xFEEDBABE, 1, 2 if v5 else 1, 512)
    struct.pack_into(">I", img, lo + 40, 1)
    img[lo + 304:lo + 320] = UUID
    struct.pack_into(">I", img, lo + 320, 32768)
    struct.pack_into(">IIBB", img, lo + 512, 1, 8, 0xAA, 0x20)
    if two_level:
        tree_block(img, 4, v5, 1, [(7, 0), (15, 0)], ptrs=[5, 6])
        tree_block(img, 5, v5, 0, [(7, 1), (12, 2)], right=6)
        tree_block(img, 6, v5, 0, [(15, 1)], left=5)
        free, longest = 4, 2
    else:
        tree_block(img, 4, v5, 0, [(5, 3), (12, 4)])
        free, longest = 7, 4
    ao = BS
    struct.pack_into(">IIII", img, ao, 0x58414746, 1, 0, DBLOCKS)
    struct.pack_into(">I", img, ao + 16, 4)
    struct.pack_into(">I", img, ao + 28, 2 if two_level else 1)
    struct.pack_into(">II", img, ao + 52, free, longest)
    img[ao + 64:ao + 80] = UUID
    if v5:
        seal(img, 0, 512, 224)
        seal(img, ao, 512, 216)
        for blk in ([4, 5, 6] if two_level else [4]):
            seal(img, blk * BS, BS, 52)
    return bytes(img)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for v5 in (0, 1):
        for two in (0, 1):
            name = "v%d-%s" % (5 if v5 else 4, "node" if two else "leaf")
            with open(os.path.join(out, name), "wb") as f:
                f.write(build(v5, two))


if __name__ == "__main__":
    main()
