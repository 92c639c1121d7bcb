#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The text report: no line wider than 80 columns when not on a terminal (and
# none wider than COLUMNS when set), on every bundled capture with and
# without -v; absolute times in UTC by default and local with --localtime,
# checked against tshark's time of the verdict's first frame; the count of
# flows without a verdict.
. "$(dirname "$0")/lib-common.sh"

# widest COLUMNS FILE: the widest line in characters (UTF-8)
widest() {
	"$PY" -c 'import sys; print(max((len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")), default=0))' "$1"
}

n=0
mkdir "$tmp/w"
for f in $(find "$SRC/pcaps" -name '*.pcap' | sort); do
	for v in "" -v; do
		n=$((n + 1))
		env -u COLUMNS "$SD" -r "$f" $v >"$tmp/w/$n.txt" 2>/dev/null
	done
done
over=$("$PY" - "$tmp/w" <<'PYEOF'
import os, sys
for name in sorted(os.listdir(sys.argv[1])):
    for line in open(os.path.join(sys.argv[1], name), encoding="utf-8"):
        if len(line.rstrip("\n")) > 80:
            print(name, len(line.rstrip("\n")), line.rstrip()[:120])
PYEOF
)
[ -z "$over" ] && pass "$n text reports, none wider than 80 columns" || fail "lines over 80 columns: $over"

# a long path cannot be broken: cut with an ellipsis
long="$tmp/$(printf 'a%.0s' $(seq 1 120)).pcap"
cp "$SRC/pcaps/ike/ike-no-proposal.pcap" "$long"
env -u COLUMNS "$SD" -r "$long" -r "$SRC/pcaps/ssh/ssh-banner-stall.pcap" >"$tmp/out" 2>/dev/null
w=$(widest "$tmp/out")
[ "$w" -le 80 ] && grep -q 'aaa\.\.\.$' "$tmp/out" && pass "a 120-character file name is cut with ... at 80 columns" ||
	fail "long name: widest $w"
COLUMNS=50 "$SD" -r "$SRC/pcaps/ssh/ssh-banner-stall.pcap" -v >"$tmp/out" 2>/dev/null
w=$(widest "$tmp/out")
[ "$w" -le 50 ] && pass "COLUMNS=50: no line over 50 columns" || fail "COLUMNS=50: widest $w"

# the verdict's time is its first frame's, as tshark prints it in UTC
f="$SRC/pcaps/ike/ike-no-proposal.pcap"
want=$(TZ=UTC tshark -r "$f" -Y 'frame.number==3' -T fields -e frame.time_epoch 2>/dev/null | head -1)
want=$("$PY" -c 'import sys,datetime; t=datetime.datetime.fromtimestamp(float(sys.argv[1]), datetime.timezone.utc); print(t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))' "${want:-0}")
COLUMNS=200 "$SD" -r "$f" >"$tmp/out" 2>/dev/null
grep -q "at $want (+" "$tmp/out" && pass "ike.no_proposal_chosen at $want (frame 3, UTC)" ||
	fail "UTC time: want $want, got $(grep -m1 ' at ' "$tmp/out")"
COLUMNS=200 TZ=Asia/Kolkata "$SD" -r "$f" --localtime >"$tmp/out" 2>/dev/null
loc=$("$PY" -c 'import sys,datetime; t=datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ")+datetime.timedelta(hours=5, minutes=30); print(t.strftime("%Y-%m-%dT%H:%M:%S.%f")+"+05:30")' "$want")
grep -q "at $loc (+" "$tmp/out" && pass "--localtime: $loc" || fail "--localtime: want $loc, got $(grep -m1 ' at ' "$tmp/out")"

# flows without a verdict: counted, and listed with -v
f="$SRC/pcaps/tcp/tcp-asym-works.pcap"
COLUMNS=200 "$SD" -r "$f" >"$tmp/out" 2>/dev/null
grep -q '^flows: [0-9]*, [0-9]* with a verdict, [0-9]* without one' "$tmp/out" &&
	pass "the summary counts flows with and without a verdict" || fail "flows line: $(grep '^flows' "$tmp/out")"
# a lone UDP packet (DNS) gets no verdict: it is listed under NOT JUDGED
"$PY" - "$tmp/dns.pcap" <<'PYEOF'
import struct, sys
def ip4(s): return bytes(int(x) for x in s.split("."))
udp = struct.pack("!HHHH", 53000, 53, 8 + 12, 0) + b"\x12\x34\x01\x00" + b"\x00" * 8
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, ip4("192.0.2.7"), ip4("198.51.100.53")) + udp
eth = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack("<IIII", 1700000000, 0, len(eth), len(eth)) + eth)
PYEOF
COLUMNS=200 "$SD" -r "$tmp/dns.pcap" -v >"$tmp/out" 2>/dev/null
grep -q '^flows: 1, 0 with a verdict, 1 without one' "$tmp/out" && grep -q '^NOT JUDGED 1 flows' "$tmp/out" &&
	grep -q 'udp 192.0.2.7:53000 -> 198.51.100.53:53' "$tmp/out" && pass "-v lists a flow without a verdict" ||
	fail "unjudged flow: $(tail -5 "$tmp/out")"
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
