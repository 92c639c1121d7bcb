/* stream.h - reassembled TCP bytes for analyzers, and IPv4 defragmentation.
 *
 * IPv4: libnids (defragmentation and TCP reassembly), fed only the packets
 * of flows whose bytes an analyzer wants, plus every IPv4 fragment. IPv6:
 * a small in-order reassembler of ours. Either way the bytes reach
 * analyzer_stream() in order, per direction. */
#ifndef SHAKEDOWN_STREAM_H
#define SHAKEDOWN_STREAM_H

#include "flow.h"

struct stream_stats {
	uint64_t nids_packets;     /* packets handed to libnids */
	uint64_t nids_streams;     /* streams libnids reported established */
	uint64_t nids_evicted;     /* streams libnids dropped for room */
	uint64_t nids_warnings;
	uint64_t reassembled;      /* IPv4 datagrams rebuilt from fragments */
	uint64_t v6_out_of_order;  /* IPv6 segments skipped by our in-order reassembler */
	uint64_t bytes_delivered;
};

/* A datagram rebuilt from IPv4 fragments goes back through the engine. */
typedef void (*stream_reassembled_fn)(const uint8_t *ip, uint32_t len, void *arg);

bool stream_init(uint32_t max_streams, struct flow_table *ft, stream_reassembled_fn fn, void *arg, char *err,
		 size_t errlen);
void stream_exit(void);
/* Hand an IPv4 packet (TCP of a wanted flow, or a fragment) to libnids. */
void stream_feed_ipv4(const struct pkt *p);
/* IPv6 TCP segment of a wanted flow. */
void stream_tcp6(struct flow *f, int dir, const struct pkt *p);
const struct stream_stats *stream_stats(void);

#endif
