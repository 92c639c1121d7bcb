#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen-link.py - craft the link-layer regression captures of pcaps/link/
and the damaged-input captures of pcaps/bad/.

Run with Debian's python3 (it has scapy):
    /usr/bin/python3 tests/gen/gen-link.py [REPO_DIR]

Every capture carries the same small story so that each one proves a link
layer end to end, from the frame header to a verdict:

  * 192.0.2.10:40000 -> 198.51.100.20:22   SYN answered by RST/ACK (refused)
  * 192.0.2.10:40001 -> 198.51.100.20:80   handshake, a request, an answer,
                                           the server closes first, both FINs
                                           acknowledged (a clean connection)
  * 192.0.2.10:40005 -> 198.51.100.20:22   an SSH server over MaxStartups:
                                           after the client's identification
                                           it sends "Exceeded MaxStartups"
                                           and closes (the verdict needs the
                                           reassembled stream: libnids for
                                           IPv4, our own for IPv6)

IPv6 captures use 2001:db8:1::10 and 2001:db8:2::20 with the same ports.
Headers scapy does not build the way pfSense or Linux write them (pflog,
enc, nflog, SLL2, BSD loopback in either byte order) are packed by hand
below. The pcap writer is ours too, so the byte order of the file header and
the link type number are exactly what we ask for. Output is byte-for-byte
deterministic: fixed timestamps, fixed sequence numbers, no randomness.
"""

import os
import struct
import sys

from scapy.all import IP, IPv6, TCP, UDP, Raw, IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt
from scapy.layers.inet6 import RouterAlert, PadN

T0 = 1700000000  # 2023-11-14 22:13:20 UTC, whole seconds

CLI4, SRV4 = "192.0.2.10", "198.51.100.20"
CPORT_SSH = 40005
CLI6, SRV6 = "2001:db8:1::10", "2001:db8:2::20"

MAC_CLI = bytes.fromhex("02000000000a")
MAC_GW = bytes.fromhex("020000000001")

# ---------------------------------------------------------------- pcap files


def write_pcap(path, linktype, frames, big_endian=False, snaplen=262144):
    """frames: list of (time_seconds_float, bytes[, wire_len])."""
    e = ">" if big_endian else "<"
    with open(path, "wb") as f:
        f.write(struct.pack(e + "IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        for fr in frames:
            t, data = fr[0], fr[1]
            wire = fr[2] if len(fr) > 2 else len(data)
            usec_total = int(round(t * 1000000))
            sec, usec = divmod(usec_total, 1000000)
            f.write(struct.pack(e + "IIII", sec, usec, len(data), wire))
            f.write(data)


def read_pcap(path):
    """Minimal reader for our own little-endian, microsecond pcap files."""
    with open(path, "rb") as f:
        blob = f.read()
    magic, _, _, _, _, snaplen, linktype = struct.unpack_from("<IHHiIII", blob, 0)
    if magic != 0xA1B2C3D4:
        raise SystemExit(f"{path}: not a little-endian microsecond pcap")
    off, out = 24, []
    while off + 16 <= len(blob):
        sec, usec, incl, orig = struct.unpack_from("<IIII", blob, off)
        off += 16
        out.append((sec + usec / 1e6, blob[off:off + incl], orig))
        off += incl
    return linktype, snaplen, out


# ------------------------------------------------------------ the TCP story

C2S, S2C = 0, 1


def tcp_story(v6=False, cport_refused=40000, cport_ok=40001, start=0.0, with_ssh=True):
    """The connections as (time, direction, IP packet bytes)."""
    cli, srv = (CLI6, SRV6) if v6 else (CLI4, SRV4)

    def ip(src, dst):
        return IPv6(src=src, dst=dst, hlim=64) if v6 else IP(src=src, dst=dst, ttl=64, id=0x1000, flags="DF")

    def seg(t, d, **kw):
        payload = kw.pop("load", None)
        src, dst, win = (cli, srv, 64240) if d == C2S else (srv, cli, 65160)
        p = ip(src, dst) / TCP(window=win, **kw)
        if payload:
            p = p / Raw(payload)
        return (start + t, d, p)

    def c2s(t, **kw):
        return seg(t, C2S, **kw)

    def s2c(t, **kw):
        return seg(t, S2C, **kw)

    syn_opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1000, 0)), ("NOP", None), ("WScale", 7)]
    synack_opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (2000, 1000)), ("NOP", None), ("WScale", 7)]
    req = b"GET / HTTP/1.0\r\n\r\n"
    resp = b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"
    a, b = 5000, 9000  # initial sequence numbers of the clean connection
    cr, sr = cport_refused, cport_ok
    pkts = [
        # refused: SYN, RST/ACK acknowledging it
        c2s(0.000000, sport=cr, dport=22, flags="S", seq=1000, options=syn_opts),
        s2c(0.000400, sport=22, dport=cr, flags="RA", seq=0, ack=1001),
        # clean connection to port 80
        c2s(1.000000, sport=sr, dport=80, flags="S", seq=a, options=syn_opts),
        s2c(1.000500, sport=80, dport=sr, flags="SA", seq=b, ack=a + 1, options=synack_opts),
        c2s(1.001000, sport=sr, dport=80, flags="A", seq=a + 1, ack=b + 1),
        c2s(1.002000, sport=sr, dport=80, flags="PA", seq=a + 1, ack=b + 1, load=req),
        s2c(1.002500, sport=80, dport=sr, flags="A", seq=b + 1, ack=a + 1 + len(req)),
        s2c(1.003000, sport=80, dport=sr, flags="PA", seq=b + 1, ack=a + 1 + len(req), load=resp),
        s2c(1.003100, sport=80, dport=sr, flags="FA", seq=b + 1 + len(resp), ack=a + 1 + len(req)),
        c2s(1.003600, sport=sr, dport=80, flags="A", seq=a + 1 + len(req), ack=b + 2 + len(resp)),
        c2s(1.004000, sport=sr, dport=80, flags="FA", seq=a + 1 + len(req), ack=b + 2 + len(resp)),
        s2c(1.004500, sport=80, dport=sr, flags="A", seq=b + 2 + len(resp), ack=a + 2 + len(req)),
    ]
    if with_ssh:
        # an SSH server over its MaxStartups limit: it accepts, reads the
        # client's identification, answers with a text line instead of its
        # own and closes; only the reassembled stream shows what it said
        c, s, cs = 6000, 8000, CPORT_SSH
        ident = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
        text = b"Exceeded MaxStartups\r\n"
        pkts += [
            c2s(3.000000, sport=cs, dport=22, flags="S", seq=c, options=syn_opts),
            s2c(3.000400, sport=22, dport=cs, flags="SA", seq=s, ack=c + 1, options=synack_opts),
            c2s(3.000800, sport=cs, dport=22, flags="A", seq=c + 1, ack=s + 1),
            c2s(3.001000, sport=cs, dport=22, flags="PA", seq=c + 1, ack=s + 1, load=ident),
            s2c(3.001500, sport=22, dport=cs, flags="PA", seq=s + 1, ack=c + 1 + len(ident), load=text),
            s2c(3.001600, sport=22, dport=cs, flags="FA", seq=s + 1 + len(text), ack=c + 1 + len(ident)),
            c2s(3.001900, sport=cs, dport=22, flags="A", seq=c + 1 + len(ident), ack=s + 2 + len(text)),
            c2s(3.002200, sport=cs, dport=22, flags="FA", seq=c + 1 + len(ident), ack=s + 2 + len(text)),
            s2c(3.002600, sport=22, dport=cs, flags="A", seq=s + 2 + len(text), ack=c + 2 + len(ident)),
        ]
    return [(t, d, bytes(p)) for (t, d, p) in pkts]


def refused_only(v6, cport, start):
    """Just the refused SYN and its RST (an extra flow in some captures)."""
    return tcp_story(v6=v6, cport_refused=cport, start=start, with_ssh=False)[:2]


# ------------------------------------------------------------ link headers


def ethertype_of(ip_bytes):
    return 0x86DD if ip_bytes[0] >> 4 == 6 else 0x0800


def eth(d, ipb, tags=()):
    dst, src = (MAC_GW, MAC_CLI) if d == C2S else (MAC_CLI, MAC_GW)
    hdr = dst + src
    for tpid, vid in tags:
        hdr += struct.pack(">HH", tpid, vid)
    return hdr + struct.pack(">H", ethertype_of(ipb)) + ipb


def pppoe(d, ipb):
    dst, src = (MAC_GW, MAC_CLI) if d == C2S else (MAC_CLI, MAC_GW)
    proto = 0x0057 if ipb[0] >> 4 == 6 else 0x0021
    ppp = struct.pack(">H", proto) + ipb
    # version 1 / type 1, code 0 (session data), session id, payload length
    return dst + src + struct.pack(">HBBHH", 0x8864, 0x11, 0x00, 0x2A17, len(ppp)) + ppp


def sll(d, ipb):
    # packet type: 0 = addressed to this host (from the client), 4 = sent by it
    ptype = 0 if d == C2S else 4
    src = MAC_CLI if d == C2S else MAC_GW
    return struct.pack(">HHH", ptype, 1, 6) + src + b"\0\0" + struct.pack(">H", ethertype_of(ipb)) + ipb


def sll2(d, ipb):
    ptype = 0 if d == C2S else 4
    src = MAC_CLI if d == C2S else MAC_GW
    # protocol, reserved, interface index, ARPHRD_ETHER, packet type, address length, address (8)
    return struct.pack(">HHIHBB", ethertype_of(ipb), 0, 3, 1, ptype, 6) + src + b"\0\0" + ipb


def null_hdr(ipb, big_endian, af6):
    af = af6 if ipb[0] >> 4 == 6 else 2
    return struct.pack(">I" if big_endian else "<I", af) + ipb


# pfSense (FreeBSD 12+) struct pfloghdr: length 69 (up to pad2), padded to 72.
PF_PASS, PF_DROP = 0, 1
PF_IN, PF_OUT = 1, 2


def pflog(ipb, action, rulenr, direction, ifname=b"em1", reason=0):
    af = 28 if ipb[0] >> 4 == 6 else 2  # FreeBSD AF_INET6 is 28
    hdr = struct.pack(">BBBB", 69, af, action, reason)
    hdr += ifname.ljust(16, b"\0") + b"".ljust(16, b"\0")  # interface, ruleset (main: empty)
    hdr += struct.pack(">II", rulenr, 0xFFFFFFFF)  # rule number, subrule (none)
    hdr += struct.pack(">IIII", 0xFFFFFFFF, 0xFFFFFFFF, 0, 0)  # uid, pid unknown; rule uid/pid
    hdr += struct.pack(">B3sIB3s", direction, b"\0\0\0", 0, 0, b"\0\0\0")  # dir, pad, ridentifier, reserve, pad2
    assert len(hdr) == 72
    return hdr + ipb


def enc(ipb, spi):
    af = 24 if ipb[0] >> 4 == 6 else 2
    # struct enchdr: af and flags in the host's order (amd64: little), SPI in network order
    return struct.pack("<I", af) + struct.pack(">I", spi) + struct.pack("<I", 0) + ipb


def nflog_tlv(ttype, value):
    length = 4 + len(value)
    pad = (-length) % 4
    return struct.pack("<HH", length, ttype) + value + b"\0" * pad


def nflog(ipb, group=5):
    fam = 10 if ipb[0] >> 4 == 6 else 2
    hdr = struct.pack(">BBH", fam, 0, group)
    tlvs = nflog_tlv(1, struct.pack(">HBB", ethertype_of(ipb), 2, 0))  # NFULA_PACKET_HDR: proto, hook FORWARD
    tlvs += nflog_tlv(10, b"shakedown-fwd\0")  # NFULA_PREFIX
    tlvs += nflog_tlv(9, ipb)  # NFULA_PAYLOAD
    return hdr + tlvs


def ppp_proto(ipb):
    return struct.pack(">H", 0x0057 if ipb[0] >> 4 == 6 else 0x0021)


def ppp_hdlc(ipb):
    # address 0xff, control 0x03, then the PPP protocol (RFC 1662)
    return b"\xff\x03" + ppp_proto(ipb) + ipb


def chdlc(ipb):
    # Cisco HDLC: unicast address 0x0f, control 0, Ethertype
    return struct.pack(">BBH", 0x0F, 0x00, ethertype_of(ipb)) + ipb


def with_dir(d, frame):
    # PPP_WITH_DIR: one byte, 0 = received, 1 = sent
    return bytes([0 if d == C2S else 1]) + frame


def ppp_ether(ipb):
    ppp = ppp_proto(ipb) + ipb
    return struct.pack(">BBHH", 0x11, 0x00, 0x2A17, len(ppp)) + ppp


def llc_snap(ipb):
    return b"\xaa\xaa\x03\x00\x00\x00" + struct.pack(">H", ethertype_of(ipb)) + ipb


def wlan(d, ipb, qos=False):
    # an unprotected data frame between a station and its access point
    # (to-DS from the client, from-DS to it), then LLC/SNAP
    bssid = bytes.fromhex("0200000000ff")
    if d == C2S:
        fc1, a1, a2, a3 = 0x01, bssid, MAC_CLI, MAC_GW
    else:
        fc1, a1, a2, a3 = 0x02, MAC_CLI, bssid, MAC_GW
    fc0 = 0x88 if qos else 0x08  # type data, subtype QoS data or data
    hdr = struct.pack("<BBH", fc0, fc1, 0) + a1 + a2 + a3 + struct.pack("<H", 0)
    if qos:
        hdr += struct.pack("<H", 0)
    return hdr + llc_snap(ipb)


def radiotap(d, ipb):
    # the smallest radiotap header: version 0, length 8, no fields present
    return struct.pack("<BBHI", 0, 0, 8, 0) + wlan(d, ipb, qos=True)


def ipnet(d, ipb):
    # Solaris ipnet: version 1, family (2 or 26), htype, packet length,
    # interface index, group interface index, source and destination zones
    fam = 26 if ipb[0] >> 4 == 6 else 2
    htype = 1 if d == C2S else 2  # IPNET_HTYPE: outbound / inbound
    return struct.pack(">BBHIIIII", 1, fam, htype, len(ipb), 2, 0, 0, 0) + ipb


def ipoib(ipb):
    # RFC 4391 section 6: Ethertype and 2 reserved bytes, after the 40-byte
    # InfiniBand global route header Linux captures carry (IP version 6 in
    # its first nibble, source and destination GIDs; as Wireshark reads the
    # link type)
    grh = struct.pack(">IHBB", 0x60000000, len(ipb) + 4, 0x1B, 64)
    grh += bytes.fromhex("fe800000000000000002c9030000000a") + bytes.fromhex("fe800000000000000002c90300000014")
    return grh + struct.pack(">HH", ethertype_of(ipb), 0) + ipb


def pktap(d, ipb):
    # Apple pktap (host order, little-endian): header length, record type
    # 1 (packet), inner link type 1 (Ethernet), interface name; the rest of
    # the 108-byte header (flags, process info) left zero
    hdr = struct.pack("<III", 108, 1, 1) + b"en0".ljust(24, b"\0")
    hdr = hdr.ljust(108, b"\0")
    return hdr + eth(d, ipb)


# ------------------------------------------------------------ captures


def frames_of(story, wrap):
    return [(T0 + t, wrap(d, ipb)) for (t, d, ipb) in story]


def gen_link(out):
    v4 = tcp_story()
    v6 = tcp_story(v6=True)
    extra6 = refused_only(True, 40002, 2.0)  # an IPv6 flow for the BSD loopback captures

    caps = {
        "eth": (1, frames_of(v4, eth), False),
        "vlan": (1, frames_of(v4, lambda d, b: eth(d, b, [(0x8100, 100)])), False),
        "qinq": (1, frames_of(v4, lambda d, b: eth(d, b, [(0x88A8, 200), (0x8100, 100)])), False),
        "pppoe": (1, frames_of(v4, pppoe), False),
        "sll": (113, frames_of(v4, sll), False),
        "sll2": (276, frames_of(v4, sll2), False),
        "raw": (101, frames_of(v4, lambda d, b: b), False),
        "ipv4": (228, frames_of(v4, lambda d, b: b), False),
        "ipv6": (229, frames_of(v6, lambda d, b: b), False),
        # NULL: the address family in the capturing host's byte order; the
        # big-endian one is also a big-endian file, as such a host writes it
        "null-le": (0, frames_of(v4 + extra6, lambda d, b: null_hdr(b, False, 30)), False),
        "null-be": (0, frames_of(v4 + extra6, lambda d, b: null_hdr(b, True, 28)), True),
        # LOOP: always network order (OpenBSD, AF_INET6 = 24)
        "loop": (108, frames_of(v4 + extra6, lambda d, b: null_hdr(b, True, 24)), False),
        "enc": (109, frames_of(v4, lambda d, b: enc(b, 0xC1A0F001 if d == C2S else 0xC1A0F002)), False),
        "nflog": (239, frames_of(v4, lambda d, b: nflog(b)), False),
        "ppp": (9, frames_of(v4, lambda d, b: ppp_hdlc(b)), False),
        "ppp-hdlc": (50, frames_of(v4, lambda d, b: ppp_hdlc(b)), False),
        "ppp-ether": (51, frames_of(v4, lambda d, b: ppp_ether(b)), False),
        "ppp-dir": (204, frames_of(v4, lambda d, b: with_dir(d, ppp_hdlc(b))), False),
        "chdlc": (104, frames_of(v4, lambda d, b: chdlc(b)), False),
        "atm-rfc1483": (100, frames_of(v4, lambda d, b: llc_snap(b)), False),
        "wlan": (105, frames_of(v4, wlan), False),
        "radiotap": (127, frames_of(v4, radiotap), False),
        "ipnet": (226, frames_of(v4, ipnet), False),
        "ipoib": (242, frames_of(v4, lambda d, b: ipoib(b)), False),
        "pktap": (258, frames_of(v4, pktap), False),
    }

    # pflog: the two connections logged by a pass rule with "log (all)" on
    # em1 (rule 5: inbound from the client, outbound replies), plus a SYN to
    # port 443 blocked and logged by rule 12 three times (client retries).
    pf = [(T0 + t, pflog(b, PF_PASS, 5, PF_IN if d == C2S else PF_OUT)) for (t, d, b) in v4]
    blocked = IP(src=CLI4, dst=SRV4, ttl=64, id=0x2000, flags="DF") / TCP(
        sport=40002, dport=443, flags="S", seq=7000, window=64240, options=[("MSS", 1460)])
    for t in (2.0, 3.0, 5.0):
        pf.append((T0 + t, pflog(bytes(blocked), PF_DROP, 12, PF_IN)))
    caps["pflog"] = (117, pf, False)

    # IPv6 with a hop-by-hop (router alert) and a destination options header
    # before every TCP segment, over Ethernet.
    def with_ext(d, b):
        p = IPv6(b)
        tcp = p[TCP]
        del tcp.chksum
        q = IPv6(src=p.src, dst=p.dst, hlim=p.hlim) / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) / \
            IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0\0\0")]) / tcp
        return eth(d, bytes(q))
    caps["ipv6-ext"] = (1, frames_of(v6, with_ext), False)

    caps["frag"] = (1, gen_frag(), False)

    os.makedirs(out, exist_ok=True)
    for name, (lt, frames, be) in sorted(caps.items()):
        frames.sort(key=lambda fr: fr[0])
        write_pcap(os.path.join(out, name + ".pcap"), lt, frames, big_endian=be)


def fragment(ipb, sizes, ident):
    """Split an IPv4 datagram's payload into fragments of the given sizes
    (multiples of 8 except the last) and return the fragments' bytes."""
    p = IP(ipb)
    payload = bytes(p.payload)
    out, off = [], 0
    for i, n in enumerate(sizes):
        last = i == len(sizes) - 1
        chunk = payload[off:] if last else payload[off:off + n]
        f = IP(src=p.src, dst=p.dst, ttl=p.ttl, id=ident, proto=p.proto, frag=off // 8,
               flags=0 if last else "MF") / Raw(chunk)
        out.append(bytes(f))
        off += len(chunk)
    return out


def gen_frag():
    """IPv4 fragments over Ethernet: a UDP datagram of 1800 payload bytes in
    two fragments and its answer in three fragments delivered last-first; a
    SYN whose first fragment holds only 8 bytes of the TCP header (ports and
    sequence number; the flags are in the second fragment), refused; the
    clean connection, unfragmented; and a second refused SYN whose options
    straddle the two fragments."""
    frames = []
    q = bytes(IP(src=CLI4, dst=SRV4, ttl=64) / UDP(sport=40010, dport=7) / Raw(bytes(range(256)) * 7 + b"x" * 8))
    for i, fr in enumerate(fragment(q, [1480, 0], 0x3001)):
        frames.append((T0 + 0.0 + i * 0.00001, eth(C2S, fr)))
    r = bytes(IP(src=SRV4, dst=CLI4, ttl=64) / UDP(sport=7, dport=40010) / Raw(bytes(range(256)) * 7 + b"x" * 8))
    rf = fragment(r, [800, 800, 0], 0x4001)
    for i, fr in enumerate(reversed(rf)):
        frames.append((T0 + 0.0005 + i * 0.00001, eth(S2C, fr)))
    syn = bytes(IP(src=CLI4, dst=SRV4, ttl=64) /
                TCP(sport=40000, dport=22, flags="S", seq=1000, window=64240, options=[("MSS", 1460)]))
    for i, fr in enumerate(fragment(syn, [8, 0], 0x3002)):
        frames.append((T0 + 2.0 + i * 0.00001, eth(C2S, fr)))
    rst = bytes(IP(src=SRV4, dst=CLI4, ttl=64) / TCP(sport=22, dport=40000, flags="RA", seq=0, ack=1001))
    frames.append((T0 + 2.0004, eth(S2C, rst)))
    story = tcp_story(start=2.0, with_ssh=False)[2:]  # the clean connection, at 3.0 s
    frames += frames_of(story, eth)
    # a SYN with 20 bytes of options cut after 24 bytes: the fixed TCP
    # header is whole in the first fragment, the options end in the second
    syn2 = bytes(IP(src=CLI4, dst=SRV4, ttl=64) /
                 TCP(sport=40003, dport=22, flags="S", seq=3000, window=64240,
                     options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1000, 0)), ("NOP", None), ("WScale", 7)]))
    for i, fr in enumerate(fragment(syn2, [24, 0], 0x3003)):
        frames.append((T0 + 4.0 + i * 0.00001, eth(C2S, fr)))
    rst2 = bytes(IP(src=SRV4, dst=CLI4, ttl=64) / TCP(sport=22, dport=40003, flags="RA", seq=0, ack=3001))
    frames.append((T0 + 4.0004, eth(S2C, rst2)))
    return frames


def gen_bad(repo, out):
    os.makedirs(out, exist_ok=True)
    # truncated: the clean connection, the refused one, then a third SYN
    # (port 40003 -> 443) cut in the middle of its IP header: the file ends
    # 30 bytes into that record's 58-byte frame.
    v4 = tcp_story(with_ssh=False)
    frames = frames_of(v4, eth)
    syn = bytes(IP(src=CLI4, dst=SRV4, ttl=64, id=0x1000, flags="DF") /
                TCP(sport=40003, dport=443, flags="S", seq=3000, window=64240, options=[("MSS", 1460)]))
    frames.append((T0 + 2.0, eth(C2S, syn)))
    path = os.path.join(out, "truncated.pcap")
    write_pcap(path, 1, frames)
    with open(path, "rb") as f:
        blob = f.read()
    cut = len(blob) - len(eth(C2S, syn)) + 30
    with open(path, "wb") as f:
        f.write(blob[:cut])

    # snaplen: the real ssh-ok session of pcaps/ssh, every frame cut to 64
    # bytes (Ethernet 14 + IPv4 20 + TCP 30 of its 32-byte header), as
    # tcpdump -s 64 would have stored it. The file header says snaplen 64.
    src = os.path.join(repo, "pcaps", "ssh", "ssh-ok.pcap")
    lt, _, recs = read_pcap(src)
    write_pcap(os.path.join(out, "ssh-snaplen-64.pcap"), lt, [(t, d[:64], w) for (t, d, w) in recs], snaplen=64)


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    gen_link(os.path.join(repo, "pcaps", "link"))
    gen_bad(repo, os.path.join(repo, "pcaps", "bad"))


if __name__ == "__main__":
    main()
