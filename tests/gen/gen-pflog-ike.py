#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Rewrap the IPv4 packets of a real Ethernet capture as pfSense would log
them on pflog0: every packet blocked by one rule on one interface. Used to
make pcaps/ike-crafted/ike-pflog-blocked.pcap from the lab's
pcaps/ike/ike-udp500-blocked.pcap (its IKE_SA_INIT retransmissions).
Usage: gen-pflog-ike.py IN.pcap OUT.pcap RULE IFNAME"""
import struct
import sys


def main():
    src, out, rule, ifname = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].encode()
    with open(src, "rb") as f:
        data = f.read()
    if struct.unpack("<I", data[:4])[0] != 0xA1B2C3D4:
        sys.exit("little-endian microsecond pcap expected")
    off = 24
    recs = []
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if frame[12:14] != b"\x08\x00":
            continue  # pf logs IP only
        ip = frame[14:]
        # pfloghdr: length 61, af AF_INET, action 1 (block), reason 0 (match),
        # ifname, ruleset, rulenr, subrulenr, uid, pid, rule_uid, rule_pid,
        # dir 1 (in), 3 bytes of padding
        hdr = struct.pack("!BBBB16s16sIIIIIIB3x", 61, 2, 1, 0, ifname, b"", rule, 0xFFFFFFFF,
                          0, 0, 0, 0, 1)
        recs.append((sec, usec, hdr + ip))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 117))
        for sec, usec, pkt in recs:
            f.write(struct.pack("<IIII", sec, usec, len(pkt), len(pkt)))
            f.write(pkt)


main()
