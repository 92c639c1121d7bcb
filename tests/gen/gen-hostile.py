#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen-hostile.py - craft the captures of tests/hostile/: hostile bytes in
every string shakedown reads off the wire. These are CRAFTED captures, no
real traffic: they exist so that tests/scripts/test-hostile-bytes.sh can
check that no control byte, C1 control or invalid UTF-8 reaches the
terminal (text report) or the JSON Lines output.

Run with any python3 (IP and TCP headers are packed here, no scapy):
    python3 tests/gen/gen-hostile.py [REPO_DIR]

Each byte pattern of PATTERNS goes, one pattern per TCP connection, into:

  ssh-nocommon.pcap  client and server identification strings, every name
                     of the KEX name-lists (which share no algorithm, so
                     ssh.no_common_algorithm quotes both lists in its
                     summary and in client_list/server_list), and the text
                     of the server's DISCONNECT
  ssh-hostkey.pcap   a complete handshake whose negotiated algorithm names
                     (kex, host key, cipher, MAC) and the host-key type in
                     the server's ECDH_REPLY carry the pattern (ssh.ok)
  ssh-foreign.pcap   an HTTP status line where the server's SSH
                     identification should be (quoted in the verdict)
  pflog.pcap         the 16-byte interface name (and ruleset) of pflog
                     headers on SYNs that pf blocked (tcp.syn_unanswered
                     with pf_interface)

The file-name case (ESC and newline in the capture's name) is made by the
test script itself, by copying one of these to such a name. Output is
deterministic: fixed times, sequence numbers and cookies.
"""

import os
import socket
import struct
import sys

T0 = 1700000000
CLI, SRV = "192.0.2.10", "198.51.100.20"

PATTERNS = [
    b"\x1b]52;c;SGVsbG8=\x07",        # OSC 52: write the clipboard
    b"\x1b]0;pwned\x07",              # OSC 0: retitle the window
    b"\x1b[2J",                       # clear the screen
    b"\x07",                          # BEL
    b"\x08\x08\x08",                  # BS
    b"\r\nFAIL forged.verdict tcp 203.0.113.1:1 -> 203.0.113.2:2\r\n",
    b"\x9b",                          # raw 8-bit CSI
    b"\xc2\x9b",                      # U+009B in UTF-8 (C1 CSI)
    b"\xc2\x9d",                      # U+009D in UTF-8 (C1 OSC)
    b"\xe0\x80\x80",                  # overlong
    b"\xed\xa0\x80",                  # UTF-16 surrogate
    b"\xf4\x90\x80\x80",              # above U+10FFFF
    b"\xe2\x82",                      # truncated sequence
    b"\x00",                          # NUL
    b"\x7f",                          # DEL
    b"\xe2\x80\xae",                  # U+202E right-to-left override
]


def write_pcap(path, linktype, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for t, data in frames:
            usec_total = int(round(t * 1000000))
            sec, usec = divmod(usec_total, 1000000)
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
            f.write(data)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


TCP_FLAGS = {"F": 1, "S": 2, "R": 4, "P": 8, "A": 16}


def ip_tcp(src, dst, sport, dport, seq, ack, flags, data=b""):
    """An IPv4 packet carrying one TCP segment, checksums right."""
    fl = sum(TCP_FLAGS[c] for c in flags)
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, fl, 64240, 0, 0) + data
    tcp = tcp[:16] + struct.pack("!H", csum(s + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def eth(ipb):
    return bytes.fromhex("020000000001") + bytes.fromhex("02000000000a") + b"\x08\x00" + ipb


class Conn:
    """One TCP connection written segment by segment."""

    def __init__(self, cport, t):
        self.cport, self.t = cport, t
        self.seq = {0: 1000, 1: 5000}
        self.frames = []

    def seg(self, d, flags, data=b"", dt=0.01):
        self.t += dt
        src, dst = (CLI, SRV) if d == 0 else (SRV, CLI)
        sp, dp = (self.cport, 22) if d == 0 else (22, self.cport)
        ack = self.seq[1 - d] if "A" in flags else 0
        self.frames.append((self.t, eth(ip_tcp(src, dst, sp, dp, self.seq[d], ack, flags, data))))
        self.seq[d] += len(data) + (1 if ("S" in flags or "F" in flags) else 0)

    def handshake(self):
        self.seg(0, "S")
        self.seg(1, "SA")
        self.seg(0, "A")

    def close(self):
        self.seg(1, "FA")
        self.seg(0, "FA")
        self.seg(1, "A")


def sshstr(b):
    return struct.pack(">I", len(b)) + b


def packet(payload):
    """An unencrypted SSH binary packet (RFC 4253 section 6)."""
    pad = 8 - (len(payload) + 5) % 8
    if pad < 4:
        pad += 8
    return struct.pack(">IB", len(payload) + pad + 1, pad) + payload + b"\0" * pad


def kexinit(lists):
    body = bytes([20]) + bytes(range(16))
    for l in lists:
        body += sshstr(l)
    return packet(body + b"\0" + b"\0\0\0\0")


def std_lists(kex, hostkey, cipher, mac):
    return [kex, hostkey, cipher, cipher, mac, mac, b"none", b"none", b"", b""]


def per_pattern(path, base_port, story):
    """One SSH connection per pattern, 10 s apart, story(conn, pattern)
    writing its middle; handshake and close around it."""
    frames = []
    for i, p in enumerate(PATTERNS):
        c = Conn(base_port + i, T0 + 10 * i)
        c.handshake()
        story(c, p)
        c.close()
        frames += c.frames
    write_pcap(path, 1, frames)


def gen_nocommon(out):
    def story(c, p):
        # an identification line ends at LF: the CR LF pattern goes in as
        # a lone CR followed by the forged line
        q = p.replace(b"\n", b"")
        c.seg(0, "PA", b"SSH-2.0-Cli" + q + b"x\r\n")
        c.seg(1, "PA", b"SSH-2.0-Srv" + q + b"y\r\n")
        common = (b"ssh-ed25519", b"aes128-ctr", b"hmac-sha2-256")
        c.seg(1, "PA", kexinit(std_lists(b"srv" + p + b"kex,other-srv" + p, *common)))
        c.seg(0, "PA", kexinit(std_lists(b"cli" + p + b"kex,other-cli" + p, *common)))
        c.seg(1, "PA", packet(bytes([1]) + struct.pack(">I", 3) + sshstr(b"bye" + p + b"z") + sshstr(b"")))
    per_pattern(os.path.join(out, "ssh-nocommon.pcap"), 41000, story)


def gen_hostkey(out):
    def story(c, p):
        kex, hk = b"curve25519-sha256" + p, b"ssh-ed25519" + p
        ciph, mac = b"aes128-ctr" + p, b"hmac-sha2-256" + p
        c.seg(0, "PA", b"SSH-2.0-OpenSSH_9.2\r\n")
        c.seg(1, "PA", b"SSH-2.0-OpenSSH_9.2\r\n")
        c.seg(1, "PA", kexinit(std_lists(kex, hk, ciph, mac)))
        c.seg(0, "PA", kexinit(std_lists(kex, hk, ciph, mac)))
        c.seg(0, "PA", packet(bytes([30]) + sshstr(bytes(32))))
        blob = sshstr(b"key" + p) + sshstr(bytes(32))
        c.seg(1, "PA", packet(bytes([31]) + sshstr(blob) + sshstr(bytes(32)) + sshstr(bytes(83))))
        c.seg(1, "PA", packet(bytes([21])))
        c.seg(0, "PA", packet(bytes([21])))
        # encrypted from here on: opaque bytes both ways
        for _ in range(3):
            c.seg(0, "PA", bytes(range(64)))
            c.seg(1, "PA", bytes(range(96)))
    per_pattern(os.path.join(out, "ssh-hostkey.pcap"), 42000, story)


def gen_foreign(out):
    def story(c, p):
        c.seg(0, "PA", b"SSH-2.0-OpenSSH_9.2\r\n")
        c.seg(1, "PA", b"HTTP/1.1 400 Bad" + p + b"Request\r\n\r\n")
    per_pattern(os.path.join(out, "ssh-foreign.pcap"), 44000, story)


def gen_pflog(out):
    frames = []
    t = T0
    for i, p in enumerate(PATTERNS):
        name = (b"em" + p)[:16]
        for k in range(3):
            # one server per pattern: SYNs to one host would be folded into one line
            ipb = ip_tcp(CLI, "198.51.100.%d" % (100 + i), 43000 + i, 443, 7000, 0, "S")
            hdr = struct.pack("!BBBB16s16sIIIIIIB3x", 61, 2, 1, 0, name, p[:16], 70 + i, 0xFFFFFFFF,
                              0, 0, 0, 0, 1)
            frames.append((t + k * 1.0, hdr + ipb))
        t += 10
    write_pcap(os.path.join(out, "pflog.pcap"), 117, frames)


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    out = os.path.join(repo, "tests", "hostile")
    os.makedirs(out, exist_ok=True)
    gen_nocommon(out)
    gen_hostkey(out)
    gen_foreign(out)
    gen_pflog(out)


if __name__ == "__main__":
    main()
