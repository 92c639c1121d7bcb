#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-cli.sh SHAKEDOWN SOURCE_DIR
#
# The command line contract: several -r files in order, -r - (stdin), a BPF
# filter from the trailing arguments, the --json schema, --fail-on exit
# codes and --check on a directory of our own. Uses the crafted captures of
# pcaps/link (see pcaps/README.md): in each, 192.0.2.10:40000 ->
# 198.51.100.20:22 is refused, 192.0.2.10:40001 -> 198.51.100.20:80 is a
# clean connection and the SSH server on 198.51.100.20:22 turns
# 192.0.2.10:40005 away with "Exceeded MaxStartups".
. "$(dirname "$0")/lib-common.sh"
LINK="$SRC/pcaps/link"

SCHEMA="$(dirname "$0")/jsonl.py"

# json_check NAME ARGS...: run with --json, check the schema (jsonl.py),
# leave the digest in $tmp/v; returns non-zero (and reports) on an error.
json_check() {
	local name=$1
	shift
	run --json "$@"
	if ! $PY "$SCHEMA" "$tmp/out" >"$tmp/v" 2>"$tmp/pyerr"; then
		fail "$name: --json schema: $(tail -1 "$tmp/pyerr")"
		return 1
	fi
}

# same_lines NAME FILE EXPECTED: the digest equals EXPECTED line for line.
same_lines() {
	if [ "$(cat "$2")" = "$3" ]; then
		pass "$1"
	else
		fail "$1: got:"
		sed 's/^/    /' "$2"
		echo "  want:"
		printf '%s\n' "$3" | sed 's/^/    /'
	fi
}

# ---- --json schema, with concrete values for eth.pcap
if json_check "json schema" -r "$LINK/eth.pcap"; then
	# in the order of the packets that settle them: the refusal (frame 2),
	# the clean close of the port-80 flow (frame 12), the port-22 close (18)
	same_lines "json schema: eth.pcap verdicts, frames and summary (exit $rc)" "$tmp/v" \
		"fail tcp.refused 192.0.2.10:40000 -> 198.51.100.20:22 frames=1,2
ok tcp.ok 192.0.2.10:40001 -> 198.51.100.20:80 frames=3,4,5,10,11,12
fail ssh.closed_before_banner 192.0.2.10:40005 -> 198.51.100.20:22 frames=13,14,15,16,17,18
summary packets=21 flows=3 truncated=0 decode_errors=0 ok=1 info=0 warn=0 fail=2"
	# exact values of the refused verdict: times, frames, proto
	if $PY - "$tmp/out" <<'EOF'; then
import json, sys
v = [json.loads(l) for l in open(sys.argv[1])]
r = [o for o in v if o.get("id") == "tcp.refused"][0]
ok = [o for o in v if o.get("id") == "tcp.ok"][0]
assert r["proto"] == "tcp", r["proto"]
assert r["client"] == {"ip": "192.0.2.10", "port": 40000}, r["client"]
assert r["server"] == {"ip": "198.51.100.20", "port": 22}, r["server"]
assert abs(r["first_ts"] - 1700000000.0) < 1e-6 and abs(r["last_ts"] - 1700000000.0004) < 1e-6, (r["first_ts"], r["last_ts"])
assert r["frames"] == [1, 2], r["frames"]
assert abs(ok["first_ts"] - 1700000001.0) < 1e-6 and abs(ok["last_ts"] - 1700000001.0045) < 1e-6, (ok["first_ts"], ok["last_ts"])
assert 3 in ok["frames"], ok["frames"]
s = v[-1]
assert s["type"] == "summary" and s["drops"] == 0 and s["packets"] == 21, s
ssh = [o for o in v if o.get("id") == "ssh.closed_before_banner"][0]
assert ssh["details"]["server_said"] == 'a text line "Exceeded MaxStartups"', ssh["details"]
EOF
		pass "json values: refused at 1700000000.000000-.000400 frames 1,2; ok from 1700000001.0 to .0045; the SSH server said \"Exceeded MaxStartups\" (stream bytes); drops 0"
	else
		fail "json values of eth.pcap"
	fi
	[ "$rc" -eq 1 ] && pass "exit 1 with a fail verdict (default --fail-on fail)" ||
		fail "eth.pcap: exit $rc, want 1"
fi

# IPv6 endpoints come out as plain addresses (brackets only in .expect)
if json_check "json ipv6" -r "$LINK/ipv6.pcap"; then
	if grep -qx 'fail tcp.refused \[2001:db8:1::10\]:40000 -> \[2001:db8:2::20\]:22 frames=1,2' "$tmp/v" &&
		grep -q '"client":{"ip":"2001:db8:1::10","port":40000}' "$tmp/out"; then
		pass "json ipv6: client {\"ip\":\"2001:db8:1::10\",\"port\":40000}"
	else
		fail "json ipv6: $(tr '\n' ';' <"$tmp/v")"
	fi
fi

# pflog metadata reaches the verdict: the blocked SYN names rule 12 on em1
if json_check "pflog details" -r "$LINK/pflog.pcap"; then
	if $PY - "$tmp/out" <<'EOF'; then
import json, sys
v = [json.loads(l) for l in open(sys.argv[1])]
s = [o for o in v if o.get("id") == "tcp.syn_unanswered"]
assert len(s) == 1, "no syn_unanswered"
d = s[0]["details"]
assert d.get("pf_rule") == 12 and d.get("pf_action") == "block" and d.get("pf_interface") == "em1" and d.get("pf_direction") == "in", d
assert "rule 12" in s[0]["summary"] and "em1" in s[0]["summary"], s[0]["summary"]
ok = [o for o in v if o.get("id") == "tcp.ok"][0]["details"]
assert ok.get("pf_rule") == 5 and ok.get("pf_action") == "pass", ok
EOF
		pass "pflog details: syn_unanswered carries pf_rule 12, block, em1, in; tcp.ok carries rule 5, pass"
	else
		fail "pflog details"
	fi
fi

# ---- several -r files, in order. eth.pcap is from 2023, ssh-refused.pcap
# (a real capture: 192.0.2.10:51284 refused) is later, so time runs forward.
if json_check "two -r files" -r "$LINK/eth.pcap" -r "$SRC/pcaps/ssh/ssh-refused.pcap"; then
	# the port-80 flow of eth.pcap closes cleanly at frame 12 and is judged
	# then, before the port-22 flow that closes at frame 18; both come
	# before the second file's verdict
	same_lines "two -r files: verdicts of both, in order, 23 packets" "$tmp/v" \
		"fail tcp.refused 192.0.2.10:40000 -> 198.51.100.20:22 frames=1,2
ok tcp.ok 192.0.2.10:40001 -> 198.51.100.20:80 frames=3,4,5,10,11,12
fail ssh.closed_before_banner 192.0.2.10:40005 -> 198.51.100.20:22 frames=13,14,15,16,17,18
fail tcp.refused 192.0.2.10:51284 -> 198.51.100.20:22 frames=1,2
summary packets=23 flows=4 truncated=0 decode_errors=0 ok=1 info=0 warn=0 fail=3"
	grep -q '"source":"[^"]*eth.pcap (+more)"' "$tmp/out" && pass "two -r files: source names the first file (+more)" ||
		fail "two -r files: source is $(grep -o '"source":"[^"]*"' "$tmp/out")"
fi
# the other order: the second file goes back in time
if json_check "two -r files reversed" -r "$SRC/pcaps/ssh/ssh-refused.pcap" -r "$LINK/eth.pcap"; then
	if [ "$(head -1 "$tmp/v")" = "fail tcp.refused 192.0.2.10:51284 -> 198.51.100.20:22 frames=1,2" ] &&
		grep -q '^info capture.time_disorder - -> -' "$tmp/v" && grep -q '^summary packets=23 flows=4 ' "$tmp/v"; then
		pass "two -r files reversed: ssh-refused first, capture.time_disorder for the step back in time"
	else
		fail "two -r files reversed: $(tr '\n' ';' <"$tmp/v")"
	fi
fi

# ---- -r - reads stdin, and gives what -r FILE gives
run --json -r "$LINK/pflog.pcap"
$PY "$SCHEMA" "$tmp/out" >"$tmp/from-file"
timeout 60 "$SD" --json -r - <"$LINK/pflog.pcap" >"$tmp/out" 2>"$tmp/err"
rc=$?
if $PY "$SCHEMA" "$tmp/out" >"$tmp/v" 2>"$tmp/pyerr" && cmp -s "$tmp/v" "$tmp/from-file" &&
	[ "$(wc -l <"$tmp/v")" -eq 5 ] && grep -q '"source":"-"' "$tmp/out" && [ "$rc" -eq 1 ]; then
	pass "-r - (stdin): same 4 verdicts as -r pflog.pcap, source \"-\", exit 1"
else
	fail "-r -: exit $rc, $(tr '\n' ';' <"$tmp/v") vs $(tr '\n' ';' <"$tmp/from-file") $(cat "$tmp/pyerr")"
fi
# stdin as the second of two inputs
timeout 60 "$SD" --json -r "$LINK/eth.pcap" -r - <"$SRC/pcaps/ssh/ssh-refused.pcap" >"$tmp/out" 2>"$tmp/err"
if $PY "$SCHEMA" "$tmp/out" >"$tmp/v" 2>/dev/null && grep -q '^summary packets=23 flows=4 ' "$tmp/v" &&
	grep -q '^fail tcp.refused 192.0.2.10:51284 ' "$tmp/v"; then
	pass "-r FILE -r -: both inputs read (23 packets)"
else
	fail "-r FILE -r -: $(tr '\n' ';' <"$tmp/v") $(cat "$tmp/err")"
fi

# ---- a BPF filter from the trailing arguments
if json_check "bpf filter" -r "$LINK/eth.pcap" tcp port 22; then
	same_lines "bpf 'tcp port 22': the two port-22 flows, 11 packets" "$tmp/v" \
		"fail tcp.refused 192.0.2.10:40000 -> 198.51.100.20:22 frames=1,2
fail ssh.closed_before_banner 192.0.2.10:40005 -> 198.51.100.20:22 frames=13,14,15,16,17,18
summary packets=11 flows=2 truncated=0 decode_errors=0 ok=0 info=0 warn=0 fail=2"
fi
if json_check "bpf filter ip6" -r "$LINK/null-le.pcap" ip6; then
	# frame numbers stay those of the file (13, 14), as Wireshark shows them
	same_lines "bpf 'ip6' on BSD loopback: only the IPv6 flow, frames 13,14 of the file" "$tmp/v" \
		"fail tcp.refused [2001:db8:1::10]:40002 -> [2001:db8:2::20]:22 frames=13,14
summary packets=2 flows=1 truncated=0 decode_errors=0 ok=0 info=0 warn=0 fail=1"
fi

# ---- --fail-on: exit 1 when a verdict at or above the level exists
# "tcp port 80" leaves eth.pcap with one ok verdict; ssh-snaplen-64 has a
# warn (capture.snaplen_short) and an ok.
failon() { # NAME WANT ARGS...
	local name=$1 want=$2
	shift 2
	run "$@"
	[ "$rc" -eq "$want" ] && pass "--fail-on: $name -> exit $want" || fail "--fail-on: $name -> exit $rc, want $want"
}
failon "only ok, default (fail)" 0 -r "$LINK/eth.pcap" tcp port 80
failon "only ok, --fail-on warn" 0 --fail-on warn -r "$LINK/eth.pcap" tcp port 80
failon "only ok, --fail-on ok" 1 --fail-on ok -r "$LINK/eth.pcap" tcp port 80
failon "warn+ok, default (fail)" 0 -r "$SRC/pcaps/bad/ssh-snaplen-64.pcap"
failon "warn+ok, --fail-on fail" 0 --fail-on fail -r "$SRC/pcaps/bad/ssh-snaplen-64.pcap"
failon "warn+ok, --fail-on warn" 1 --fail-on warn -r "$SRC/pcaps/bad/ssh-snaplen-64.pcap"
failon "warn+ok, --fail-on info" 1 --fail-on info -r "$SRC/pcaps/bad/ssh-snaplen-64.pcap"
failon "fail+ok, --fail-on fail" 1 --fail-on fail -r "$LINK/eth.pcap"
failon "fail+ok, --json" 1 --json -r "$LINK/eth.pcap"

# ---- the text report: grouped by severity, with a summary line (wide
# enough that the summary, with its long path, stays on one line)
COLUMNS=1000 run -r "$LINK/eth.pcap"
if grep -q '^FAIL tcp.refused tcp 192.0.2.10:40000 -> 198.51.100.20:22$' "$tmp/out" &&
	grep -q 'tcp.ok tcp 192.0.2.10:40001 -> 198.51.100.20:80' "$tmp/out" &&
	grep -q '21 packets, 3 flows, 0 dropped by the capture; verdicts: 2 fail, 0 warn, 0 info, 1 ok' "$tmp/out"; then
	pass "text report: FAIL line, healthy flow, summary '21 packets, 3 flows, 0 dropped'"
else
	fail "text report:"
	sed 's/^/    /' "$tmp/out"
fi

# ---- --check on a directory of our own
d="$tmp/check"
mkdir -p "$d/sub"
cp "$LINK/eth.pcap" "$d/"
printf '# right\nfail tcp.refused tcp 192.0.2.10:40000 -> 198.51.100.20:22\n\nok tcp.ok tcp 192.0.2.10:40001 -> 198.51.100.20:80\nfail ssh.closed_before_banner tcp 192.0.2.10:* -> 198.51.100.20:22\n' >"$d/eth.expect"
run --check "$d"
if [ "$rc" -eq 0 ] && grep -qx 'check: 1 passed, 0 failed' "$tmp/out" "$tmp/err" 2>/dev/null ||
	{ [ "$rc" -eq 0 ] && grep -q '1 passed, 0 failed' "$tmp/out" "$tmp/err"; }; then
	pass "--check, right .expect: exit 0, '1 passed, 0 failed'"
else
	fail "--check right: exit $rc: $(cat "$tmp/out" "$tmp/err")"
fi
cp "$LINK/ipv4.pcap" "$d/sub/"
printf 'ok tcp.ok tcp 192.0.2.10:40001 -> 198.51.100.20:80\nwarn tcp.reset tcp 192.0.2.10:* -> 198.51.100.20:22\n' >"$d/sub/ipv4.expect"
run --check "$d"
if [ "$rc" -eq 1 ] && grep -q '1 passed, 1 failed' "$tmp/out" "$tmp/err" &&
	grep -q 'expected, not produced: warn tcp.reset tcp 192.0.2.10:\* -> 198.51.100.20:22' "$tmp/out" &&
	grep -q 'produced, not expected: fail tcp.refused tcp 192.0.2.10:40000 -> 198.51.100.20:22' "$tmp/out"; then
	pass "--check, one wrong .expect: exit 1, '1 passed, 1 failed', the missing and the extra verdict named"
else
	fail "--check wrong: exit $rc: $(cat "$tmp/out" "$tmp/err")"
fi
# a threshold from "# args:" changes the verdicts: with --rtt-warn 0.0001
# the 1 ms handshakes of the port-80 and the SSH connections are slow
rm -r "$d/sub"
printf '# args: --rtt-warn 0.0001\nfail tcp.refused tcp 192.0.2.10:40000 -> 198.51.100.20:22\nwarn tcp.slow_handshake tcp 192.0.2.10:40001 -> 198.51.100.20:80\nwarn tcp.slow_handshake tcp 192.0.2.10:40005 -> 198.51.100.20:22\nfail ssh.closed_before_banner tcp 192.0.2.10:40005 -> 198.51.100.20:22\n' >"$d/eth.expect"
run --check "$d"
if [ "$rc" -eq 0 ] && grep -q '1 passed, 0 failed' "$tmp/out" "$tmp/err"; then
	pass "--check honours '# args: --rtt-warn 0.0001' (tcp.slow_handshake instead of tcp.ok)"
else
	fail "--check args: exit $rc: $(cat "$tmp/out" "$tmp/err")"
fi

echo "$fails failed"
[ "$fails" -eq 0 ]
