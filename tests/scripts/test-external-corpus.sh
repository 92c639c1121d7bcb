#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-external-corpus.sh SHAKEDOWN SOURCE_DIR
#
# Runs shakedown over the public captures of ../shared/corpus/external
# (skipped when absent): none may crash, every --json output must be valid,
# and a few facts, each checked with tshark 4.0 beforehand (the tshark view
# is quoted above each case), must come out. The BPF filters that keep only
# the client's packets turn an open connection into a one-sided flow, so the
# verdict names the endpoints the link layer decoding found.
. "$(dirname "$0")/lib-common.sh"
EXT="$SRC/../shared/corpus/external"
JSONL="$(dirname "$0")/jsonl.py"
[ -d "$EXT" ] || { echo "SKIP: $EXT is absent"; exit 77; }

# digest NAME FILE [ARGS...]: run with --json, digest into $tmp/v; 0 if valid
digest() {
	local name=$1 file=$2
	shift 2
	if [ ! -f "$EXT/$file" ]; then
		fail "$name: $file is missing from the corpus"
		return 1
	fi
	run --json -r "$EXT/$file" "$@"
	if [ "$rc" -gt 1 ] || ! $PY "$JSONL" "$tmp/out" >"$tmp/v" 2>"$tmp/pyerr"; then
		fail "$name: exit $rc $(head -c 200 "$tmp/err") $(tail -1 "$tmp/pyerr" 2>/dev/null)"
		return 1
	fi
}

# has NAME REGEX...: every REGEX matches a line of the digest
has() {
	local name=$1 re
	shift
	for re in "$@"; do
		if ! grep -Eq -- "$re" "$tmp/v"; then
			fail "$name: no line matches /$re/; got:"
			sed 's/^/    /' "$tmp/v"
			return
		fi
	done
	pass "$name"
}

# ---- chrissanders-packets/synscan.pcapng: an nmap SYN scan of 64.13.134.52.
# tshark: 1994 SYNs from 172.16.0.8 in 1994 distinct 4-tuples; RST/ACK from
# ports 113 (frame 14, to 36050), 25 (47), 31337 (118), 113 (571, to 36061),
# 70 (1233); SYN-ACKs from 22, 53 and 80; the other 1986 SYNs unanswered.
if digest "synscan" chrissanders-packets/synscan.pcapng; then
	has "synscan: the 5 refused ports, with their RST frames" \
		'^fail tcp.refused 172.16.0.8:36050 -> 64.13.134.52:113 frames=13,14$' \
		'^fail tcp.refused 172.16.0.8:36050 -> 64.13.134.52:25 frames=[0-9]+,47$' \
		'^fail tcp.refused 172.16.0.8:36050 -> 64.13.134.52:31337 frames=[0-9]+,118$' \
		'^fail tcp.refused 172.16.0.8:36061 -> 64.13.134.52:113 frames=[0-9]+,571$' \
		'^fail tcp.refused 172.16.0.8:36050 -> 64.13.134.52:70 frames=[0-9]+,1233$' \
		'^summary packets=2011 flows=1994 truncated=0 decode_errors=0 '
	n=$(grep -c '^fail tcp.refused ' "$tmp/v")
	[ "$n" -eq 5 ] && pass "synscan: exactly 5 tcp.refused" || fail "synscan: $n tcp.refused, want 5"
	# the unanswered SYNs: a few single verdicts and one aggregate line whose
	# attempts make up the rest; together the 1986 tshark counts
	if $PY - "$tmp/out" <<'EOF'; then
import json, sys
v = [json.loads(l) for l in open(sys.argv[1])]
u = [o for o in v if o.get("id") == "tcp.syn_unanswered"]
agg = [o for o in u if o["details"].get("aggregate")]
single = [o for o in u if not o["details"].get("aggregate")]
assert len(agg) == 1, "want one aggregate syn_unanswered, got %d" % len(agg)
a = agg[0]["details"]
assert a["individually_reported"] == len(single), (a, len(single))
total = len(single) + a["attempts"]
assert total == 1986, "unanswered SYNs: %d single + %d aggregated = %d, tshark says 1986" % (len(single), a["attempts"], total)
assert agg[0]["server"]["ip"] == "64.13.134.52" and a["several_clients"] is False, agg[0]
print("%d single + %d aggregated" % (len(single), a["attempts"]))
EOF
		pass "synscan: unanswered SYNs single + aggregated = 1986, one aggregate line for 64.13.134.52"
	else
		fail "synscan: unanswered SYN accounting"
	fi
fi

# ---- arkime/twovlan.pcap: two 802.1Q tags (VLAN 201 outside, 200 inside).
# tshark: 1 SYN 10.0.0.1:54422 -> 10.0.0.2:80, 2 SYN/ACK, 3 ACK, 4 113-byte
# request, 5-6 server ACK and data; no FIN (open at the end).
if digest "twovlan" arkime/twovlan.pcap; then
	has "twovlan: 6 packets, one flow, no TCP verdict for the open connection" \
		'^summary packets=6 flows=1 truncated=0 decode_errors=0 ok=0 '
	! grep -q ' tcp\.' "$tmp/v" || fail "twovlan: unexpected TCP verdict: $(grep ' tcp\.' "$tmp/v")"
fi
if digest "twovlan client only" arkime/twovlan.pcap vlan and vlan and src host 10.0.0.1; then
	has "twovlan, client packets only: one-sided flow 10.0.0.1:54422 -> 10.0.0.2:80, frames 1,3,4" \
		'^(warn|fail) tcp.one_sided 10.0.0.1:54422 -> 10.0.0.2:80 frames=1,3,4$'
fi

# ---- arkime/pppoe.pcap: PPPoE session, PPP protocol 0x0021.
# tshark: 172.202.246.57:1063 -> 64.12.189.217:443, handshake 1-3, TLS;
# client frames 1 3 4 7 9; 10 frames, no FIN.
if digest "pppoe" arkime/pppoe.pcap; then
	has "pppoe: 10 packets, one flow" '^summary packets=10 flows=1 truncated=0 decode_errors=0 '
fi
if digest "pppoe client only" arkime/pppoe.pcap pppoes and src host 172.202.246.57; then
	has "pppoe, client packets only: one-sided 172.202.246.57:1063 -> 64.12.189.217:443, frames 1,3,4,7,9" \
		'^(warn|fail) tcp.one_sided 172.202.246.57:1063 -> 64.12.189.217:443 frames=1,3,4,7,9$'
fi

# ---- suricata-verify bug-4810: PPPoE with PPP protocol field compression
# (one protocol byte, 0x21). tshark: 10.100.0.0:57013 -> 142.250.179.131:80,
# handshake 1-3, request 4, answer 6-21, client FIN 28, server FIN 29, ACK 30.
if digest "pppoe compressed protocol" suricata-verify/bug-4810__pppoe-session-http.pcap; then
	has "pppoe with a 1-byte PPP protocol: clean connection, 30 packets" \
		'^ok tcp.ok 10.100.0.0:57013 -> 142.250.179.131:80 ' \
		'^summary packets=30 flows=1 truncated=0 decode_errors=0 '
fi

# ---- suricata-verify decode-sll2-01: Linux cooked v2.
# tshark: 192.168.1.253:56478 -> 192.168.1.21:80: SYN 1, SYN/ACK 2, ACK 3,
# 82-byte request 4, server ACK 5; open at the end.
if digest "sll2" suricata-verify/decode-sll2-01__input.pcap; then
	has "sll2: 5 packets, one flow" '^summary packets=5 flows=1 truncated=0 decode_errors=0 '
fi
if digest "sll2 client only" suricata-verify/decode-sll2-01__input.pcap src host 192.168.1.253; then
	has "sll2, client packets only: one-sided 192.168.1.253:56478 -> 192.168.1.21:80, frames 1,3,4" \
		'^(warn|fail) tcp.one_sided 192.168.1.253:56478 -> 192.168.1.21:80 frames=1,3,4$'
fi

# ---- zeek/nflog-http.pcap: NFLOG. tshark: 10.0.2.15:49762 -> 93.184.216.34:80,
# SYN logged three times (frames 1-3, same instant), SYN/ACK 4, request 6,
# answer 8, client FIN 10, server FIN 12, last ACK 13.
if digest "nflog" zeek/nflog-http.pcap; then
	has "nflog: clean connection 10.0.2.15:49762 -> 93.184.216.34:80" \
		'^ok tcp.ok 10.0.2.15:49762 -> 93.184.216.34:80 ' \
		'^summary packets=13 flows=1 truncated=0 decode_errors=0 '
fi

# ---- zeek/ipv4__fragmented-syn.pcap: tshark: a SYN 192.168.1.100:12345 ->
# 10.0.0.5:80 in two fragments (24 + 16 bytes of a 40-byte TCP header),
# reassembled in frame 2. The flow only exists if reassembly worked.
if digest "fragmented SYN" zeek/ipv4__fragmented-syn.pcap; then
	has "fragmented SYN: reassembled into one flow, no decode error" \
		'^summary packets=2 flows=1 truncated=0 decode_errors=0 '
fi

# ---- tcpdump/LINKTYPE_IPV6.pcap: one raw IPv6 packet 2001:db8::1 -> 2620:fe::9
if digest "LINKTYPE_IPV6" tcpdump/LINKTYPE_IPV6.pcap; then
	has "LINKTYPE_IPV6: the packet makes one flow" '^summary packets=1 flows=1 truncated=0 decode_errors=0 '
fi

# ---- no crash anywhere in the corpus
n=0
bad=0
for f in "$EXT"/*/*; do
	case "$f" in *.pcap | *.pcapng | *.cap) ;; *) continue ;; esac
	n=$((n + 1))
	RUN_TIMEOUT=300 run --json -r "$f"
	if [ "$rc" -gt 2 ] || grep -qE 'runtime error:|ERROR: AddressSanitizer' "$tmp/err"; then
		fail "${f#"$EXT"/}: exit $rc $(grep -m2 -E 'ERROR|runtime error' "$tmp/err")"
		bad=$((bad + 1))
	elif [ "$rc" -le 1 ]; then
		# checked below, all in one Python run
		mkdir -p "$tmp/all"
		cp "$tmp/out" "$tmp/all/$n.jsonl"
		echo "${f#"$EXT"/}" >"$tmp/all/$n.name"
	elif [ "$rc" -eq 2 ] && ! grep -q "unsupported link type" "$tmp/err"; then
		fail "${f#"$EXT"/}: refused: $(cat "$tmp/err")"
		bad=$((bad + 1))
	fi
done
if [ -d "$tmp/all" ]; then
	$PY "$JSONL" --many "$tmp/all"/*.jsonl >"$tmp/pyerr" 2>&1
	while IFS= read -r line; do
		k=${line#"$tmp/all/"}
		k=${k%%.jsonl: *}
		fail "$(cat "$tmp/all/$k.name"): --json: ${line#*.jsonl: }"
		bad=$((bad + 1))
	done <"$tmp/pyerr"
fi
echo "PASS external corpus: $((n - bad)) of $n captures analysed (or refused for their link type) without a crash"

echo "$fails failed"
[ "$fails" -eq 0 ]
