#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-limits.sh SHAKEDOWN SOURCE_DIR
#
# Every bounded table, filled by a crafted capture (tests/gen/gen-limits.py)
# with a small limit: the JSON summary counts the hits under "limits", the
# table's capture.* verdict names it (limit, times, first hit, option), the
# text report says so too, and the real failure hidden in a flood is still
# reported. The per-verdict evidence and detail caps are unit-tested
# (tests/unit/test_limits.c): no crafted traffic reaches them.
bin=$1 src=$2
py=/usr/bin/python3
[ -x "$py" ] || py=python3
dir=$(mktemp -d /tmp/sd-limits.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail=0
gen() { "$py" "$src/tests/gen/gen-limits.py" "$@"; }

# expect NAME KEY VERDICT_ID OPTION PCAP [ARGS...]: run with --json and
# check the counter and the verdict; then the text report's line.
expect() {
	local name=$1 key=$2 id=$3 option=$4 pcap=$5
	shift 5
	"$bin" -r "$dir/$pcap" --json "$@" >"$dir/out.jsonl" 2>"$dir/err"
	if "$py" - "$dir/out.jsonl" "$key" "$id" "$option" <<'PY'; then
import json, sys
path, key, vid, option = sys.argv[1:]
lines = [json.loads(l) for l in open(path, encoding="utf-8")]
summary = lines[-1]
assert summary["type"] == "summary"
times = summary["limits"][key]
assert times > 0, "summary: limits.%s = 0" % key
others = [k for k, v in summary["limits"].items() if v and k != key]
assert not others, "other tables full too: %s" % others
vs = [l for l in lines if l.get("id") == vid and l["details"].get("table") == key]
assert len(vs) == 1, "%d %s verdicts for %s" % (len(vs), vid, key)
d = vs[0]["details"]
assert d["times"] == times, "verdict times %s != summary %s" % (d["times"], times)
assert d["limit"] > 0 and d["first_hit_ts"] >= 1700000000 and d["lost"], d
assert d["option"] == option, "option %r" % d["option"]
assert vs[0]["severity"] == "warn"
assert (option in vs[0]["summary"]) if option else True, vs[0]["summary"]
print("  %s: %d times, limit %d, %s" % (key, times, d["limit"], vs[0]["summary"][:90]))
PY
		echo "PASS: $name (json)"
	else
		echo "FAIL: $name (json)"
		fail=1
	fi
	# wide: the check reads the limits line whole (the report wraps at 80 columns)
	COLUMNS=1000 "$bin" -r "$dir/$pcap" "$@" >"$dir/out.txt" 2>&1
	if grep -q "^shakedown: limits reached: .* [0-9]* times (limit [0-9]*" "$dir/out.txt" && grep -q "$id" "$dir/out.txt"; then
		echo "PASS: $name (text)"
	else
		echo "FAIL: $name (text report has no limits line or no $id)"
		fail=1
	fi
}

gen flows "$dir/flows.pcap"
gen ssh 40 "$dir/ssh40.pcap"
gen sshhole 80 "$dir/sshhole80.pcap"
gen sshfar "$dir/sshfar.pcap"
gen frag "$dir/frag.pcap"
gen timewait "$dir/timewait.pcap"
gen syntargets "$dir/syntargets.pcap"
gen servers "$dir/servers.pcap"
gen ike "$dir/ike.pcap"
gen esp "$dir/esp.pcap"

expect "flow table" flow_table capture.flow_table_full --max-flows flows.pcap --max-flows 16
expect "SSH sessions" ssh_sessions capture.limits_reached --max-ssh ssh40.pcap --max-ssh 16
expect "TCP bytes held, all flows" tcp_reassembly capture.limits_reached --max-flows sshhole80.pcap --max-flows 4096
expect "TCP bytes held, one direction" tcp_reassembly_direction capture.limits_reached "" sshfar.pcap
expect "fragment datagrams" ip_fragments capture.limits_reached --max-frag-datagrams frag.pcap --max-frag-datagrams 16
expect "fragment memory" ip_fragment_bytes capture.limits_reached --max-frag-mb frag.pcap --max-frag-mb 1
expect "TIME_WAIT memory" time_wait capture.limits_reached "" timewait.pcap
expect "SYN targets" syn_targets capture.limits_reached "" syntargets.pcap
expect "servers' SYN-ACK TTLs" server_ttls capture.limits_reached "" servers.pcap
expect "IKE SAs" ike_sas capture.limits_reached --max-ike ike.pcap --max-ike 128
expect "ESP SAs" esp_sas capture.limits_reached --max-ike esp.pcap --max-ike 128

# the failure the floods hide is still reported
for run in "frag.pcap --max-frag-datagrams 16" "ike.pcap --max-ike 128"; do
	# shellcheck disable=SC2086
	"$bin" -r "$dir"/$run --json >"$dir/out.jsonl" 2>/dev/null
	if grep '"ike.no_response"' "$dir/out.jsonl" | grep -q '"198.51.100.77"'; then
		echo "PASS: the blocked tunnel in $run is ike.no_response"
	else
		echo "FAIL: no ike.no_response for the blocked tunnel in $run"
		fail=1
	fi
done

# the fragment flood under the default caps: bounded and nothing full
/usr/bin/time -f "%M" -o "$dir/rss" "$bin" -r "$dir/frag.pcap" --json >"$dir/out.jsonl" 2>/dev/null
rss=$(tail -n 1 "$dir/rss")
if grep -q '"ip_fragments":0,"ip_fragment_bytes":0' "$dir/out.jsonl" && [ "$rss" -lt 400000 ]; then
	echo "PASS: 3000 incomplete datagrams fit the default caps (peak RSS $rss KiB)"
else
	echo "FAIL: default fragment caps (RSS $rss KiB)"
	fail=1
fi
exit $fail
