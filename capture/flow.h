/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flow.h - the flow table: one entry per TCP/UDP 5-tuple or ESP SPI.
 *
 * A flow is oriented: `cli` is the initiator (the sender of the first SYN,
 * or of the first packet seen when no SYN was), `srv` the responder.
 * Entries come from a pool (capture/pool.h) that grows in chunks up to
 * `max_flows` and is freed only with the table; when it is full the least recently
 * active flow of a small sample is evicted (and counted). Analyzers keep their per-flow state
 * in the fixed `state` area; bigger state lives in analyzer-owned pools. */
#ifndef SHAKEDOWN_FLOW_H
#define SHAKEDOWN_FLOW_H

#include <stdalign.h>
#include <string.h>
#include "packet.h"

enum { DIR_C2S = 0, DIR_S2C = 1 };

#define FLOW_STATE_BYTES 32

enum flow_end_reason {
	FLOW_END_IDLE,    /* idle timeout by packet time */
	FLOW_END_EVICTED, /* table full: made room for a new flow */
	FLOW_END_EOF,     /* the input ended (offline, or live capture stopped) */
	FLOW_END_DONE,    /* an analyzer said it is finished */
};

/* The lookup key: 48 bytes without padding, hashed as six 64-bit words
 * and compared with one memcmp. Endpoints in a canonical order (a's address
 * and port sort first), IPv4 addresses in the first 4 bytes, the rest zero. */
struct flow_key {
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	uint32_t spi; /* ESP only; 0 otherwise */
	uint8_t proto, family;
	uint8_t zero[6];
};

struct flow {
	/* looked at or written on every packet: the first two cache lines */
	struct flow_key key;
	uint32_t hash;  /* of key; the pool's free-list link while unused */
	uint32_t idx;   /* slot index in the table */
	ts_usec last_ts;
	uint64_t last_frame;
	uint64_t pkts[2], bytes[2];
	/* The client and server addresses are the key's a and b (or b and
	 * a): read them with flow_cli() and flow_srv(). */
	uint16_t cport, sport;
	uint8_t proto;
	uint8_t ipver;
	bool initiator_guessed : 1; /* no SYN from the initiator was seen */
	bool want_stream : 1;       /* an analyzer wants reassembled bytes */
	bool in_use : 1;
	bool cli_is_a : 1;          /* the client is the key's a side */
	uint8_t rx_on : 2;          /* bit d: TCP reassembly of direction d is on (capture/stream.c) */
	bool rx_both : 1;           /* both directions' SYNs were seen: bytes may go on */
	bool quiet : 1;             /* the table's quiet callback ran since its last packet */

	uint64_t id; /* 1-based, in order of creation */
	ts_usec first_ts;
	uint64_t first_frame;
	/* an ESP flow's SPI is its key's spi */

	/* Packet time at which an analyzer wants flow_timer called; 0 = none. */
	ts_usec deadline;
	/* Idle time after which the flow leaves the table (analyzers shorten
	 * or lengthen it by state), in microseconds, so at most 71 minutes;
	 * 0 = the table's default. */
	uint32_t idle_timeout;

	/* capture/'s own per-flow bookkeeping: TCP reassembly (stream.c; rx_on
	 * above), and duplicate detection (dup_*, analyzer/driver.c). */
	uint32_t dup_sig;
	uint32_t rx_next[2]; /* per direction, the next byte expected */
	uint32_t rx_held;    /* the held bytes' record in stream.c, + 1; 0: none */
	uint16_t rx_syn[2];  /* per direction, the low 16 bits of its SYN's sequence number */
	ts_usec dup_ts;

	alignas(8) unsigned char state[FLOW_STATE_BYTES];
};

struct flow_table;

/* A 64-bit fingerprint of a key, independent of the table's hash and
 * never 0 (for compact records of 4-tuples, as TIME_WAIT keeps). */
uint64_t flow_key_fingerprint(const struct flow_key *k);

struct flow_stats {
	uint64_t created;
	uint64_t evicted; /* pushed out because the table was full */
	ts_usec first_evicted_ts; /* packet time of the first eviction */
	uint64_t expired; /* idle timeout */
	uint64_t active;
	uint64_t peak;
	uint32_t max_flows;
};

typedef void (*flow_end_fn)(struct flow *f, enum flow_end_reason why, ts_usec now, void *arg);

struct flow_table *flow_table_new(uint32_t max_flows, ts_usec idle_timeout, flow_end_fn on_end, void *arg);
/* Called (with the table's arg) for a flow that will likely be evicted
 * soon, so its owner can ask the CPU for the state its on_end will read. */
typedef void (*flow_prefetch_fn)(const struct flow *f, void *arg);
void flow_table_set_prefetch(struct flow_table *t, flow_prefetch_fn fn);
void flow_table_free(struct flow_table *t);

/* Find (or create) the flow of a TCP/UDP/ESP packet. *dir is set to
 * DIR_C2S or DIR_S2C. Returns NULL for packets that have no flow. */
struct flow *flow_table_lookup(struct flow_table *t, const struct pkt *p, int *dir);

/* The same lookup in two steps, so that a batch of packets can be looked
 * up with their memory fetched ahead (analyzer/driver.c):
 * flow_probe_make() computes a packet's key and hash without touching any
 * table (any thread may call it); flow_table_prefetch() asks the CPU for
 * the hash entries (step 0) and then the flow they point to (step 1);
 * flow_table_lookup_probe() is flow_table_lookup() with the probe made. */
struct flow_probe {
	struct flow_key key;
	uint32_t hash;
	bool valid;    /* false: the packet has no flow */
	bool src_is_a; /* the packet's source endpoint is the key's a side */
	bool same;     /* both endpoints are the same (address and port) */
};
void flow_probe_make(const struct pkt *p, struct flow_probe *pr);
void flow_table_prefetch(const struct flow_table *t, const struct flow_probe *pr, int step);
/* The flow of a probe, if it is in the table, without changing anything
 * (after its prefetch: to prefetch the analyzers' state in turn). */
const struct flow *flow_table_peek(const struct flow_table *t, const struct flow_probe *pr);
struct flow *flow_table_lookup_probe(struct flow_table *t, const struct pkt *p, const struct flow_probe *pr,
				     int *dir);
/* Find without creating, by explicit endpoints (e.g. an ICMP quote). */
struct flow *flow_table_find(struct flow_table *t, uint8_t proto, const struct addr *src, uint16_t sport,
			     const struct addr *dst, uint16_t dport, uint32_t spi, int *dir);

/* Call fn for every flow whose deadline has passed (deadline <= now) and
 * end the flows idle for longer than the idle timeout. */
void flow_table_sweep(struct flow_table *t, ts_usec now, void (*fn)(struct flow *f, ts_usec now, void *arg),
		      void *arg);
/* Have the sweep call fn once for a flow silent for `after` (fn gets the
 * sweep's arg): the analyzers shrink what an idle flow holds. The flow's
 * next packet makes it eligible again. */
void flow_table_set_quiet(struct flow_table *t, ts_usec after, void (*fn)(struct flow *f, ts_usec now, void *arg));
/* End every flow (input finished). */
void flow_table_end_all(struct flow_table *t, ts_usec now);
/* End one flow now (an analyzer is done with it). */
void flow_table_end(struct flow_table *t, struct flow *f, ts_usec now);

void flow_table_foreach(struct flow_table *t, void (*fn)(struct flow *f, void *arg), void *arg);
const struct flow_stats *flow_table_stats(const struct flow_table *t);

/* Orientation helpers: the endpoints' addresses, rebuilt from the key
 * (kept once per flow, in the key only). */
static inline struct addr flow_key_addr(const struct flow *f, bool a_side)
{
	struct addr r;
	r.family = f->key.family;
	memcpy(r.b, a_side ? f->key.a : f->key.b, sizeof r.b);
	return r;
}

static inline struct addr flow_cli(const struct flow *f)
{
	return flow_key_addr(f, f->cli_is_a);
}

static inline struct addr flow_srv(const struct flow *f)
{
	return flow_key_addr(f, !f->cli_is_a);
}

static inline struct addr flow_src(const struct flow *f, int dir)
{
	return dir == DIR_C2S ? flow_cli(f) : flow_srv(f);
}

#endif
