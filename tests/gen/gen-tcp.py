#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen-tcp.py - craft the TCP captures of pcaps/tcp-crafted/: client
behaviour that no standard client in the lab (tests/lab/lab-tcp-ssh.sh:
OpenSSH, curl, Python sockets on Linux) produces.

Run with Debian's python3 (it has scapy):
    /usr/bin/python3 tests/gen/gen-tcp.py [OUTDIR]   # default pcaps/tcp-crafted

tcp-syn-after-own-reset: the client sends a SYN, hears nothing for a
second, resets its own attempt (RST with sequence ISN+1, no ACK), then sends
the SYN again with the *same* ISN 5 ms later; the server answers that SYN
and the connection runs normally (a request, an answer, a clean close).
Some embedded stacks and user-space TCP implementations retry a connect
this way. It is one attempt that took a second: the handshake time counts
from the first SYN, and the client's own reset is not a reset of the
connection.

Ethernet, 192.0.2.10:50022 -> 198.51.100.20:80, fixed timestamps and
sequence numbers: the output is byte-for-byte the same on every run.
"""

import os
import sys

from scapy.all import Ether, IP, TCP, Raw, wrpcap

T0 = 1700000000.0  # 2023-11-14 22:13:20 UTC
CLI, SRV = "192.0.2.10", "198.51.100.20"
CMAC, SMAC = "02:00:00:00:00:0a", "02:00:00:00:00:14"
CPORT, SPORT = 50022, 80
CISN, SISN = 1000000, 7000000


def pkt(t, c2s, flags, seq, ack=0, data=b"", ipid=0):
    src, dst = (CLI, SRV) if c2s else (SRV, CLI)
    sp, dp = (CPORT, SPORT) if c2s else (SPORT, CPORT)
    e = Ether(src=CMAC if c2s else SMAC, dst=SMAC if c2s else CMAC)
    ttl = 64 if c2s else 61  # the server is three hops away
    opts = [("MSS", 1460)] if "S" in flags else []
    p = e / IP(src=src, dst=dst, ttl=ttl, id=ipid) / TCP(
        sport=sp, dport=dp, flags=flags, seq=seq, ack=ack, window=64240, options=opts)
    if data:
        p = p / Raw(data)
    p.time = T0 + t
    return p


def syn_after_own_reset():
    req = b"GET / HTTP/1.1\r\nHost: 198.51.100.20\r\n\r\n"
    ans = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    c1, s1 = CISN + 1, SISN + 1
    return [
        pkt(0.000000, True, "S", CISN, ipid=101),
        pkt(1.000000, True, "R", c1, ipid=102),          # its own reset
        pkt(1.005000, True, "S", CISN, ipid=103),        # the same ISN again
        pkt(1.025000, False, "SA", SISN, c1, ipid=501),
        pkt(1.025100, True, "A", c1, s1, ipid=104),
        pkt(1.026000, True, "PA", c1, s1, req, ipid=105),
        pkt(1.046000, False, "A", s1, c1 + len(req), ipid=502),
        pkt(1.047000, False, "PA", s1, c1 + len(req), ans, ipid=503),
        pkt(1.047100, True, "A", c1 + len(req), s1 + len(ans), ipid=106),
        pkt(1.048000, True, "FA", c1 + len(req), s1 + len(ans), ipid=107),
        pkt(1.068000, False, "FA", s1 + len(ans), c1 + len(req) + 1, ipid=504),
        pkt(1.068100, True, "A", c1 + len(req) + 1, s1 + len(ans) + 1, ipid=108),
    ]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "pcaps", "tcp-crafted")
    os.makedirs(out, exist_ok=True)
    wrpcap(os.path.join(out, "tcp-syn-after-own-reset.pcap"), syn_after_own_reset())


if __name__ == "__main__":
    main()
