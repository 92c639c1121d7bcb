#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --workers N (live, Linux PACKET_FANOUT): 400 refused connections sent
# over a veth pair in a network namespace of this run's own are captured by
# two worker processes. Every one must be reported as tcp.refused exactly
# once (a flow split between workers would show as an unanswered SYN plus a
# stray reset instead), both workers must have taken a share, the flow ids
# must be unique, and the summary must count every packet. Needs root.
. "$(dirname "$0")/lib-common.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespace, live capture)"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: iproute2 is not installed"; exit 77; }

NS=sdw$$
A=sdwa$$
B=sdwb$$
cleanup() { ip netns del "$NS" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
ip netns add "$NS" || { echo "SKIP: cannot create a network namespace"; exit 77; }
ip -n "$NS" link add "$A" type veth peer name "$B"
ip -n "$NS" link set "$A" up
ip -n "$NS" link set "$B" up
ip -n "$NS" link set lo up

N=400
# Frames are built by hand (no scapy needed): for each flow a SYN from
# 192.0.2.10:(20000+i) to 198.51.100.20:22 and the server's RST,ACK.
cat >"$tmp/send.py" <<'EOF'
import socket, struct, sys, time
iface, n = sys.argv[1], int(sys.argv[2])
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def frame(src, dst, sport, dport, seq, ack, flags):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip + tcp
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
for i in range(n):
    isn = 1000 + i * 7919
    s.send(frame("192.0.2.10", "198.51.100.20", 20000 + i, 22, isn, 0, 0x02))
    s.send(frame("198.51.100.20", "192.0.2.10", 22, 20000 + i, 0, isn + 1, 0x14))
    if i % 20 == 19:
        time.sleep(0.01)
EOF

ip netns exec "$NS" timeout 60 "$SD" -i "$A" --workers 2 --json -Z root -B 32 >"$tmp/out" 2>"$tmp/err" &
pid=$!
# wait until both workers have opened the interface (their sockets appear)
for i in $(seq 50); do
	[ "$(ip netns exec "$NS" ss -0 -a 2>/dev/null | grep -c .)" -ge 3 ] && break
	sleep 0.1
done
sleep 0.5
ip netns exec "$NS" "$PY" "$tmp/send.py" "$B" "$N"
sleep 1.5
kill -TERM "$pid"
wait "$pid"
rc=$?

"$PY" - "$tmp/out" "$N" >"$tmp/judge" 2>&1 <<'EOF'
import json, sys
n = int(sys.argv[2])
refused, ids, other, summary = 0, [], {}, None
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "summary":
        summary = o
        continue
    if o.get("id") == "tcp.refused":
        refused += 1
        ids.append(o["flow_id"])
    elif o.get("id") != "capture.time_disorder":  # info: the ring may deliver a few out of order
        other[o.get("id")] = other.get(o.get("id"), 0) + 1
odd = sum(1 for i in ids if i % 2)
print("refused", refused, "unique_ids", len(set(ids)), "odd", odd, "even", len(ids) - odd,
      "other", sorted(other.items()), "packets", summary and summary.get("packets"))
ok = (refused == n and len(set(ids)) == n and odd > 0 and len(ids) - odd > 0 and not other
      and summary and summary.get("packets", 0) >= 2 * n)  # veth may add IPv6 router solicitations
sys.exit(0 if ok else 1)
EOF
judged=$?
cat "$tmp/judge"
if [ "$rc" -eq 1 ] && [ "$judged" -eq 0 ]; then
	pass "--workers 2: $N refused connections, each reported once, both workers took flows, every packet counted"
else
	fail "--workers 2 (exit $rc): $(head -c 500 "$tmp/err")"
	head -c 2000 "$tmp/out" | sed 's/^/    /'
fi

# the options that cannot go with it are refused, with a reason
run -r "$SRC/pcaps/ssh/ssh-refused.pcap" --workers 2
[ "$rc" -eq 2 ] && grep -q -- "--workers applies to live capture" "$tmp/err" &&
	pass "--workers with -r is refused" || fail "--workers with -r: exit $rc"
run -i lo --workers 2 --ui
[ "$rc" -eq 2 ] && grep -q -- "--workers does not drive the live view" "$tmp/err" &&
	pass "--workers with --ui is refused" || fail "--workers with --ui: exit $rc"

echo "$fails failed"
[ "$fails" -eq 0 ]
