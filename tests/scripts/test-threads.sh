#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --threads 2 (a reading thread, analyzer/driver.c) gives the same output,
# byte for byte, as one thread: JSON of every capture of the bundled
# corpus and the text report (-v) of a quarter of them, a crafted SYN flood long enough for many
# batches, several files with -c and -w. Its refusals name the option.
. "$(dirname "$0")/lib-common.sh"

both() { # label ARGS... : run with --threads 1 and 2, compare stdout and stderr
	local label=$1
	shift
	run "$@" --threads 1
	cp "$tmp/out" "$tmp/out1"
	cp "$tmp/err" "$tmp/err1"
	local rc1=$rc
	run "$@" --threads 2
	if [ "$rc" = "$rc1" ] && cmp -s "$tmp/out" "$tmp/out1" && cmp -s "$tmp/err" "$tmp/err1"; then
		pass "$label: same output with --threads 2 (rc $rc)"
	else
		fail "$label: --threads 2 differs (rc $rc1 / $rc)"
		diff "$tmp/out1" "$tmp/out" | head -5
	fi
}

n=0
bad=0
while IFS= read -r f; do
	n=$((n + 1))
	modes=--json
	[ $((n % 4)) = 0 ] && modes="--json -v" # the text report of every fourth
	for mode in $modes; do
		"$SD" -r "$f" $mode --threads 1 >"$tmp/a" 2>&1
		"$SD" -r "$f" $mode --threads 2 >"$tmp/b" 2>&1
		if ! cmp -s "$tmp/a" "$tmp/b"; then
			echo "differs: $f $mode"
			bad=$((bad + 1))
		fi
	done
done < <(find "$SRC/pcaps" -name '*.pcap*' | sort)
if [ "$n" -gt 50 ] && [ "$bad" = 0 ]; then
	pass "bundled corpus: $n captures, JSON (and text -v of a quarter) the same with --threads 2"
else
	fail "bundled corpus: $bad runs of $n captures differ"
fi

$PY "$SRC/tests/gen/gen-synflood.py" 20000 "$tmp/flood.pcap"
both "20,000-SYN flood (79 batches), --max-flows 2000" -r "$tmp/flood.pcap" --json --max-flows 2000
both "20,000-SYN flood, text -v" -r "$tmp/flood.pcap" -v
grep -q 'tcp.ok' "$tmp/out1" &&
	pass "the flood's healthy connection is reported (tcp.ok)" || fail "no tcp.ok in the flood's report"

set -- $(find "$SRC/pcaps/ssh" -name '*.pcap' | sort | head -3)
both "three files, -c 40, -w" -r "$1" -r "$2" -r "$3" --json -c 40 -w "$tmp/w.pcap"
cp "$tmp/w.pcap" "$tmp/w2.pcap"
"$SD" -r "$1" -r "$2" -r "$3" --json -c 40 -w "$tmp/w.pcap" --threads 1 >/dev/null 2>&1
cmp -s "$tmp/w.pcap" "$tmp/w2.pcap" && pass "-w writes the same file with --threads 2" ||
	fail "-w file differs with --threads 2"
a=$SRC/pcaps/ssh/ssh-banner-stall.pcap b=$SRC/pcaps/ike/ike-no-proposal.pcap
"$SD" -r "$a" -r "$b" --evidence "$tmp/ev1" --json >"$tmp/ev1.json" 2>&1
"$SD" -r "$a" -r "$b" --evidence "$tmp/ev2" --json --threads 2 >"$tmp/ev2.json" 2>&1
if [ -s "$tmp/ev1/index.json" ] && diff -r "$tmp/ev1" "$tmp/ev2" >/dev/null && cmp -s "$tmp/ev1.json" "$tmp/ev2.json"; then
	pass "--evidence: the same pcaps and index with --threads 2 ($(ls "$tmp/ev1" | grep -c pcap) pcaps)"
else
	fail "--evidence differs with --threads 2"
fi
head -c 300000 "$tmp/flood.pcap" >"$tmp/cut.pcap"
both "a file cut short in a packet (its message on stderr too)" -r "$tmp/cut.pcap" --json

run -i lo --threads 2
[ "$rc" = 2 ] && grep -q -- "--threads applies to reading files" "$tmp/err" &&
	pass "live --threads 2 is refused, pointing to --workers" || fail "live --threads 2: rc $rc"
run -r "$1" --threads 3
[ "$rc" = 2 ] && grep -q -- "--threads" "$tmp/err" && pass "--threads 3 is refused, naming the option" ||
	fail "--threads 3: rc $rc"
[ "$fails" = 0 ]
