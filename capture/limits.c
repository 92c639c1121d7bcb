/* SPDX-License-Identifier: GPL-2.0-or-later */
/* limits.c - the words for each bounded table (see limits.h): its name,
 * what its limit counts, the option that raises it and what is lost when
 * it is full. docs/user-guide.md ("Limits") lists the same. */
#include "limits.h"

static const struct limit_info infos[LIMIT_COUNT] = {
	[LIMIT_FLOWS] = { "flow_table", "flow table", "flows", "--max-flows",
			  "the least recently active flow was ended early to make room (its verdict is judged on "
			  "what was seen so far)" },
	[LIMIT_TCP_HOLD] = { "tcp_reassembly", "TCP reassembly (bytes held beyond a hole, all flows)", "bytes",
			     "--max-flows",
			     "bytes beyond a hole were not kept: that direction's payload (SSH handshake) waits there "
			     "for a retransmission, or is no longer followed" },
	[LIMIT_TCP_HOLD_DIR] = { "tcp_reassembly_direction",
				 "TCP reassembly (bytes held beyond a hole, per direction)", "bytes", NULL,
				 "bytes too far beyond a hole were not kept: that direction's payload (SSH handshake) "
				 "waits there for a retransmission, or is no longer followed" },
	[LIMIT_FRAGMENTS] = { "ip_fragments", "IPv4 fragment reassembly", "datagrams",
			      "--max-frag-datagrams",
			      "fragments of a new datagram were not reassembled (the datagram is lost to the "
			      "analyzers)" },
	[LIMIT_FRAGMENT_BYTES] = { "ip_fragment_bytes", "IPv4 fragment memory", "bytes", "--max-frag-mb",
				   "fragments were not reassembled (their datagram is lost to the analyzers)" },
	[LIMIT_TIME_WAIT] = { "time_wait", "TIME_WAIT memory of closed connections", "slots", NULL,
			      "a closed connection still in TIME_WAIT was forgotten: reusing its 4-tuple goes "
			      "unnoticed" },
	[LIMIT_SYN_TARGETS] = { "syn_targets", "unanswered-SYN aggregates", "targets", NULL,
				"attempts to a new target were counted nowhere once it had used up its individual "
				"verdicts" },
	[LIMIT_SERVER_TTLS] = { "server_ttls", "servers' SYN-ACK TTLs", "servers", NULL,
				"a new server's TTL was not remembered: a reset to a SYN in its name is judged "
				"without comparing it with the server's own packets" },
	[LIMIT_SSH] = { "ssh_sessions", "SSH handshake table", "sessions", "--max-ssh",
			"a new SSH connection was not followed (no ssh.* verdict for it)" },
	[LIMIT_IKE] = { "ike_sas", "IKE SA table", "SAs", "--max-ike",
			"an SA that had shown a single message (a lone IKE_SA_INIT, as in a flood) was forgotten "
			"first, oldest first; failing that, the SA idle the longest was judged early: a later "
			"retransmission or answer starts a new SA" },
	[LIMIT_ESP] = { "esp_sas", "ESP SA table", "SAs", "--max-ike",
			"the ESP SA idle the longest was forgotten (its packet counts restart)" },
	[LIMIT_EVIDENCE] = { "verdict_evidence", "evidence frames per verdict", "frames", NULL,
			     "frames beyond the limit are not listed in the verdict (they are still counted in its "
			     "details)" },
	[LIMIT_DETAILS] = { "verdict_details", "details per verdict", "details", NULL,
			    "details beyond the limit were left out of the verdict" },
};

const struct limit_info *limit_info(enum limit_table t)
{
	return t < LIMIT_COUNT ? &infos[t] : &infos[0];
}
