#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen-reorder.py IN.pcap OUT.pcap A:B [A:B ...] - a copy of a classic pcap
file with the packets of frames A and B (1-based) swapped, their
timestamps left in place: segment B seen before segment A, as a capture
point sees a reordered (or SACK-recovered) pair. The other bytes are
copied unchanged, so the output depends on the input alone.

Used for pcaps/ssh/ssh-reordered.pcap (from ssh-ok.pcap, 8:9 14:15) and
ssh-ipv6-reordered.pcap (from ssh-ipv6-ok.pcap, 8:9 14:15)."""
import struct
import sys


def main():
    src, out, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
    raw = open(src, "rb").read()
    magic = raw[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        sys.exit("gen-reorder.py: %s: not a classic pcap file" % src)
    recs, off = [], 24
    while off + 16 <= len(raw):
        sec, frac, incl, orig = struct.unpack(end + "IIII", raw[off:off + 16])
        recs.append([sec, frac, orig, raw[off + 16:off + 16 + incl]])
        off += 16 + incl
    for pr in pairs:
        a, b = (int(x) - 1 for x in pr.split(":"))
        recs[a][2:], recs[b][2:] = recs[b][2:], recs[a][2:]
    with open(out, "wb") as f:
        f.write(raw[:24])
        for sec, frac, orig, data in recs:
            f.write(struct.pack(end + "IIII", sec, frac, len(data), orig) + data)


if __name__ == "__main__":
    main()
