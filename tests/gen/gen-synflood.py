#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write a SYN flood capture: COUNT half-open SYNs from spoofed sources in
203.0.113.0/24 (random ports) to 198.51.100.20:80, 20 us apart, plus one
healthy connection between 192.0.2.10 and 198.51.100.20:22 in the middle.
Crafted (a lab cannot flood safely); deterministic for a given COUNT.
Usage: gen-synflood.py COUNT OUT.pcap"""
import random
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def tcp_packet(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
    return iph + tcp


def main():
    count, out = int(sys.argv[1]), sys.argv[2]
    rnd = random.Random(7)
    target = ip4("198.51.100.20")
    t = 1700000000.0
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW

        def put(pkt):
            sec = int(t)
            f.write(struct.pack("<IIII", sec, int(round((t - sec) * 1e6)), len(pkt), len(pkt)))
            f.write(pkt)

        for i in range(count):
            src = bytes([203, 0, 113, rnd.randrange(1, 255)])
            put(tcp_packet(src, target, rnd.randrange(1024, 65535), 80, rnd.getrandbits(32), 0, 0x02))
            t += 0.00002
            if i == count // 2:
                c, s = ip4("192.0.2.10"), target
                for (a, b, sp, dp, seq, ack, fl, pl) in [
                    (c, s, 40000, 22, 1000, 0, 0x02, b""), (s, c, 22, 40000, 5000, 1001, 0x12, b""),
                    (c, s, 40000, 22, 1001, 5001, 0x10, b""), (c, s, 40000, 22, 1001, 5001, 0x18, b"hello"),
                    (s, c, 22, 40000, 5001, 1006, 0x18, b"world"), (c, s, 40000, 22, 1006, 5006, 0x11, b""),
                    (s, c, 22, 40000, 5006, 1007, 0x11, b""), (c, s, 40000, 22, 1007, 5007, 0x10, b"")]:
                    put(tcp_packet(a, b, sp, dp, seq, ack, fl, pl))
                    t += 0.0001
        # the clock runs past every SYN timeout
        put(tcp_packet(ip4("192.0.2.10"), target, 40001, 443, 1, 0, 0x02))
        t += 10
        put(tcp_packet(ip4("192.0.2.10"), target, 40002, 443, 1, 0, 0x02))


main()
