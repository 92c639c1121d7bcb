/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stream.h - TCP reassembly and IPv4 defragmentation.
 *
 * TCP (IPv4 and IPv6): a bounded reassembler of ours, fed only the
 * segments of flows whose bytes someone wants (flow->want_stream): bytes
 * in order go on from the packet itself, bytes beyond a hole are held in
 * pooled blocks (per-direction and global caps) until the hole is filled.
 * IPv4 fragments: libnids, which rebuilds the datagrams. The bytes go
 * back, in order and per direction, through the on_bytes callback the
 * owner gave; datagrams rebuilt from fragments go back through
 * on_datagram. This module calls nobody else: it knows its two callbacks
 * and the flows it is handed.
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
/* Defaults of the TCP reassembler's caps on bytes held beyond a hole: per
 * direction (bytes of sequence space past the next expected byte), and
 * for all flows together, per flow the table may hold (16 MiB for the
 * default 131072 flows). */
#define STREAM_HOLD_DIR_BYTES 65536
#define STREAM_HOLD_BYTES_PER_FLOW 128

struct stream_stats {
	uint64_t nids_packets;     /* packets handed to libnids (IPv4 fragments) */
	uint64_t nids_warnings;
	uint64_t reassembled;      /* IPv4 datagrams rebuilt from fragments */
	uint64_t held_segments;    /* TCP segments held (wholly or partly) beyond a hole */
	uint64_t hold_dropped;     /* TCP segments not wholly held: a cap was reached */
	uint64_t bytes_delivered;
	uint32_t held_blocks;        /* blocks of held bytes (1 KiB each) in use now */
	uint32_t held_blocks_peak;   /* ... at once, at most */
	uint32_t frag_peak;          /* datagrams in reassembly at once, at most */
	uint64_t frag_bytes_peak;
	struct limit_hit hold_full;  /* bytes not held: all flows' cap (blocks pool) */
	struct limit_hit hold_dir_full; /* bytes not held: the direction's cap */
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
 * already open in this process). The TCP reassembler's global cap is
 * max_flows x STREAM_HOLD_BYTES_PER_FLOW. */
struct stream *stream_new(uint32_t max_flows, const struct stream_hooks *hooks, char *err, size_t errlen);
void stream_free(struct stream *s);
/* The TCP reassembler's caps: a direction holds at most dir_bytes of
 * sequence space past its next expected byte (at most 127 KiB; 0: that
 * much), all flows together total_bytes (in 1 KiB blocks). Only while
 * nothing is held. False: out of memory, or bytes are held. */
bool stream_set_hold_limits(struct stream *s, uint32_t dir_bytes, uint64_t total_bytes);
/* The global cap on IPv4 fragments handed to libnids: at most `datagrams`
 * datagrams and `bytes` bytes in reassembly at once; fragments beyond it
 * are refused and counted. 0 datagrams: no cap. False: out of memory. */
bool stream_set_frag_limits(struct stream *s, uint32_t datagrams, uint64_t bytes);
/* Hand an IPv4 fragment to libnids. */
void stream_feed_ipv4(struct stream *s, const struct pkt *p);
/* A TCP segment (IPv4 or IPv6, not truncated) of flow f in direction dir,
 * for a flow that wants bytes, or whose reassembly is on (f->rx_on) or
 * holds bytes (f->rx_held): a SYN starts the direction (a retransmitted
 * one is ignored, one with a new sequence number starts a new
 * connection), its bytes go to on_bytes in order once both directions'
 * SYNs were seen, bytes beyond a hole are held (within the caps) until it
 * is filled, an in-order FIN ends the direction, an RST in the window
 * ends both. A flow that no longer wants bytes lets go of what it holds
 * and its reassembly stops. */
void stream_tcp(struct stream *s, struct flow *f, int dir, const struct pkt *p);
/* What flow f holds goes back: the owner calls it when the flow ends, and
 * when it stops wanting bytes outside a segment (a timer). */
void stream_release(struct stream *s, struct flow *f);
const struct stream_stats *stream_stats(const struct stream *s);

#endif
