/* SPDX-License-Identifier: GPL-2.0-or-later */
/* summary.h - the statistics of one run: what the engine counted (packets,
 * flows, decode and capture problems), what the analyzers add (TCP flow
 * counts) and what the sinks add (verdict counts). The engine fills it at
 * the end of a run; the sinks (report, JSON, --check, live view) read it.
 * A plain struct: no function here, so every layer may include it. */
#ifndef SHAKEDOWN_SUMMARY_H
#define SHAKEDOWN_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include "limits.h"
#include "packet.h"

/* Timestamps that went backwards: the first such packet and the one
 * furthest back (frame, its time, how far before the newest packet read
 * until then). */
struct time_disorder {
	uint64_t first_frame, max_frame;
	ts_usec first_ts, first_back, max_ts, max_back;
};

/* New counters must also be added up in ui/workers.c (summary_add). */
struct run_summary {
	uint64_t packets, bytes;
	uint64_t flows, flows_evicted, flows_expired, flows_peak;
	uint64_t drops_kernel, drops_iface; /* live only */
	bool live;
	uint64_t counts[4]; /* verdicts by severity */
	uint64_t verdicts_suppressed; /* over the report's limit */
	ts_usec first_ts, last_ts;
	uint64_t bad_checksums, truncated, non_ip, decode_errors, out_of_order, duplicates;
	uint64_t files_truncated;
	uint64_t tcp_not_held; /* TCP segments beyond a hole not wholly held: a reassembler cap */
	struct time_disorder disorder; /* when out_of_order is not 0 */
	uint64_t tcp_flows, tcp_midstream, tcp_one_direction; /* filled by the analyzers */
	uint64_t fragments, reassembled; /* IP fragments seen, IPv4 datagrams rebuilt */
	uint64_t nids_warnings;          /* libnids complaints (odd segments, no room) */
	/* every bounded table: how often it was full (engine and analyzers fill it) */
	struct limit_hit limits[LIMIT_COUNT];
	const char *source;
	/* the BPF filter (NULL: none), how it was applied (enum
	 * capture_filter_mode), why it was not widened ("" or a note), the
	 * packets read only because it was widened and those of them that
	 * reached the analyzers (ICMP errors, reassembled datagrams, IPv6
	 * first fragments) */
	const char *filter;
	int filter_mode;
	char filter_note[160];
	uint64_t filter_widened, filter_widened_used;
};

#endif
