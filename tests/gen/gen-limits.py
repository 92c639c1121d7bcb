#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen-limits.py SCENARIO OUT.pcap - crafted captures that fill one bounded
table each (tests/scripts/test-limits.sh runs them with small limits).
Raw IPv4 (LINKTYPE_RAW), documentation and benchmarking addresses only,
fixed timestamps: the output depends on the scenario alone.

  flows       40 open TCP connections (--max-flows 16)
  ssh N       N SSH connections left open after the client's identification
              (--max-ssh 16 with 40)
  sshhole N   N SSH connections whose client, after its identification,
              sends 8000 bytes beyond a 100-byte hole that is never filled:
              the TCP reassembler holds them (--max-flows 4096: 512 KiB of
              held bytes for all flows, full with 80)
  sshfar      one such connection whose 100 bytes come 70000 bytes past
              the hole: beyond the 64 KiB a direction may hold
  frag        3000 first fragments of UDP datagrams that never complete,
              and an IKE_SA_INIT sent three times with no answer
  timewait    60000 connections closed cleanly within 12 s, from 60 clients:
              more than a 4-way set of the TIME_WAIT memory (131072) holds
  syntargets  4200 unanswered SYNs, each to its own address
  servers     17000 connections, each to its own server, whose SYN-ACK fills
              the TTL memory of servers (16384); the client resets each
  ike         200 unanswered IKE_SA_INIT requests, each its own SA, then a
              blocked tunnel (--max-ike 128)
  esp         600 ESP packets, each with its own SPI (--max-ike 128: 512 ESP SAs)
"""
import struct
import sys

T0 = 1700000000.0


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ip_header(src, dst, proto, payload_len, ident=1, frag=0x4000):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, ident & 0xFFFF, frag, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b""):
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(t))
    t = t[:16] + struct.pack("!H", csum(pseudo + t)) + t[18:]
    return ip_header(src, dst, 6, len(t)) + t


def udp(src, dst, sport, dport, payload):
    u = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return ip_header(src, dst, 17, len(u)) + u


def ike_sa_init(spi):
    """An IKEv2 IKE_SA_INIT request: SA (one proposal, AES-CBC-128,
    SHA2-256, group 14), KE, Nonce (RFC 7296 layouts)."""
    xforms = [(1, 12, 128), (2, 5, None), (3, 12, None), (4, 14, None)]
    xb = b""
    for i, (tt, tid, klen) in enumerate(xforms):
        attr = struct.pack("!HH", 0x800E, klen) if klen else b""
        xb += struct.pack("!BBHBBH", 0 if i == len(xforms) - 1 else 3, 0, 8 + len(attr), tt, 0, tid) + attr
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(xb), 1, 1, 0, len(xforms)) + xb
    ke = struct.pack("!HH", 14, 0) + bytes(256)
    nonce = bytes(range(32))
    body = struct.pack("!BBH", 34, 0, 4 + len(prop)) + prop
    body += struct.pack("!BBH", 40, 0, 4 + len(ke)) + ke
    body += struct.pack("!BBH", 0, 0, 4 + len(nonce)) + nonce
    hdr = spi + bytes(8) + struct.pack("!BBBBII", 33, 0x20, 34, 0x08, 0, 28 + len(body))
    return hdr + body


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))

    def put(self, t, pkt):
        t += T0
        sec = int(t)
        self.f.write(struct.pack("<IIII", sec, int(round((t - sec) * 1e6)), len(pkt), len(pkt)))
        self.f.write(pkt)


C, S = ip4("192.0.2.10"), ip4("198.51.100.20")


def handshake(p, t, sport, dport, isn=1000):
    p.put(t, tcp(C, S, sport, dport, isn, 0, 0x02))
    p.put(t + 0.0005, tcp(S, C, dport, sport, 5000, isn + 1, 0x12))
    p.put(t + 0.0010, tcp(C, S, sport, dport, isn + 1, 5001, 0x10))


def flows(p, _n):
    for i in range(40):
        handshake(p, i * 0.01, 30000 + i, 80)


def ssh(p, n):
    for i in range(n):
        t = i * 0.002
        handshake(p, t, 20000 + i, 22)
        p.put(t + 0.0015, tcp(C, S, 20000 + i, 22, 1001, 5001, 0x18, b"SSH-2.0-limits_test\r\n"))


def sshhole(p, n, hole=100, size=8000):
    for i in range(n):
        t = i * 0.002
        handshake(p, t, 20000 + i, 22)
        ident = b"SSH-2.0-limits_test\r\n"
        p.put(t + 0.0015, tcp(C, S, 20000 + i, 22, 1001, 5001, 0x18, ident))
        p.put(t + 0.0018, tcp(C, S, 20000 + i, 22, 1001 + len(ident) + hole, 5001, 0x18, bytes(size)))


def sshfar(p, _n):
    sshhole(p, 1, hole=70000, size=100)


def blocked_ike(p, t0):
    """The real failure: one IKE_SA_INIT to a gateway, sent three times,
    never answered."""
    req = udp(ip4("192.0.2.50"), ip4("198.51.100.77"), 500, 500, ike_sa_init(b"REALSPI1"))
    for dt in (0.0, 2.0, 6.0):
        p.put(t0 + dt, req)


def frag(p, _n):
    blocked_ike(p, 0.0)
    payload = bytes(1376)
    for i in range(3000):
        src = bytes([203, 0, 113, 1 + i % 250])
        u = struct.pack("!HHHH", 40000 + i % 1000, 9999, 8 + 4000, 0) + payload
        p.put(0.5 + i * 0.004, ip_header(src, ip4("198.51.100.30"), 17, len(u), ident=i, frag=0x2000) + u)
    p.put(30.0, tcp(C, S, 1, 2, 0, 0, 0x04))


def timewait(p, _n):
    for i in range(60000):
        t = i * 0.0002
        sp = 10000 + i % 1000
        c = bytes([192, 0, 2, 10 + i // 1000])
        p.put(t, tcp(c, S, sp, 80, 1000, 0, 0x02))
        p.put(t + 0.00005, tcp(S, c, 80, sp, 5000, 1001, 0x12))
        p.put(t + 0.00010, tcp(c, S, sp, 80, 1001, 5001, 0x10))
        p.put(t + 0.00011, tcp(c, S, sp, 80, 1001, 5001, 0x11))
        p.put(t + 0.00012, tcp(S, c, 80, sp, 5001, 1002, 0x11))
        p.put(t + 0.00013, tcp(c, S, sp, 80, 1002, 5002, 0x10))


def syntargets(p, _n):
    for i in range(4200):
        dst = bytes([198, 18 + (i >> 16), (i >> 8) & 255, i & 255])
        p.put(i * 0.001, tcp(C, dst, 40000 + i % 20000, 443, 7000 + i, 0, 0x02))
    p.put(20.0, tcp(C, S, 1, 2, 0, 0, 0x04))


def servers(p, _n):
    for i in range(17000):
        srv = bytes([198, 18 + (i >> 16), (i >> 8) & 255, i & 255])
        sp, t = 20000 + i % 40000, i * 0.001
        p.put(t, tcp(C, srv, sp, 443, 7000, 0, 0x02))
        p.put(t + 0.0002, tcp(srv, C, 443, sp, 9000, 7001, 0x12))
        p.put(t + 0.0003, tcp(C, srv, sp, 443, 7001, 0, 0x04))


def ike(p, _n):
    for i in range(200):
        p.put(i * 0.01, udp(C, S, 500, 500, ike_sa_init(struct.pack("!Q", 0x1000 + i))))
    blocked_ike(p, 1.0)
    p.put(30.0, tcp(C, S, 1, 2, 0, 0, 0x04))


def esp(p, _n):
    for i in range(600):
        body = struct.pack("!II", 0x10000 + i, 1) + bytes(64)
        p.put(i * 0.001, ip_header(C, S, 50, len(body)) + body)


def main():
    scen, out = sys.argv[1], sys.argv[-1]
    n = int(sys.argv[2]) if len(sys.argv) > 3 else 0
    p = Pcap(out)
    {"flows": flows, "ssh": ssh, "sshhole": sshhole, "sshfar": sshfar, "frag": frag, "timewait": timewait, "syntargets": syntargets, "servers": servers, "ike": ike,
     "esp": esp}[scen](p, n)
    p.f.close()


if __name__ == "__main__":
    main()
