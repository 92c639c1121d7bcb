#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen-ike.py - crafted IKE/ESP captures for what the strongSwan lab cannot
easily produce: ICMP errors for IKE, IKE messages lost as IP fragments, a
version mismatch, cleartext IKEv1 error notifies, rekeys that go
unanswered, an initiator that stops on its own, plain ESP that only flows
one way, a NAT seen from outside, IPv6.

    /usr/bin/python3 tests/gen/gen-ike.py [OUTDIR]     (default pcaps/ike-crafted)

Every message is assembled here byte by byte (RFC 7296 / RFC 2408 layouts),
NAT detection hashes are computed for real, encrypted payloads are random
bytes of the size a real peer would send with AES-CBC-128 / HMAC-SHA2-256.
Output is deterministic (fixed seed, fixed timestamps). Addresses come from
the documentation ranges only. Each capture gets a .expect beside it; the
README.md there says what each one shows and why the verdicts follow.
"""
import hashlib
import os
import random
import socket
import struct
import sys

from scapy.all import IP, UDP, ICMP, Ether, IPv6, Raw, IPerror, UDPerror, fragment, wrpcap  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "pcaps", "ike-crafted")
rng = random.Random(5)

T0 = 1700000000.0

# ---------------------------------------------------------------- IKE bytes


def rnd(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def chain(payloads):
    """payloads: list of (type, body). Returns (first type, bytes)."""
    out = b""
    for i, (t, body) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        out += struct.pack("!BBH", nxt, 0, 4 + len(body)) + body
    return (payloads[0][0] if payloads else 0), out


def ike(spi_i, spi_r, ver, exch, flags, msgid, payloads):
    np, body = chain(payloads)
    hdr = spi_i + spi_r + struct.pack("!BBBBII", np, ver, exch, flags, msgid, 28 + len(body))
    return hdr + body


def v2_xform(ttype, tid, keylen=None, last=False):
    attrs = struct.pack("!HH", 0x800E, keylen) if keylen else b""
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0, tid) + attrs


def v2_prop(num, proto, xforms, spi=b"", last=True):
    body = struct.pack("!BBB B", num, proto, len(spi), len(xforms)) + spi
    for i, x in enumerate(xforms):
        body += v2_xform(*x, last=(i == len(xforms) - 1))
    return struct.pack("!BBH", 0 if last else 2, 0, 4 + len(body)) + body


IKE_SUITE = [(1, 12, 128), (3, 12), (2, 5), (4, 14)]  # AES_CBC_128/HMAC_SHA2_256_128/PRF_SHA256/MODP_2048


def v2_sa(suites):
    return b"".join(v2_prop(i + 1, 1, s, last=(i == len(suites) - 1)) for i, s in enumerate(suites))


def notify2(ntype, data=b"", proto=0, spi=b""):
    return (41, struct.pack("!BBH", proto, len(spi), ntype) + spi + data)


def natd(spi_i, spi_r, addr, port, hashfn=hashlib.sha1):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    return hashfn(spi_i + spi_r + socket.inet_pton(fam, addr) + struct.pack("!H", port)).digest()


def ike_sk(spi_i, spi_r, exch, flags, msgid, inner_type, room):
    """An IKEv2 message of one SK payload holding `room` bytes of encrypted
    payloads (padding included) after a 16-byte IV, plus a 16-byte ICV."""
    body = rnd(16 + room + 16)
    hdr = spi_i + spi_r + struct.pack("!BBBBII", 46, 0x20, exch, flags, msgid, 28 + 4 + len(body))
    return hdr + struct.pack("!BBH", inner_type, 0, 4 + len(body)) + body


I_REQ, R_RESP = 0x08, 0x20

# ---------------------------------------------------------------- packets


class Cap:
    def __init__(self, name):
        self.name = name
        self.pkts = []
        rng.seed(name)  # each capture's bytes depend only on its own name

    def add(self, t, pkt):
        pkt.time = T0 + t
        self.pkts.append(pkt)

    def udp(self, t, src, sport, dst, dport, data, natt=False):
        ipl = IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)
        if natt:
            data = b"\0\0\0\0" + data
        self.add(t, Ether() / ipl / UDP(sport=sport, dport=dport) / Raw(data))

    def esp_udp(self, t, src, sport, dst, dport, spi, seq, n=100):
        self.add(t, Ether() / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(struct.pack("!II", spi, seq) + rnd(n)))

    def esp(self, t, src, dst, spi, seq, n=100):
        if ":" in src:
            self.add(t, Ether() / IPv6(src=src, dst=dst, nh=50) / Raw(struct.pack("!II", spi, seq) + rnd(n)))
        else:
            self.add(t, Ether() / IP(src=src, dst=dst, proto=50) / Raw(struct.pack("!II", spi, seq) + rnd(n)))

    def write(self, expect_lines, comment):
        path = os.path.join(OUT, self.name + ".pcap")
        wrpcap(path, self.pkts)
        with open(os.path.join(OUT, self.name + ".expect"), "w") as f:
            for line in comment.strip().splitlines():
                f.write("# " + line.strip() + "\n")
            for line in expect_lines:
                f.write(line + "\n")


A, B = "192.0.2.10", "198.51.100.20"


def init_req(spi_i, src_addr, src_port, b, bp, group=14, cookie=None):
    """IKE_SA_INIT request with NAT detection (src_*: the initiator's own
    address and port), led by a COOKIE notify when answering a challenge."""
    z = b"\0" * 8
    return ike(spi_i, z, 0x20, 34, I_REQ, 0, ([notify2(16390, cookie)] if cookie else []) + [
        (33, v2_sa([IKE_SUITE])),
        (34, struct.pack("!HH", group, 0) + rnd(256)),
        (40, rnd(32)),
        notify2(16388, natd(spi_i, z, src_addr, src_port)),
        notify2(16389, natd(spi_i, z, b, bp)),
        notify2(16430),
    ])


def init_pair(c, t, spi_i, spi_r, a=A, ap=500, b=B, bp=500, a_real=None, a_real_port=None, group=14, cookie=None):
    """IKE_SA_INIT request and response with NAT detection. a_real: the
    initiator's own address when a NAT rewrites it before this point."""
    c.udp(t, a, ap, b, bp, init_req(spi_i, a_real or a, a_real_port or ap, b, bp, group, cookie))
    resp = ike(spi_i, spi_r, 0x20, 34, R_RESP, 0, [
        (33, v2_sa([IKE_SUITE])),
        (34, struct.pack("!HH", group, 0) + rnd(256)),
        (40, rnd(32)),
        notify2(16388, natd(spi_i, spi_r, b, bp)),
        notify2(16389, natd(spi_i, spi_r, a, ap)),
        notify2(16430),
    ])
    c.udp(t + 0.002, b, bp, a, ap, resp)


# ---------------------------------------------------------------- scenarios


def icmp_unreachable():
    c = Cap("ike-icmp-port-unreachable")
    spi = bytes.fromhex("1111222233334444")
    z = b"\0" * 8
    req = ike(spi, z, 0x20, 34, I_REQ, 0, [(33, v2_sa([IKE_SUITE])), (34, struct.pack("!HH", 14, 0) + rnd(256)),
                                            (40, rnd(32))])
    for i, t in enumerate([0.0, 4.0, 11.2]):
        c.udp(t, A, 500, B, 500, req)
        quote = IP(src=A, dst=B) / UDP(sport=500, dport=500) / Raw(req[:32])
        c.add(t + 0.001, Ether() / IP(src=B, dst=A) / ICMP(type=3, code=3) / IPerror(bytes(quote)[:60]))
    c.write(["fail ike.icmp_unreachable udp 192.0.2.10:500 -> 198.51.100.20:500"], """
        IKEv2 IKE_SA_INIT from A three times (0, 4, 11.2 s); B answers each with
        ICMP port unreachable (type 3 code 3) quoting A's UDP 500 datagram.
        note: the ICMP error is the more specific cause, so no ike.no_response.
    """)


def fragments_lost():
    c = Cap("ike-fragments-lost")
    spi_i, spi_r = bytes.fromhex("a1a2a3a4a5a6a7a8"), bytes.fromhex("b1b2b3b4b5b6b7b8")
    init_pair(c, 0.0, spi_i, spi_r)
    # IKE_AUTH with a certificate chain: 3000 bytes, on 500 (no NAT-T), sent
    # as IP fragments; only the first fragment of each copy reaches here.
    auth = ike_sk(spi_i, spi_r, 35, I_REQ, 1, 35, 2928)
    for i, t in enumerate([0.01, 4.01, 11.21, 24.17]):
        pkt = IP(src=A, dst=B, id=100 + i) / UDP(sport=500, dport=500) / Raw(auth)
        frags = fragment(pkt, fragsize=1480)
        f0 = Ether() / frags[0]
        c.add(t, f0)
    c.write(["fail ike.fragments_lost udp 192.0.2.10:500 -> 198.51.100.20:500"], """
        IKE_SA_INIT answered (frames 1-2). The 3000-byte IKE_AUTH (certificates)
        leaves as IP fragments four times (0.01, 4.01, 11.21, 24.17 s); only each
        first fragment is in the capture, no reassembled datagram and no answer.
    """)


def version_mismatch():
    c = Cap("ike-version-mismatch")
    spi = bytes.fromhex("5555666677778888")
    z = b"\0" * 8
    req = ike(spi, z, 0x20, 34, I_REQ, 0, [(33, v2_sa([IKE_SUITE])), (34, struct.pack("!HH", 14, 0) + rnd(256)),
                                            (40, rnd(32))])
    c.udp(0.0, A, 500, B, 500, req)
    # An IKEv1-only responder answers with a cleartext ISAKMP Informational
    # carrying INVALID-MAJOR-VERSION (type 5).
    n = struct.pack("!IBBH", 1, 1, 16, 5) + spi + z
    resp = ike(spi, bytes.fromhex("9999aaaabbbbcccc"), 0x10, 5, 0, 0x01020304, [(11, n)])
    c.udp(0.001, B, 500, A, 500, resp)
    c.write(["fail ike.version_mismatch udp 192.0.2.10:500 -> 198.51.100.20:500"], """
        IKEv2 IKE_SA_INIT answered by an IKEv1 (version 1.0) Informational with
        the same initiator cookie and notify INVALID-MAJOR-VERSION.
    """)


def v1_sa():
    """IKEv1 SA payload body: one proposal, one transform: AES-CBC-128,
    SHA1, PSK, DH group 14, lifetime 28800 s."""
    xf = struct.pack("!BBH", 1, 1, 0) + b"".join(struct.pack("!HH", 0x8000 | k, v) for k, v in
                                                  [(1, 7), (14, 128), (2, 2), (4, 14), (3, 1), (11, 1)]) + \
        struct.pack("!HHI", 12, 4, 28800)
    prop = struct.pack("!BBBB", 1, 1, 0, 1) + struct.pack("!BBH", 0, 0, 4 + len(xf)) + xf
    return struct.pack("!II", 1, 1) + struct.pack("!BBH", 0, 0, 4 + len(prop)) + prop


def v1_head(c, t, spi_i, spi_r, a=A, b=B, natd_ok=True):
    """IKEv1 main mode messages 1-4 (cleartext), hash SHA1, no NAT-T."""
    z = b"\0" * 8
    sa = v1_sa()
    dpd = bytes.fromhex("afcad71368a1f1c96b8696fc77570100")
    c.udp(t, a, 500, b, 500, ike(spi_i, z, 0x10, 2, 0, 0, [(1, sa), (13, dpd)]))
    c.udp(t + 0.002, b, 500, a, 500, ike(spi_i, spi_r, 0x10, 2, 0, 0, [(1, sa), (13, dpd)]))
    c.udp(t + 0.004, a, 500, b, 500, ike(spi_i, spi_r, 0x10, 2, 0, 0, [(4, rnd(256)), (10, rnd(32))]))
    c.udp(t + 0.006, b, 500, a, 500, ike(spi_i, spi_r, 0x10, 2, 0, 0, [(4, rnd(256)), (10, rnd(32))]))


def v1_enc(spi_i, spi_r, exch, msgid, n):
    return spi_i + spi_r + struct.pack("!BBBBII", 5, 0x10, exch, 1, msgid, 28 + n) + rnd(n)


def v1_tunnel(c, spi_i, spi_r, qm_id):
    """IKEv1 main mode 1-6 and one complete quick mode on UDP 500."""
    v1_head(c, 0.0, spi_i, spi_r)
    c.udp(0.010, A, 500, B, 500, v1_enc(spi_i, spi_r, 2, 0, 80))
    c.udp(0.012, B, 500, A, 500, v1_enc(spi_i, spi_r, 2, 0, 48))
    c.udp(0.020, A, 500, B, 500, v1_enc(spi_i, spi_r, 32, qm_id, 180))
    c.udp(0.022, B, 500, A, 500, v1_enc(spi_i, spi_r, 32, qm_id, 180))
    c.udp(0.024, A, 500, B, 500, v1_enc(spi_i, spi_r, 32, qm_id, 48))


def v1_auth_failed():
    c = Cap("ikev1-auth-failed")
    spi_i, spi_r = bytes.fromhex("0102030405060708"), bytes.fromhex("1112131415161718")
    v1_head(c, 0.0, spi_i, spi_r)
    c.udp(0.010, A, 500, B, 500, v1_enc(spi_i, spi_r, 2, 0, 80))
    n = struct.pack("!IBBH", 1, 1, 16, 24) + spi_i + spi_r
    c.udp(0.012, B, 500, A, 500, ike(spi_i, spi_r, 0x10, 5, 0, 0x0badcafe, [(11, n)]))
    c.write(["fail ike.auth_failed udp 192.0.2.10:500 -> 198.51.100.20:500"], """
        IKEv1 main mode 1-4, message 5 (encrypted) from A, then B sends a
        cleartext Informational with AUTHENTICATION-FAILED (24).
    """)


def v1_aggressive_invalid_key():
    """IKEv1 aggressive mode: message 1 carries its KE for MODP-2048 (group
    14); the responder refuses it in clear with INVALID-KEY-INFORMATION (17),
    as racoon-style responders do (strongSwan sends NO-PROPOSAL-CHOSEN
    instead: pcaps/ike/ikev1-aggressive-dh-mismatch)."""
    c = Cap("ikev1-aggressive-invalid-key")
    spi_i = bytes.fromhex("4142434445464748")
    z = b"\0" * 8
    sa = v1_sa()
    ident = struct.pack("!BBH", 1, 17, 500) + socket.inet_aton(A)  # ID_IPV4_ADDR, UDP 500
    msg1 = ike(spi_i, z, 0x10, 4, 0, 0, [(1, sa), (4, rnd(256)), (10, rnd(32)), (5, ident)])
    refusal = struct.pack("!IBBH", 1, 1, 16, 17) + spi_i + z
    for i, t in enumerate((0.0, 1.0)):
        c.udp(t, A, 500, B, 500, msg1)
        c.udp(t + 0.003, B, 500, A, 500, ike(spi_i, z, 0x10, 5, 0, 0x5eed0001 + i, [(11, refusal)]))
    c.write(["fail ike.dh_group_mismatch udp 192.0.2.10:500 -> 198.51.100.20:500"], """
        IKEv1 aggressive mode message 1 (SA with DH group 14, KE of 256 bytes,
        nonce, ID) sent twice, 1 s apart; each copy answered by a cleartext
        Informational (exchange 5, flags 0) with notify INVALID-KEY-INFORMATION
        (17): the responder refuses the initiator's DH group.
    """)


def v1_ts_unacceptable():
    c = Cap("ikev1-qm-invalid-id")
    spi_i, spi_r = bytes.fromhex("2122232425262728"), bytes.fromhex("3132333435363738")
    v1_head(c, 0.0, spi_i, spi_r)
    c.udp(0.010, A, 500, B, 500, v1_enc(spi_i, spi_r, 2, 0, 80))
    c.udp(0.012, B, 500, A, 500, v1_enc(spi_i, spi_r, 2, 0, 48))
    c.udp(0.020, A, 500, B, 500, v1_enc(spi_i, spi_r, 32, 0x77777777, 180))
    n = struct.pack("!IBBH", 1, 3, 4, 18) + b"\xca\xfe\x00\x01"
    c.udp(0.022, B, 500, A, 500, ike(spi_i, spi_r, 0x10, 5, 0, 0x0badf00d, [(11, n)]))
    c.write(["fail ike.ts_unacceptable udp 192.0.2.10:500 -> 198.51.100.20:500"], """
        IKEv1 phase 1 complete (main mode 1-6), quick mode message 1 from A, B
        answers with a cleartext Informational INVALID-ID-INFORMATION (18) about
        the ESP proposal: the phase 2 networks do not match.
        note: phase 1 came up but the only quick mode failed, hence no ike.ok.
    """)


def rekey_unanswered():
    c = Cap("ike-rekey-unanswered")
    spi_i, spi_r = bytes.fromhex("c1c2c3c4c5c6c7c8"), bytes.fromhex("d1d2d3d4d5d6d7d8")
    init_pair(c, 0.0, spi_i, spi_r)
    c.udp(0.004, A, 500, B, 500, ike_sk(spi_i, spi_r, 35, I_REQ, 1, 35, 224))
    c.udp(0.006, B, 500, A, 500, ike_sk(spi_i, spi_r, 35, R_RESP, 1, 36, 176))
    for k in range(10):
        c.esp(0.1 + k, A, B, 0xc0000001, k + 1)
        c.esp(0.101 + k, B, A, 0xc0000002, k + 1)
    rekey = ike_sk(spi_i, spi_r, 36, I_REQ, 2, 33, 240)
    for t in [10.5, 14.5, 21.7, 34.66]:
        c.udp(t, A, 500, B, 500, rekey)
    c.write(["fail ike.rekey_failed udp 192.0.2.10:500 -> 198.51.100.20:500"], """
        IKEv2 tunnel up (1-4), plain ESP both ways for 10 s (5-24), then A's
        CREATE_CHILD_SA request (message ID 2) is sent four times and never
        answered.
        note: B also stops sending ESP; a dead peer, but the wire only shows the
        failed rekey, so no ike.ok and no esp.* (ESP had flowed both ways).
    """)


def abandoned():
    c = Cap("ike-initiation-abandoned")
    spi_i, spi_r = bytes.fromhex("e1e2e3e4e5e6e7e8"), bytes.fromhex("f1f2f3f4f5f6f7f8")
    init_pair(c, 0.0, spi_i, spi_r)
    # Unrelated traffic keeps the capture going: a DNS query and answer
    # between the documentation hosts, 40 s later.
    c.add(40.0, Ether() / IP(src="192.0.2.53", dst="203.0.113.53") / UDP(sport=33333, dport=53) / Raw(rnd(30)))
    c.add(40.001, Ether() / IP(src="203.0.113.53", dst="192.0.2.53") / UDP(sport=53, dport=33333) / Raw(rnd(60)))
    c.write(["warn ike.initiation_abandoned udp 192.0.2.10:500 -> 198.51.100.20:500"], """
        IKE_SA_INIT answered successfully (frames 1-2), then A never sends
        IKE_AUTH nor retries; the capture runs 40 s more (DNS in frames 3-4).
    """)


def esp_missing():
    c = Cap("esp-missing-plain")
    spi_i, spi_r = bytes.fromhex("4142434445464748"), bytes.fromhex("5152535455565758")
    v1_tunnel(c, spi_i, spi_r, 0x12345678)
    for k in range(8):
        c.esp(0.5 + k, A, B, 0xaa000001, k + 1)
    c.write(["ok ike.ok udp 192.0.2.10:500 -> 198.51.100.20:500",
             "fail esp.missing esp 192.0.2.10:0 -> 198.51.100.20:0"], """
        IKEv1 main mode and quick mode complete on UDP 500 (no NAT-T), then A
        sends eight plain ESP packets (IP protocol 50, SPI 0xaa000001) over 7 s
        and no ESP at all comes back from B.
        note: the IKE SA is healthy (ike.ok); plain ESP that never comes back is
        esp.missing (forcing UDP encapsulation is the fix), not esp.one_way.
    """)


def v1_dpd_failed():
    c = Cap("ikev1-dpd-failed")
    spi_i, spi_r = bytes.fromhex("a9a8a7a6a5a4a3a2"), bytes.fromhex("b9b8b7b6b5b4b3b2")
    v1_tunnel(c, spi_i, spi_r, 0x23456789)
    for k in range(5):
        c.esp(0.5 + k, A, B, 0xdd000001, k + 1)
        c.esp(0.501 + k, B, A, 0xdd000002, k + 1)
    # B goes silent; A's R-U-THERE every 5 s, each a new encrypted
    # Informational (new message ID), none answered.
    for k, t in enumerate([15.0, 20.0, 25.0, 30.0, 35.0]):
        c.udp(t, A, 500, B, 500, v1_enc(spi_i, spi_r, 5, 0x40000000 + k, 76))
    c.write(["fail ike.dpd_failed udp 192.0.2.10:500 -> 198.51.100.20:500"], """
        IKEv1 main and quick mode complete, plain ESP both ways for 5 s, then B
        falls silent: A sends five encrypted Informationals (its R-U-THERE
        probes) at 15-35 s with nothing back.
        note: ESP had flowed both ways, so no esp.* verdict; DPD failed replaces
        ike.ok.
    """)


def nat_outside_ok():
    c = Cap("ike-nat-outside-ok")
    spi_i, spi_r = bytes.fromhex("6162636465666768"), bytes.fromhex("7172737475767778")
    pub, pp, npp = "203.0.113.5", 1024, 1025
    init_pair(c, 0.0, spi_i, spi_r, a=pub, ap=pp, a_real="192.0.2.10", a_real_port=500)
    c.udp(0.004, pub, npp, B, 4500, ike_sk(spi_i, spi_r, 35, I_REQ, 1, 35, 224), natt=True)
    c.udp(0.006, B, 4500, pub, npp, ike_sk(spi_i, spi_r, 35, R_RESP, 1, 36, 176), natt=True)
    for k in range(5):
        c.esp_udp(0.1 + k, pub, npp, B, 4500, 0xbb000001, k + 1)
        c.esp_udp(0.101 + k, B, 4500, pub, npp, 0xbb000002, k + 1)
    c.add(5.5, Ether() / IP(src=pub, dst=B) / UDP(sport=npp, dport=4500) / Raw(b"\xff"))
    c.write(["ok ike.ok udp 203.0.113.5:1024 -> 198.51.100.20:500"], """
        Captured outside A's NAT: A (192.0.2.10:500 inside) appears as
        203.0.113.5:1024, its NAT_DETECTION_SOURCE_IP hashes the inside address,
        so the NAT is detected; IKE_AUTH moves to 4500 (source 1025), ESP-in-UDP
        both ways, one NAT-T keepalive (0xff).
    """)


def auth_and_esp(c, t, a, b, spi_i, spi_r, esp_spi):
    """IKE_AUTH request and answer at t, then plain ESP both ways from 0.1 s,
    4 packets each (SPIs esp_spi from a, esp_spi + 1 from b)."""
    c.udp(t, a, 500, b, 500, ike_sk(spi_i, spi_r, 35, I_REQ, 1, 35, 240))
    c.udp(t + 0.002, b, 500, a, 500, ike_sk(spi_i, spi_r, 35, R_RESP, 1, 36, 208))
    for k in range(4):
        c.esp(0.1 + k, a, b, esp_spi, k + 1)
        c.esp(0.101 + k, b, a, esp_spi + 1, k + 1)


def v6_ok():
    c = Cap("ike-ipv6-ok")
    a6, b6 = "2001:db8:1::10", "2001:db8:2::20"
    spi_i, spi_r = bytes.fromhex("8182838485868788"), bytes.fromhex("9192939495969798")
    init_pair(c, 0.0, spi_i, spi_r, a=a6, b=b6)
    auth_and_esp(c, 0.004, a6, b6, spi_i, spi_r, 0xcc000001)
    c.write(["ok ike.ok udp [2001:db8:1::10]:500 -> [2001:db8:2::20]:500"], """
        IKEv2 over IPv6 without NAT, plain ESP both ways.
    """)


def cookie_ok():
    """A responder under load answers the first IKE_SA_INIT with a COOKIE
    challenge (RFC 7296 2.6); the initiator repeats it with the cookie and
    the tunnel comes up: a healthy exchange."""
    c = Cap("ike-cookie-ok")
    spi_i, spi_r = bytes.fromhex("a1a2a3a4a5a6a7a8"), bytes.fromhex("b1b2b3b4b5b6b7b8")
    cookie = rnd(32)
    c.udp(0.0, A, 500, B, 500, init_req(spi_i, A, 500, B, 500))
    c.udp(0.001, B, 500, A, 500, ike(spi_i, b"\0" * 8, 0x20, 34, R_RESP, 0, [notify2(16390, cookie)]))
    init_pair(c, 0.003, spi_i, spi_r, cookie=cookie)
    auth_and_esp(c, 0.008, A, B, spi_i, spi_r, 0xdd000001)
    c.write(["ok ike.ok udp 192.0.2.10:500 -> 198.51.100.20:500"], """
        IKEv2 IKE_SA_INIT answered by a COOKIE challenge (notify 16390, responder
        SPI zero); the same request again led by the COOKIE notify is answered
        normally; IKE_AUTH pair; plain ESP both ways, 4 each.
        note: a COOKIE challenge is not a failure: ike.ok alone.
    """)


def main():
    os.makedirs(OUT, exist_ok=True)
    for fn in (icmp_unreachable, fragments_lost, version_mismatch, v1_auth_failed, v1_ts_unacceptable,
               rekey_unanswered, abandoned, esp_missing, v1_dpd_failed, nat_outside_ok, v6_ok,
               v1_aggressive_invalid_key, cookie_ok):
        fn()
    print("wrote captures to", OUT)


if __name__ == "__main__":
    main()
