#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-options.sh SHAKEDOWN SOURCE_DIR
#
# Option values are taken whole or refused: every numeric option must be a
# plain decimal in range (no junk after the digits, no sign, no nan, inf,
# exponent or hex), and a refusal is one line on stderr and exit status 2.
# The BPF filter from the trailing arguments is used whole however long
# (it used to be cut at 4095 bytes, silently changing what it matched).
# Uses pcaps/link/eth.pcap (crafted, see pcaps/README.md): 192.0.2.10 talks
# to 198.51.100.20 on ports 22 and 80.
. "$(dirname "$0")/lib-common.sh"
CAP=$SRC/pcaps/link/eth.pcap

# refused NAME ARGS...: exit 2, exactly one line on stderr, nothing on stdout
refused() {
	local name=$1
	shift
	run -r "$CAP" "$@"
	if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ]; then
		pass "refused: $name ($(cat "$tmp/err"))"
	else
		fail "refused: $name: exit $rc, stderr: $(cat "$tmp/err"), stdout $(wc -c <"$tmp/out") bytes"
	fi
}

# accepted NAME ARGS...: the run completes (exit 0 or 1: eth.pcap has fails)
accepted() {
	local name=$1
	shift
	run -r "$CAP" "$@"
	if [ $rc -le 1 ] && [ ! -s "$tmp/err" ]; then
		pass "accepted: $name"
	else
		fail "accepted: $name: exit $rc, stderr: $(cat "$tmp/err")"
	fi
}

refused "--max-flows 100abc" --max-flows 100abc

# a refusal names the option as the user typed it (a message once said
# "--c->snaplen" for --snaplen)
for o in max-flows max-ssh max-ike max-frag-datagrams max-frag-mb buffer-size snaplen count workers; do
	run -r "$CAP" --$o 7x
	if [ $rc -eq 2 ] && grep -q "^shakedown: --$o takes " "$tmp/err"; then
		pass "--$o 7x: the message names --$o"
	else
		fail "--$o 7x: exit $rc, stderr: $(cat "$tmp/err")"
	fi
done
refused "--max-flows 15 (below range)" --max-flows 15
refused "--max-flows 50000001" --max-flows 50000001
refused "--max-flows -16" --max-flows -16
refused "--max-flows ' 64'" --max-flows " 64"
refused "--max-flows 99999999999999999999" --max-flows 99999999999999999999
refused "--buffer-size 2048 (would overflow libpcap's int bytes)" --buffer-size 2048
refused "--buffer-size 0" --buffer-size 0
refused "--buffer-size 4x" --buffer-size 4x
refused "--snaplen 1e3" --snaplen 1e3
refused "--snaplen 262145" --snaplen 262145
refused "--syn-timeout nan" --syn-timeout nan
refused "--syn-timeout inf" --syn-timeout inf
refused "--rtt-warn 0x10" --rtt-warn 0x10
refused "--fin-timeout 1e2" --fin-timeout 1e2
refused "--msl -1" --msl -1
refused "--ike-timeout 3s" --ike-timeout 3s
refused "--esp-timeout 1..2" --esp-timeout 1..2
refused "--idle-timeout 31536001 (over a year)" --idle-timeout 31536001
refused "--ssh-timeout ''" --ssh-timeout ""
refused "--fail-on bad" --fail-on bad

accepted "--max-flows 16" --max-flows 16
accepted "--max-flows 50000000" --max-flows 50000000
accepted "--syn-timeout 0.5 --rtt-warn .25 --msl 30." --syn-timeout 0.5 --rtt-warn .25 --msl 30.
accepted "--idle-timeout 31536000" --idle-timeout 31536000
# --buffer-size and --snaplen matter live only, but are checked offline too
accepted "--buffer-size 2047 --snaplen 65535" --buffer-size 2047 --snaplen 65535

# ---- a BPF filter longer than the old 4095-byte buffer is used whole
long=""
for i in $(seq 1 250); do
	long="${long}not host 10.0.$((i / 250)).$((i % 250 + 1)) and "
done
short="host 198.51.100.20 and port 22"
run --json -r "$CAP" $short
want=$(grep -o '"id":"[a-z._]*"' "$tmp/out" | sort | tr '\n' ' ')
run --json -r "$CAP" $long $short
got=$(grep -o '"id":"[a-z._]*"' "$tmp/out" | sort | tr '\n' ' ')
if [ ${#long} -gt 4096 ] && [ -n "$want" ] && [ "$got" = "$want" ] && grep -q '"tcp.refused"' "$tmp/out"; then
	pass "a $((${#long} + ${#short}))-byte filter gives the verdicts of its last clause ($want)"
else
	fail "long filter (${#long} bytes): verdicts '$got', want '$want' (exit $rc, $(head -c 200 "$tmp/err"))"
fi
# the end of a long filter is compiled too: an error there is refused
refused "a long filter whose last word is wrong" $long $short and nonsense_word

echo "$fails failed"
[ $fails -eq 0 ]
