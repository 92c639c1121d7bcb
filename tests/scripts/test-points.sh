#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-points.sh SHAKEDOWN SOURCE_DIR
#
# --points on the lab's three-point captures (pcaps/points/, made by
# tests/lab/lab-tcp-ssh.sh): each failing verdict names the place and the
# direction of the loss, through NAT too; the healthy control names none; a
# copy of the wan file shifted by 7.5 s (editcap -t) still matches, and the
# offset is reported; bad point arguments are refused.
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

# the single-point run of the same file carries no points keys
run --json -r "$P/points-drop-s2c/lan.pcap"
if [ "$rc" = 1 ] && ! grep -q '"points"\|seen_at' "$tmp/out"; then
	pass "without --points: no points fields"
else
	fail "without --points: rc=$rc"
fi
exit $((fails > 0))
