#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Evidence that decides: per verdict id, the roles its evidence must hold on
# a bundled capture, and the packet in the deciding role is the one tshark
# finds by its own dissection (the responder's NO_PROPOSAL_CHOSEN notify,
# the RST, the ICMP error...).
. "$(dirname "$0")/lib-common.sh"
command -v tshark >/dev/null || { echo "SKIP: tshark is needed to find the deciding packets"; exit 77; }

# capture | verdict id | roles required | role checked | tshark filter for that packet
cases="
ike/ike-no-proposal.pcap|ike.no_proposal_chosen|request refusal|refusal|isakmp.notify.msgtype == 14 && ip.src == 198.51.100.1
ike/ikev1-no-proposal.pcap|ike.no_proposal_chosen|request refusal|refusal|isakmp.notify.msgtype == 14 && ip.src == 198.51.100.1
ike/ike-dh-mismatch.pcap|ike.no_proposal_chosen|request refusal|refusal|isakmp.notify.msgtype == 14
ike/ike-dh-unsupported-loop.pcap|ike.dh_group_mismatch|request refusal|refusal|isakmp.notify.msgtype == 17
ike-crafted/ikev1-auth-failed.pcap|ike.auth_failed|request refusal|refusal|isakmp.notify.msgtype == 24
ike-crafted/ikev1-qm-invalid-id.pcap|ike.ts_unacceptable|request refusal|refusal|isakmp.notify.msgtype == 18
link/eth.pcap|tcp.refused|request reset|reset|tcp.flags.reset == 1
ssh/ssh-icmp-reject.pcap|tcp.icmp_rejected|request icmp|icmp|icmp.type == 3
ike-crafted/ike-icmp-port-unreachable.pcap|ike.icmp_unreachable|request icmp|icmp|icmp.type == 3
ssh/ssh-filtered.pcap|tcp.syn_unanswered|request|request|tcp.flags.syn == 1 && tcp.flags.ack == 0
"
while IFS='|' read -r cap id roles role flt; do
	[ -n "$cap" ] || continue
	f="$SRC/pcaps/$cap"
	run -r "$f" --json
	frames=$(tshark -r "$f" -Y "$flt" -T fields -e frame.number 2>/dev/null | tr '\n' ' ')
	if "$PY" - "$tmp/out" "$id" "$roles" "$role" "$frames" <<'PYEOF'; then
import json, sys
out, vid, roles, role, frames = sys.argv[1:6]
tshark = {int(x) for x in frames.split()}
ok = False
for line in open(out):
    o = json.loads(line)
    if o.get("type") != "verdict" or o["id"] != vid:
        continue
    have = {e["role"] for e in o["evidence"]}
    deciding = {e["frame"] for e in o["evidence"] if e["role"] == role}
    if set(roles.split()) <= have and deciding and deciding <= tshark:
        ok = True
    else:
        print(f"  {vid}: roles {sorted(have)}, {role} frames {sorted(deciding)}, tshark {sorted(tshark)}")
sys.exit(0 if ok else 1)
PYEOF
		pass "$cap: $id evidence holds $roles; the $role is frame(s) tshark finds by '$flt'"
	else
		fail "$cap: $id"
	fi
done <<<"$cases"
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
