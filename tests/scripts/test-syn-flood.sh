#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A SYN flood keeps memory flat (bounded by --max-flows) and is reported in
# aggregate: a few lines per target, not one per SYN. Crafted capture.
bin=$1 src=$2
py=/usr/bin/python3
[ -x "$py" ] || py=python3
dir=$(mktemp -d /tmp/sd-flood.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail=0
check() { if eval "$2"; then echo "PASS: $1"; else echo "FAIL: $1"; fail=1; fi; }

"$py" "$src/tests/gen/gen-synflood.py" 20000 "$dir/small.pcap"
"$py" "$src/tests/gen/gen-synflood.py" 200000 "$dir/big.pcap"
run() { # file -> peak RSS in KiB; JSON in $dir/out.jsonl
	# 4 KiB pages for both: the big file (11 MB) would start again with
	# huge pages (ui/main.c, files of 4 MiB or more) and the small one not,
	# and 2 MiB pages round the heap up by a few MiB
	SHAKEDOWN_HUGEPAGES=0 /usr/bin/time -f "%M" -o "$dir/rss" "$bin" -r "$1" --json --max-flows 2000 >"$dir/out.jsonl" 2>/dev/null
	tail -n 1 "$dir/rss"
}
rss_small=$(run "$dir/small.pcap")
rss_big=$(run "$dir/big.pcap")
echo "peak RSS: 20k SYNs ${rss_small} KiB, 200k SYNs ${rss_big} KiB"
check "memory flat: 10x the SYNs costs < 1.3x the memory" "[ \$(( rss_big * 10 )) -lt \$(( rss_small * 13 )) ]"

count() { grep -c "$1" "$dir/out.jsonl"; }
check "at most 4 tcp.syn_unanswered lines for the target (3 single + 1 aggregate)" \
	"[ \$(grep '\"tcp.syn_unanswered\"' '$dir/out.jsonl' | grep -c '198.51.100.20\",\"port\":80') -le 4 ]"
# (random spoofed sources repeat a 4-tuple now and then: a few hundred SYNs
# land on an existing half-open flow instead of a new one)
attempts=$(grep '"aggregate":true' "$dir/out.jsonl" | grep -o '"attempts":[0-9]*' | cut -d: -f2)
check "the aggregate counts (nearly) all of the 200000 attempts ($attempts)" "[ \"\${attempts:-0}\" -ge 199000 ]"
check "the table overflow is reported" "[ \$(count '\"capture.flow_table_full\"') -eq 1 ]"
check "the healthy connection in the middle of the flood is still tcp.ok" \
	"grep '\"tcp.ok\"' '$dir/out.jsonl' | grep -q '\"port\":40000'"
check "total verdict lines stay small" "[ \$(wc -l <'$dir/out.jsonl') -lt 20 ]"
exit $fail
