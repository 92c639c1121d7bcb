#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-filter-widen.sh SHAKEDOWN SOURCE_DIR
#
# A BPF filter such as "port 22" must not hide the ICMP error or the IP
# fragment that decides a verdict: by default the filter is widened to
# ICMP/ICMPv6 errors and fragments, and those extra packets count only for
# the flows the user's own filter selects; --strict-filter uses the filter
# as written. Captures (checked with tshark, see their .expect):
#   pcaps/ssh/ssh-icmp-reject.pcap  SYN to :22 (1), ICMP 3/13 quoting it (2)
#   pcaps/ike/ike-port-unreachable.pcap  IKE_SA_INIT to :500, ICMP port
#       unreachable answers (frames 2, 4, ...)
#   pcaps/link/frag.pcap  a SYN to :22 in two IPv4 fragments (6-7; frame 7
#       has no ports) answered by a RST (8); a UDP echo :7 in fragments
. "$(dirname "$0")/lib-common.sh"

# ids: the verdict ids of the JSON run in $tmp/out, one line
ids() {
	"$PY" -c 'import json,sys
print(" ".join(sorted(json.loads(l)["id"] for l in sys.stdin if json.loads(l).get("type") == "verdict")))' <"$tmp/out"
}
# summary KEY: a field of the JSON summary in $tmp/out
summary() {
	"$PY" -c 'import json,sys
for l in sys.stdin:
    o = json.loads(l)
    if o.get("type") == "summary": print(json.dumps(o[sys.argv[1]]))' "$1" <"$tmp/out"
}
# expect NAME WANT_IDS_REGEX: the run's verdict ids match (grep -E)
expect() {
	local got
	got=$(ids)
	if [ $rc -le 1 ] && echo "$got" | grep -Eq -- "$2"; then pass "$1: $got"; else fail "$1: exit $rc, ids '$got' do not match /$2/; $(head -c 300 "$tmp/err")"; fi
}
# field NAME KEY VALUE: the summary's KEY is VALUE (JSON)
field() {
	local got
	got=$(summary "$2")
	if [ "$got" = "$3" ]; then pass "$1: $2=$got"; else fail "$1: $2 is '$got', want '$3'"; fi
}

ICMP=$SRC/pcaps/ssh/ssh-icmp-reject.pcap
run -r "$ICMP" --json port 22
expect "port 22: the ICMP reject is read" '(^| )tcp\.icmp_rejected( |$)'
field "port 22" filter_extended true
field "port 22" filter_extra_packets 1
field "port 22" filter_extra_analysed 1
field "port 22" filter '"port 22"'
run -r "$ICMP" --json --strict-filter port 22
expect "--strict-filter port 22: the ICMP reject is not read" '^tcp\.capture_ended$'
field "--strict-filter" filter_extended false
field "--strict-filter" filter_extra_packets 0
# an ICMP error about a flow the filter does not select is read, not analysed
run -r "$ICMP" --json port 2222
expect "port 2222: the ICMP about :22 is not analysed" '^$'
field "port 2222" filter_extra_packets 1
field "port 2222" filter_extra_analysed 0
# no filter: nothing to widen
run -r "$ICMP" --json
field "no filter" filter null
field "no filter" filter_extended false
run -r "$ICMP" --strict-filter
if [ $rc -eq 2 ] && grep -q 'strict-filter' "$tmp/err"; then pass "--strict-filter without a filter refused"; else fail "--strict-filter without a filter: exit $rc"; fi

IKE=$SRC/pcaps/ike/ike-port-unreachable.pcap
run -r "$IKE" --json udp port 500
expect "udp port 500: ICMP port unreachable" '(^| )ike\.icmp_unreachable( |$)'
run -r "$IKE" --json --strict-filter udp port 500
got=$(ids)
if echo "$got" | grep -q icmp_unreachable; then fail "--strict-filter udp port 500: ICMP still read ($got)"; else pass "--strict-filter udp port 500: no ike.icmp_unreachable ($got)"; fi

# fragments: frame 7 (the SYN's second fragment) has no port; the
# reassembled SYN does, and the RST refuses it
FRAG=$SRC/pcaps/link/frag.pcap
run -r "$FRAG" --json port 22
expect "port 22: the fragmented SYN is reassembled" '^tcp\.refused tcp\.refused$'
run -r "$FRAG" --json --strict-filter port 22
got=$(ids)
if echo "$got" | grep -q refused; then fail "--strict-filter port 22: fragment read ($got)"; else pass "--strict-filter port 22: no tcp.refused ($got)"; fi
# the fragments of flows the filter does not select stay out of the analysis
run -r "$FRAG" --json port 80
expect "port 80: only the port-80 flow" '^tcp\.ok$'
field "port 80" filter_extra_analysed 0

# text report: the header and the summary line say so
run -r "$ICMP" port 22
if head -1 "$tmp/out" | grep -q '^filter: port 22, widened' && grep -q 'filter widened' "$tmp/out"; then
	pass "text: header and summary name the widened filter"
else
	fail "text: no widened-filter header/summary: $(head -3 "$tmp/out")"
fi

# a filter on link-layer fields cannot judge a quoted packet: used as written, said so
run -r "$SRC/pcaps/link/vlan.pcap" --json vlan and port 22
field "vlan filter" filter_extended false
note=$(summary filter_note)
case $note in *link-layer*) pass "vlan filter: note $note" ;; *) fail "vlan filter: note '$note'" ;; esac

# the widened filter compiles on every link type whose own filter does
for f in "$SRC"/pcaps/link/*.pcap; do
	run -r "$f" --json --strict-filter port 22
	[ $rc -le 1 ] || continue # libpcap cannot filter this link type at all
	run -r "$f" --json port 22
	ext=$(summary filter_extended)
	if [ $rc -le 1 ] && [ "$ext" = true ]; then pass "${f##*/}: widened"; else fail "${f##*/}: exit $rc, filter_extended '$ext' ($(summary filter_note))"; fi
done

echo "$fails failed"
[ $fails -eq 0 ]
