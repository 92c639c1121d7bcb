#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-points.sh SHAKEDOWN SOURCE_DIR
#
# --points on the lab's three-point captures (pcaps/points/, made by
# tests/lab/lab-tcp-ssh.sh): each failing verdict names the place and the
# direction of the loss, through NAT too; the healthy control names none; a
# copy of the wan file shifted by 7.5 s (editcap -t) still matches, and the
# offset is reported; duplicates are ignored; a pflog point names the pf
# rule; bad point arguments are refused.
. "$(dirname "$0")/lib-common.sh"
P=$SRC/pcaps/points

# points SCENARIO [EXTRA -r ...]: the scenario's three files, JSON
points() {
	local d=$P/$1
	shift
	run --json --points -r "cli=$d/cli.pcap" -r "lan=$d/lan.pcap" "$@"
}

# expect_points DESCRIPTION PYTHON-ASSERTIONS (v: the first verdict's
# "points", d: its details, s: the summary's "points")
expect_points() {
	if $PY - "$tmp/out" "$2" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
vs = [o for o in objs if o["type"] == "verdict"]
s = [o for o in objs if o["type"] == "summary"][0]["points"]
v, d = vs[0]["points"], vs[0]["details"]
exec(sys.argv[2])
PY
	then
		pass "$1"
	else
		fail "$1 (rc=$rc): $(head -c 600 "$tmp/out") $(cat "$tmp/err")"
	fi
}

points points-drop-s2c -r "wan=$P/points-drop-s2c/wan.pcap"
expect_points "server's data dropped inside the firewall, wan->lan" '
assert v["place"] == "inside" and v["direction"] == "wan->lan" and v["lost_between"] == ["wan", "lan"], v
assert v["lost_packets"] == 6 and v["seen_at"] == ["cli", "lan", "wan"]
assert "wan (frame 6) and never on lan" in v["conclusion"], v["conclusion"]
assert d["loss_place"] == "inside" and d["loss_direction"] == "wan->lan"
lost = [r for r in v["ladder"] if r["lost"]]
assert lost[0]["what"] == "SSH banner" and lost[0]["frames"] == {"cli": None, "lan": None, "wan": 6}, lost[0]
'

points points-drop-c2s -r "wan=$P/points-drop-c2s/wan.pcap"
expect_points "client's data dropped inside the firewall, lan->wan; later packets outside wan's interval not judged" '
assert v["place"] == "inside" and v["direction"] == "lan->wan" and v["lost_packets"] == 1, v
assert any(r["frames"]["wan"] == "not capturing" for r in v["ladder"])
'

points points-nat-drop -r "wan=$P/points-nat-drop/wan.pcap"
expect_points "through the masquerade: matched by IP id and sequence, loss inside, lan->wan" '
assert v["place"] == "inside" and v["direction"] == "lan->wan", v
syn = v["ladder"][0]
assert syn["what"] == "SYN" and syn["frames"] == {"cli": 1, "lan": 1, "wan": 1}, syn
'

points points-beyond -r "wan=$P/points-beyond/wan.pcap"
expect_points "the server's own firewall: beyond the firewall, nothing lost between the points" '
assert v["place"] == "beyond" and v["lost_between"] == ["wan", "beyond"] and v["lost_packets"] == 0, v
assert "no SYN-ACK came back to wan: beyond the firewall" in v["conclusion"]
'

points points-ok -r "wan=$P/points-ok/wan.pcap"
expect_points "healthy control: nothing lost" '
assert v["place"] == "none" and v["lost_between"] is None and v["lost_packets"] == 0, v
assert all(not r["lost"] for r in v["ladder"]) and len(v["ladder"]) == 48
assert "lost_between" not in d
'

# a deliberate clock offset: the wan file 7.5 s late
if command -v editcap >/dev/null; then
	editcap -t 7.5 "$P/points-drop-s2c/wan.pcap" "$tmp/wan-late.pcap" >/dev/null 2>&1
	points points-drop-s2c -r "wan=$tmp/wan-late.pcap"
	expect_points "clock offset of 7.5 s: still matched, offset reported" '
assert abs(s[2]["clock_offset_s"] - 7.5) < 0.01 and s[2]["offset_samples"] == 7, s[2]
assert abs(s[1]["clock_offset_s"]) < 0.01
assert v["place"] == "inside" and v["direction"] == "wan->lan" and v["lost_packets"] == 6, v
'
	run --points -r "lan=$P/points-drop-s2c/lan.pcap" -r "wan=$tmp/wan-late.pcap"
	if [ "$rc" = 1 ] && grep -q 'wan = .*clock +7\.50000[0-9] s from lan (7 packets matched once at both)' "$tmp/out" &&
		grep -q 'dropped inside the firewall, in the wan→lan direction' "$tmp/out" &&
		grep -q 'SSH banner  *-- *#6 *lost wan->lan' "$tmp/out"; then
		pass "text report: points, offset and ladder"
	else
		fail "text report: rc=$rc $(head -c 1500 "$tmp/out")"
	fi
else
	echo "SKIP the clock offset test: no editcap"
fi

# span-port duplicates at a point: every wan packet twice (mergecap of the
# file with itself): counted, ignored, the same conclusion
if command -v mergecap >/dev/null; then
	mergecap -w "$tmp/wan-dup.pcap" "$P/points-drop-s2c/wan.pcap" "$P/points-drop-s2c/wan.pcap"
	run --json --points -r "lan=$P/points-drop-s2c/lan.pcap" -r "wan=$tmp/wan-dup.pcap"
	expect_points "duplicates at a point are ignored and counted" '
assert s[1]["duplicates"] == 14 and s[1]["ip_packets"] == 28, s[1]
assert v["place"] == "inside" and v["lost_packets"] == 6 and len(v["ladder"]) == 14, v
'
fi

# a pflog capture among the points names the rule: lan and wan are made
# from pcaps/link/pflog.pcap (its pflog header cut off; wan one TTL lower,
# without the three SYNs to port 443 that pf blocked by rule 12)
$PY - "$SRC/pcaps/link/pflog.pcap" "$tmp/pf-lan.pcap" "$tmp/pf-wan.pcap" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
e = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
off, recs = 24, []
while off + 16 <= len(data):
    sec, usec, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
    frame = data[off + 16:off + 16 + incl]
    off += 16 + incl
    recs.append((sec, usec, frame[(frame[0] + 3) & ~3:]))  # the header, word-aligned
def hop(ip):
    ip = bytearray(ip)
    ip[8] -= 1
    ip[10:12] = b"\0\0"
    s = sum(struct.unpack("!10H", bytes(ip[:20])))
    s = (s & 0xffff) + (s >> 16)
    ip[10:12] = struct.pack("!H", ~s & 0xffff)
    return bytes(ip)
def write(path, rs):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
        for sec, usec, ip in rs:
            f.write(struct.pack("<IIII", sec, usec, len(ip), len(ip)) + ip)
write(sys.argv[2], recs)
write(sys.argv[3], [(s, u, hop(ip)) for s, u, ip in recs if struct.unpack("!H", ip[22:24])[0] != 443])
PY
run --json --points -r "lan=$tmp/pf-lan.pcap" -r "wan=$tmp/pf-wan.pcap" -r "pf=$SRC/pcaps/link/pflog.pcap"
if $PY - "$tmp/out" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
s = [o for o in objs if o["type"] == "summary"][0]["points"]
assert [p["pflog"] for p in s] == [False, False, True], s
v = [o for o in objs if o["type"] == "verdict" and o["server"]["port"] == 443][0]
assert v["id"] == "tcp.syn_unanswered"
d, p = v["details"], v["points"]
assert d["pf_rule"] == 12 and d["pf_action"] == "block" and d["pf_interface"] == "em1", d
assert p["place"] == "inside" and p["direction"] == "lan->wan", p
assert p["conclusion"].endswith("pf blocked it by rule 12 on em1"), p["conclusion"]
refused = [o for o in objs if o["type"] == "verdict" and o["id"] == "tcp.refused"][0]["points"]
assert refused["place"] == "none" and refused["lost_between"] is None, refused
assert "nothing was lost between the points" in refused["conclusion"]
PY
then
	pass "a pflog point names the rule that blocked the lost SYN; a refusal that crossed is nothing lost"
else
	fail "pflog point: rc=$rc $(head -c 800 "$tmp/out") $(cat "$tmp/err")"
fi

# the file's base name is the point's name
run --json --points -r "$P/points-ok/lan.pcap" -r "$P/points-ok/wan.pcap"
expect_points "names from the file names" '
assert [p["name"] for p in s] == ["lan", "wan"], s
'

# refusals
for args in "-r $P/points-ok/lan.pcap" "-r a=$P/points-ok/lan.pcap -r a=$P/points-ok/wan.pcap" \
	"-r =$P/points-ok/lan.pcap -r $P/points-ok/wan.pcap" "-r lan=$P/points-ok/lan.pcap -r wan=$tmp/none.pcap"; do
	# shellcheck disable=SC2086 # words on purpose
	run --points $args
	if [ "$rc" = 2 ] && [ -s "$tmp/err" ]; then
		pass "refused: --points $args"
	else
		fail "--points $args: rc=$rc"
	fi
done

# --evidence with --points: one pcap per point for each verdict; the wan file
# holds the flow as wan saw it (masqueraded as 198.51.100.1), the lan file its
# evidence frames (counted by tshark, or tcpdump)
nat=$P/points-nat-drop
run --points -r "lan=$nat/lan.pcap" -r "wan=$nat/wan.pcap" --evidence "$tmp/ev"
count() { if command -v tshark >/dev/null; then tshark -r "$1" 2>/dev/null | wc -l; else tcpdump -nr "$1" 2>/dev/null | wc -l; fi; }
lanf=$(ls "$tmp"/ev/0001-ssh.kex_stall-*.lan.pcap 2>/dev/null) wanf=$(ls "$tmp"/ev/0001-ssh.kex_stall-*.wan.pcap 2>/dev/null)
if [ "$rc" = 1 ] && [ -n "$lanf" ] && [ -n "$wanf" ] && [ "$(count "$lanf")" = 11 ] && [ "$(count "$wanf")" = 5 ] &&
	[ "$(tcpdump -nr "$wanf" src 198.51.100.1 2>/dev/null | wc -l)" = 3 ] &&
	[ "$(tcpdump -nr "$lanf" src 192.0.2.10 2>/dev/null | wc -l)" = 9 ] &&
	grep -q '"point":"wan"' "$tmp/ev/index.json" && grep -q 'point lan' "$tmp/ev/README.txt"; then
	pass "--evidence: each verdict's frames from both points (lan 11, wan 5 after the NAT)"
else
	fail "--evidence with --points: rc=$rc $(ls "$tmp/ev") $(cat "$tmp/err")"
fi
run --points -r "lan=$nat/lan.pcap" -r "wan=$nat/wan.pcap" --bundle "$tmp/b"
if [ "$rc" = 1 ] && ls "$tmp"/b/evidence/*.wan.pcap >/dev/null 2>&1 && ls "$tmp"/b/evidence/*.lan.pcap >/dev/null 2>&1 &&
	grep -q '^POINTS' "$tmp/b/report.txt"; then
	pass "--bundle: the evidence of both points, the points in the report"
else
	fail "--bundle with --points: rc=$rc $(ls -R "$tmp/b" 2>&1 | head) $(cat "$tmp/err")"
fi

# live --points: what cannot work is refused before any interface opens
# (the live run itself is in the lab: tests/lab/lab-tcp-ssh.sh --live,
# points-drop-s2c)
for args in "-i lo -i lo" "--points -i lo" "--points -i a=lo -i a=lo" "--points -i a=lo -i b=lo --workers 2" \
	"--points -i a=lo -i b=lo -w $tmp/x.pcap" "--points -i a=lo -i b=lo --evidence $tmp/ev" "--points -i =lo -i b=lo"; do
	# shellcheck disable=SC2086 # words on purpose
	run $args
	if [ "$rc" = 2 ] && grep -q 'points\|-i NAME=IFACE' "$tmp/err" && [ ! -e "$tmp/x.pcap" ]; then
		pass "refused: $args ($(head -n 1 "$tmp/err"))"
	else
		fail "$args: rc=$rc $(cat "$tmp/err")"
	fi
done

# the single-point run of the same file carries no points keys
run --json -r "$P/points-drop-s2c/lan.pcap"
if [ "$rc" = 1 ] && ! grep -q '"points"\|seen_at' "$tmp/out"; then
	pass "without --points: no points fields"
else
	fail "without --points: rc=$rc"
fi
exit $((fails > 0))
