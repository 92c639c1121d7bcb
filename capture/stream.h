/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stream.h - TCP reassembly and IPv4 defragmentation.
 *
 * IPv4: libnids (defragmentation and TCP reassembly), fed only the packets
 * of flows whose bytes someone wants (flow->want_stream), plus every IPv4
 * fragment. IPv6: a small in-order reassembler of ours. Either way the
 * bytes go back, in order and per direction, through the on_bytes callback
 * the owner gave; datagrams rebuilt from fragments go back through
 * on_datagram. This module calls nobody else: it knows the flow table (to
 * find a stream's flow) and its two callbacks.
 *
 * libnids keeps its state in process globals, so only one struct stream
 * may exist at a time (stream_new fails while another is open). That is
 * the one per-process exception of the engine, and it is kept here. */
#ifndef SHAKEDOWN_STREAM_H
#define SHAKEDOWN_STREAM_H

#include "flow.h"
#include "limits.h"

/* Defaults of the global cap on IPv4 fragments held for reassembly. */
#define STREAM_FRAG_DATAGRAMS 4096
#define STREAM_FRAG_BYTES (32ull << 20)

struct stream_stats {
	uint64_t nids_packets;     /* packets handed to libnids */
	uint64_t syns_held;        /* first SYNs held back from libnids (stream_tcp4) */
	uint64_t nids_streams;     /* streams libnids reported established */
	uint64_t nids_evicted;     /* streams libnids dropped for room */
	uint64_t nids_warnings;
	uint64_t reassembled;      /* IPv4 datagrams rebuilt from fragments */
	uint64_t v6_out_of_order;  /* IPv6 segments skipped by our in-order reassembler */
	uint64_t bytes_delivered;
	uint32_t frag_peak;          /* datagrams in reassembly at once, at most */
	uint64_t frag_bytes_peak;
	struct limit_hit nids_full;  /* libnids dropped a stream for room */
	struct limit_hit frag_full;  /* fragments refused: no datagram slot */
	struct limit_hit frag_bytes_full; /* fragments refused: over the byte cap */
};

struct stream_hooks {
	/* In-order bytes of flow f in direction dir; frame and ts are those of
	 * the packet that completed them. */
	void (*on_bytes)(void *arg, struct flow *f, int dir, const uint8_t *data, size_t len, uint64_t frame,
			 ts_usec ts);
	/* A datagram rebuilt from IPv4 fragments (the IP header on). */
	void (*on_datagram)(void *arg, const uint8_t *ip, uint32_t len);
	void *arg;
};

struct stream;

/* NULL with a one-line message in err (libnids failed, or a stream is
 * already open in this process). libnids' stream pool is sized from
 * max_flows, and never above tcp_frames_max, the most TCP frames the
 * input can hold (capture_tcp_frames_max; UINT64_MAX: no bound), since
 * each stream takes at least one. */
struct stream *stream_new(uint32_t max_flows, uint64_t tcp_frames_max, struct flow_table *ft,
			  const struct stream_hooks *hooks, char *err, size_t errlen);
void stream_free(struct stream *s);
/* The global cap on IPv4 fragments handed to libnids: at most `datagrams`
 * datagrams and `bytes` bytes in reassembly at once; fragments beyond it
 * are refused and counted. 0 datagrams: no cap. False: out of memory. */
bool stream_set_frag_limits(struct stream *s, uint32_t datagrams, uint64_t bytes);
/* Hand an IPv4 packet (TCP of a wanted flow, or a fragment) to libnids. */
void stream_feed_ipv4(struct stream *s, const struct pkt *p);
/* IPv4 TCP segment of a wanted flow: to libnids, but a flow's first
 * packet, a plain SYN, is held back until the flow's next packet that
 * goes to libnids (most SYNs of a flood or a scan never get one). */
void stream_tcp4(struct stream *s, struct flow *f, int dir, const struct pkt *p);
/* IPv6 TCP segment of a wanted flow. */
void stream_tcp6(struct stream *s, struct flow *f, int dir, const struct pkt *p);
const struct stream_stats *stream_stats(const struct stream *s);

#endif
