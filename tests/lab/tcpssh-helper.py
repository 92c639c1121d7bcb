#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Small TCP actors for tests/lab/lab-tcp-ssh.sh.

Every subcommand does one thing, prints what it did (with a monotonic
timestamp relative to its own start) on stdout, and exits on its own after a
bounded time.  The lab script runs each of them inside a network namespace.

  silent   HOST PORT LIFE            accept one connection, never send a byte,
                                     read until the peer closes, then close
  relay    HOST PORT UPHOST UPPORT DELAY LIFE [GREETING]
                                     accept one connection, forward it to
                                     UPHOST:UPPORT, hold back the first
                                     upstream->client bytes for DELAY seconds;
                                     GREETING (\n = CRLF) goes to the client
                                     first, as text lines before the server's
                                     identification
  hold     SRC HOST PORT LIFE        connect from SRC, read the server's
                                     banner, stay silent and keep the
                                     connection open for LIFE seconds
  serve    HOST PORT MODE COUNT LIFE HTTP-like server for COUNT connections.
                                     MODE close: read the request, answer,
                                     close first.  MODE hold: read until EOF,
                                     answer, keep the socket open until LIFE.
                                     MODE drain: read until EOF, answer, close.
                                     MODE noread: a 4 KiB receive buffer, never
                                     read, close at LIFE (the window closes).
  fetch    SRC SPORT HOST PORT MODE WAIT
                                     HTTP-like client bound to SRC:SPORT
                                     (SPORT 0 = ephemeral).  MODE normal: send,
                                     read until EOF (at most WAIT s), close.
                                     MODE shutwr: send, shut the write side,
                                     read for WAIT s, report what came back.
                                     MODE trickle: send, then a line every
                                     0.5 s for WAIT s, shut the write side,
                                     read until EOF (at most 5 s), close.
                                     MODE flood: send 4 MiB (at most WAIT s
                                     of trying), then close.
"""
import socket
import sys
import threading
import time

T0 = time.monotonic()
REQUEST = b"GET /lab HTTP/1.0\r\nHost: lab\r\n\r\n"
ANSWER = (b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
          b"Content-Length: 12\r\n\r\nhello, lab!\n")


def say(*words):
    print("[%7.3f] %s" % (time.monotonic() - T0, " ".join(str(w) for w in words)),
          flush=True)


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def listener(host, port):
    sock = socket.socket(family_of(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(8)
    say("listening on", host, port)
    return sock


def drain(conn, limit):
    """Read until EOF or until LIMIT seconds passed; return the bytes read."""
    got = b""
    end = time.monotonic() + limit
    while True:
        left = end - time.monotonic()
        if left <= 0:
            say("no EOF from peer after", limit, "s")
            return got
        conn.settimeout(left)
        try:
            chunk = conn.recv(4096)
        except socket.timeout:
            continue
        except OSError as err:
            say("recv error:", err)
            return got
        if not chunk:
            say("peer closed its side (EOF) after", len(got), "bytes")
            return got
        got += chunk


def read_request(conn, limit):
    got = b""
    conn.settimeout(limit)
    while b"\r\n\r\n" not in got:
        chunk = conn.recv(4096)
        if not chunk:
            break
        got += chunk
    return got


def cmd_silent(host, port, life):
    sock = listener(host, int(port))
    sock.settimeout(float(life))
    conn, peer = sock.accept()
    say("accepted", peer, "- staying silent")
    got = drain(conn, float(life))
    say("peer sent", repr(got[:80]))
    conn.close()
    say("closed")


def pump(src, dst, delay, label):
    first = True
    try:
        while True:
            chunk = src.recv(65536)
            if not chunk:
                say(label, "EOF")
                dst.shutdown(socket.SHUT_WR)
                return
            if first and delay > 0:
                say(label, "holding first", len(chunk), "bytes for", delay, "s")
                time.sleep(delay)
            first = False
            dst.sendall(chunk)
    except OSError as err:
        say(label, "stopped:", err)


def cmd_relay(host, port, uphost, upport, delay, life, greeting=""):
    sock = listener(host, int(port))
    sock.settimeout(float(life))
    conn, peer = sock.accept()
    say("accepted", peer)
    if greeting:
        text = greeting.replace("\\n", "\r\n").encode()
        conn.sendall(text)
        say("sent", len(text), "bytes of greeting before the server's own:", repr(text))
    up = socket.create_connection((uphost, int(upport)), timeout=5)
    up.settimeout(None)
    say("upstream connected to", uphost, upport)
    down = threading.Thread(target=pump, args=(up, conn, float(delay), "server->client"),
                            daemon=True)
    down.start()
    pump(conn, up, 0, "client->server")
    down.join(float(life))
    conn.close()
    up.close()
    say("relay done")


def cmd_hold(src, host, port, life):
    sock = socket.socket(family_of(host), socket.SOCK_STREAM)
    sock.bind((src, 0))
    sock.settimeout(5)
    sock.connect((host, int(port)))
    say("connected from", sock.getsockname(), "to", host, port)
    banner = sock.recv(256)
    say("server said", repr(banner))
    time.sleep(float(life))
    sock.close()
    say("released")


def cmd_serve(host, port, mode, count, life):
    sock = listener(host, int(port))
    if mode == "noread":
        # accepted sockets inherit the listener's small receive buffer
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    deadline = time.monotonic() + float(life)
    for _ in range(int(count)):
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        conn, peer = sock.accept()
        say("accepted", peer)
        if mode == "abort":
            got = read_request(conn, max(0.1, deadline - time.monotonic()))
            say("request", len(got), "bytes; answering, then aborting with a reset")
            conn.sendall(ANSWER)
            time.sleep(0.2)
            # SO_LINGER on with a zero timeout: close() sends RST, not FIN
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            conn.close()
            continue
        if mode == "noread":
            say("not reading; holding the connection until", life, "s")
            time.sleep(max(0.0, deadline - time.monotonic()))
            conn.close()
            continue
        if mode in ("drain", "hold"):
            # drain closes at once after answering, hold keeps it open until LIFE
            got = drain(conn, max(0.1, deadline - time.monotonic()))
            say("request", len(got), "bytes; answering and",
                "closing" if mode == "drain" else "keeping the socket open")
            conn.sendall(ANSWER)
            if mode == "hold":
                time.sleep(max(0.0, deadline - time.monotonic()))
        else:
            got = read_request(conn, max(0.1, deadline - time.monotonic()))
            say("request", len(got), "bytes; answering and closing first")
            conn.sendall(ANSWER)
            rest = drain_after_close(conn, deadline)
            say("after our close the peer sent", len(rest), "bytes")
        conn.close()
    say("server done")


def drain_after_close(conn, deadline):
    conn.shutdown(socket.SHUT_WR)
    return drain(conn, max(0.1, deadline - time.monotonic()))


def cmd_fetch(src, sport, host, port, mode, wait):
    sock = socket.socket(family_of(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((src, int(sport)))
    sock.settimeout(5)
    start = time.monotonic()
    try:
        sock.connect((host, int(port)))
    except OSError as err:
        say("connect to", host, port, "failed after %.3f s:" % (time.monotonic() - start), err)
        sock.close()
        return
    say("connected", sock.getsockname(), "->", host, port,
        "in %.3f s" % (time.monotonic() - start))
    sock.sendall(REQUEST)
    if mode == "trickle":
        end = time.monotonic() + float(wait)
        n = 0
        try:
            while time.monotonic() < end:
                time.sleep(0.5)
                n += 1
                sock.sendall(b"line %03d of the trickle\n" % n)
            say("sent", n, "lines; shutting our write side")
            sock.shutdown(socket.SHUT_WR)
            got = drain(sock, 5)
            say("received", len(got), "bytes:", repr(got[:40]))
        except OSError as err:
            say("after", n, "lines:", err)
        sock.close()
        say("closed")
        return
    if mode == "flood":
        sock.settimeout(float(wait))
        try:
            sock.sendall(b"x" * (4 << 20))
            say("sent 4 MiB")
        except (OSError, socket.timeout) as err:
            say("flood stopped:", err)
        sock.close()
        say("closed")
        return
    if mode == "shutwr":
        sock.shutdown(socket.SHUT_WR)
        say("sent request and shut our write side")
    else:
        say("sent request")
    got = drain(sock, float(wait))
    say("received", len(got), "bytes:", repr(got[:40]))
    sock.close()
    say("closed")


COMMANDS = {"silent": cmd_silent, "relay": cmd_relay, "hold": cmd_hold,
            "serve": cmd_serve, "fetch": cmd_fetch}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.stderr.write(__doc__)
        sys.exit(2)
    try:
        COMMANDS[sys.argv[1]](*sys.argv[2:])
    except (OSError, socket.timeout) as failure:
        say("error:", failure)
        sys.exit(1)
