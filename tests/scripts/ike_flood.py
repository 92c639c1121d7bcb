#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ike_flood.py REAL.pcap OUT.pcap N - mix a flood of N one-off IKE_SA_INIT
requests (crafted: each a copy of the real capture's first IKE datagram with
a new initiator SPI, from a new source in 198.18.0.0/15, sent once) into the
packets of REAL.pcap, a real tunnel whose IKE_SA_INIT goes unanswered. The
flood starts 1 s before the real tunnel's first packet and ends with its
last one, evenly spread. Ethernet pcap in, Ethernet pcap out; the real
packets keep their bytes and times. Only the standard library is used, so
100,000 packets take a second or two."""
import struct, sys

def read_pcap(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic == 0xA1B2C3D4, "little-endian microsecond pcap expected"
    hdr, off, pkts = data[:24], 24, []
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        pkts.append((sec * 1000000 + usec, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return hdr, pkts

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def main():
    real, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    hdr, pkts = read_pcap(real)
    ike = [p for p in pkts if len(p[1]) > 42 and p[1][12:14] == b"\x08\x00" and p[1][23] == 17]
    t0, t1 = ike[0][0], ike[-1][0]
    tmpl = bytearray(ike[0][1])
    ihl = (tmpl[14] & 0x0F) * 4
    udp = 14 + ihl
    flood = []
    start, span = t0 - 1000000, (t1 - t0) + 1000000
    for i in range(n):
        f = bytearray(tmpl)
        src = 0xC6120000 + (i % 131070) + 1            # 198.18.0.1 ...
        f[26:30] = struct.pack("!I", src)
        f[udp + 8:udp + 16] = struct.pack("!Q", 0x5D00000000000000 + i + 1)  # SPIi
        f[24:26] = b"\0\0"
        f[24:26] = struct.pack("!H", csum(bytes(f[14:14 + ihl])))
        f[udp + 6:udp + 8] = b"\0\0"                    # UDP checksum: none
        flood.append((start + span * i // n, bytes(f)))
    allp = sorted(pkts + flood, key=lambda p: p[0])
    with open(out, "wb") as w:
        w.write(hdr)
        for ts, b in allp:
            w.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(b), len(b)))
            w.write(b)

main()
