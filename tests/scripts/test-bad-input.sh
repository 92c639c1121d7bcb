#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-bad-input.sh SHAKEDOWN SOURCE_DIR
#
# Bad input must give a defined exit status and a one-line message naming
# the problem (2 for usage and input errors), and damaged captures must be
# analysed as far as they go without reading out of bounds. Also runs every
# file of ../shared/corpus/malformed (when present): each must end with 0, 1
# or 2, never a signal, and --json must stay valid JSON Lines.
. "$(dirname "$0")/lib-common.sh"

JSONL="$(dirname "$0")/jsonl.py"

# expect_error NAME RC REGEX ARGS...: exit status RC, nothing on stdout,
# exactly one line on stderr, matching REGEX.
expect_error() {
	local name=$1 want=$2 re=$3
	shift 3
	run "$@"
	local lines
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" -ne "$want" ]; then
		fail "$name: exit $rc, want $want ($(head -c 200 "$tmp/err"))"
	elif [ "$lines" -ne 1 ]; then
		fail "$name: $lines lines on stderr, want one: $(head -c 300 "$tmp/err")"
	elif ! grep -Eq "^shakedown: .*$re" "$tmp/err"; then
		fail "$name: message '$(cat "$tmp/err")' does not match /$re/"
	elif [ -s "$tmp/out" ]; then
		fail "$name: unexpected output on stdout: $(head -c 200 "$tmp/out")"
	else
		pass "$name: exit $want, $(cat "$tmp/err")"
	fi
}

# A pcap file header (little-endian, microseconds) with the given link type.
pcap_header() {
	local lt=$1
	printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00'
	printf "\\x$(printf %02x $((lt & 255)))\\x$(printf %02x $((lt >> 8)))\\x00\\x00"
}

LINK="$SRC/pcaps/link"
BAD="$SRC/pcaps/bad"

# ---- files that are not captures
expect_error "missing file" 2 "nope\.pcap: No such file or directory" -r "$tmp/nope.pcap"
printf 'this is a text file, not a capture\n' >"$tmp/notes.txt"
expect_error "text file" 2 "notes\.txt: not a readable pcap or pcapng capture" -r "$tmp/notes.txt"
: >"$tmp/empty.pcap"
expect_error "empty file" 2 "empty\.pcap: empty file, not a capture" -r "$tmp/empty.pcap"
expect_error "directory" 2 "not a readable pcap or pcapng capture" -r "$tmp"
pcap_header 1 | head -c 10 >"$tmp/short-header.pcap"
expect_error "cut file header" 2 "short-header\.pcap: not a readable pcap or pcapng capture" -r "$tmp/short-header.pcap"
expect_error "missing second file" 2 "nope2\.pcap: No such file or directory" -r "$LINK/eth.pcap" -r "$tmp/nope2.pcap" --json

# ---- unsupported link type: DLT_USER0 (147), one record of 20 bytes
{
	pcap_header 147
	printf '\x00\xf1\x53\x65\x00\x00\x00\x00\x14\x00\x00\x00\x14\x00\x00\x00'
	head -c 20 /dev/zero
} >"$tmp/user0.pcap"
expect_error "unsupported link type 147" 2 "user0\.pcap: unsupported link type 147" -r "$tmp/user0.pcap"

# ---- usage errors
expect_error "bad --fail-on" 2 "--fail-on takes ok, info, warn or fail" --fail-on sometimes -r "$LINK/eth.pcap"
expect_error "no -r or -i" 2 "give either -r FILE or -i IFACE"
expect_error "both -r and -i" 2 "give either -r FILE or -i IFACE" -r "$LINK/eth.pcap" -i lo
expect_error "bad BPF filter" 2 "bad capture filter 'tcp port'" -r "$LINK/eth.pcap" tcp port
expect_error "bad --max-flows" 2 "--max-flows takes 16 to" --max-flows 3 -r "$LINK/eth.pcap"
expect_error "bad threshold" 2 "'soon' is not a number of seconds" --syn-timeout soon -r "$LINK/eth.pcap"

# ---- live capture errors
expect_error "-i missing interface" 2 "nosuchif0: no such interface" -i nosuchif0 --no-ui

# unprivileged: a copy of the binary anyone may run (file capabilities do
# not survive the copy), run as nobody through setpriv
unpriv=()
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
	setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	mkdir -p "$tmp/bin" && cp "$SD" "$tmp/bin/shakedown" && chmod 755 "$tmp" "$tmp/bin" "$tmp/bin/shakedown"
	if setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/bin/shakedown" --version >/dev/null 2>&1; then
		unpriv=(setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/bin/shakedown")
	fi
elif [ "$(id -u)" -ne 0 ]; then
	unpriv=("$SD") # already unprivileged
fi
if [ ${#unpriv[@]} -eq 0 ]; then
	echo "SKIP no permission: cannot run shakedown as an unprivileged user here"
else
	run_unpriv() { timeout 60 "${unpriv[@]}" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
	run_unpriv -i lo --no-ui
	if [ "$rc" -ne 2 ] && ! grep -q "no permission" "$tmp/err"; then
		echo "SKIP no permission: this user may capture on lo (exit $rc)"
	elif [ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
		grep -Eq '^shakedown: lo: no permission to capture: run as root.*setcap cap_net_raw,cap_net_admin\+eip' "$tmp/err"; then
		pass "no permission (-i lo as uid $(id -u nobody 2>/dev/null || echo 65534)): exit 2, $(cat "$tmp/err")"
	else
		fail "no permission: exit $rc, message: $(cat "$tmp/err")"
	fi
	# a missing interface must read the same without privileges
	run_unpriv -i nosuchif0 --no-ui
	if [ "$rc" -eq 2 ] && grep -q "^shakedown: nosuchif0: no such interface$" "$tmp/err"; then
		pass "-i missing interface, unprivileged: exit 2, $(cat "$tmp/err")"
	else
		fail "-i missing interface, unprivileged: exit $rc, message: $(cat "$tmp/err")"
	fi
fi

# ---- a capture truncated mid-packet: keep what was read, warn, finish.
# pcaps/bad/truncated.pcap: 12 whole frames, the 13th cut 30 bytes in.
run --json -r "$BAD/truncated.pcap"
if [ "$rc" -ne 1 ]; then
	fail "truncated mid-packet: exit $rc, want 1 (a fail verdict from the frames before the cut)"
elif ! grep -Eq '^shakedown: .*truncated\.pcap: .*; keeping the 12 packets read before it$' "$tmp/err" ||
	[ "$(wc -l <"$tmp/err")" -ne 1 ]; then
	fail "truncated mid-packet: stderr '$(cat "$tmp/err")' is not one warning naming the 12 packets kept"
elif ! $PY "$JSONL" "$tmp/out" >"$tmp/ids" 2>&1; then
	fail "truncated mid-packet: --json output is not JSON Lines: $(tail -1 "$tmp/ids")"
elif ! grep -qx "fail tcp.refused 192.0.2.10:40000 -> 198.51.100.20:22 frames=1,2" "$tmp/ids" ||
	! grep -q "^warn capture.file_truncated - -> - " "$tmp/ids" ||
	! grep -q "^summary packets=12 " "$tmp/ids"; then
	fail "truncated mid-packet: verdicts were: $(tr '\n' ';' <"$tmp/ids")"
else
	pass "truncated mid-packet: exit 1, warned, tcp.refused from frames 1-2 and capture.file_truncated, 12 packets"
fi

# the same capture cut inside a record header (24 + 16 + 74 + 8 bytes: the
# first frame whole, then half of the second record's header)
head -c 122 "$LINK/eth.pcap" >"$tmp/cut-header.pcap"
run --json -r "$tmp/cut-header.pcap"
if [ "$rc" -eq 0 ] && grep -q "keeping the 1 packets read before it" "$tmp/err" &&
	$PY "$JSONL" "$tmp/out" >"$tmp/ids" && grep -q "^warn capture.file_truncated - -> - " "$tmp/ids" &&
	grep -q "^summary packets=1 flows=1 " "$tmp/ids"; then
	pass "truncated inside a record header: exit 0, 1 packet kept, capture.file_truncated"
else
	fail "truncated inside a record header: exit $rc, stderr '$(cat "$tmp/err")', got $(tr '\n' ';' <"$tmp/ids" 2>/dev/null)"
fi

# ---- packets cut by the snaplen
# pcaps/bad/ssh-snaplen-64.pcap: a real SSH session, every frame cut to 64
# bytes: the TCP headers are readable, no SSH byte is.
run --json -r "$BAD/ssh-snaplen-64.pcap"
if [ "$rc" -ne 0 ] || [ -s "$tmp/err" ]; then
	fail "snaplen 64: exit $rc, stderr '$(cat "$tmp/err")'"
elif ! $PY "$JSONL" "$tmp/out" >"$tmp/ids" 2>&1; then
	fail "snaplen 64: --json output is not JSON Lines: $(tail -1 "$tmp/ids")"
elif ! grep -q "^warn capture.snaplen_short - -> - " "$tmp/ids" || grep -q " ssh\." "$tmp/ids" ||
	! grep -Eq "^ok tcp.ok 192.0.2.10:[0-9]+ -> 198.51.100.20:22 frames=1," "$tmp/ids" ||
	! grep -q "^summary packets=48 flows=1 truncated=48 " "$tmp/ids"; then
	fail "snaplen 64: verdicts were: $(tr '\n' ';' <"$tmp/ids")"
else
	pass "snaplen 64: exit 0, capture.snaplen_short, tcp.ok, no ssh.* verdict, 48 packets marked truncated"
fi

# every frame of eth.pcap cut to 40 bytes: Ethernet, IPv4 and only the first
# 6 bytes of TCP (no flags): nothing may be claimed about the connections.
$PY - "$LINK/eth.pcap" "$tmp/snap40.pcap" <<'EOF'
import struct, sys
blob = open(sys.argv[1], "rb").read()
out = bytearray(blob[:24])
out[16:20] = struct.pack("<I", 40)
off = 24
while off + 16 <= len(blob):
    sec, usec, incl, orig = struct.unpack_from("<IIII", blob, off)
    data = blob[off + 16:off + 16 + incl][:40]
    out += struct.pack("<IIII", sec, usec, len(data), orig) + data
    off += 16 + incl
open(sys.argv[2], "wb").write(out)
EOF
run --json -r "$tmp/snap40.pcap"
if [ "$rc" -eq 0 ] && $PY "$JSONL" "$tmp/out" >"$tmp/ids" && grep -q "^warn capture.snaplen_short - -> - " "$tmp/ids" &&
	! grep -q " tcp\." "$tmp/ids" && grep -q "^summary packets=21 flows=0 truncated=21 " "$tmp/ids"; then
	pass "snaplen 40 (TCP header cut): exit 0, capture.snaplen_short, no tcp.* verdict"
else
	fail "snaplen 40: exit $rc, got $(tr '\n' ';' <"$tmp/ids" 2>/dev/null) $(head -c 200 "$tmp/err")"
fi

# ---- the shared corpus of malformed captures
MAL="$SRC/../shared/corpus/malformed"
if [ ! -d "$MAL" ]; then
	echo "SKIP malformed corpus: $MAL is absent"
	[ "$fails" -eq 0 ] && exit 77
	exit 1
fi
n=0
bad=0
for f in "$MAL"/*; do
	case "$f" in *.pcap | *.pcapng | *.cap) ;; *) continue ;; esac
	n=$((n + 1))
	run --json -r "$f"
	name=${f##*/}
	if [ "$rc" -gt 2 ] || grep -qE 'runtime error:|ERROR: AddressSanitizer' "$tmp/err"; then
		fail "malformed $name: exit $rc (signal, crash or sanitizer report): $(grep -m2 -E 'ERROR|runtime error' "$tmp/err")"
		bad=$((bad + 1))
	elif [ "$rc" -eq 2 ]; then
		# refused input: one line saying why, no JSON at all
		if [ -s "$tmp/out" ] || [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
			fail "malformed $name: exit 2 needs one line on stderr and nothing on stdout"
			bad=$((bad + 1))
		fi
	else
		# checked below, all in one Python run (a Python start-up per file
		# cost most of this test's time)
		mkdir -p "$tmp/mal"
		cp "$tmp/out" "$tmp/mal/$name.jsonl"
	fi
done
if [ -d "$tmp/mal" ]; then
	$PY "$JSONL" --many "$tmp/mal"/*.jsonl >"$tmp/pyerr" 2>&1
	while IFS= read -r line; do
		line=${line#"$tmp/mal/"}
		fail "malformed ${line%%.jsonl: *}: --json output: ${line#*.jsonl: }"
		bad=$((bad + 1))
	done <"$tmp/pyerr"
fi
if [ "$n" -eq 0 ]; then
	fail "malformed corpus: no captures in $MAL"
else
	echo "PASS malformed corpus: $((n - bad)) of $n captures ended with 0/1/2 and valid JSON Lines"
fi

echo "$fails failed"
[ "$fails" -eq 0 ]
