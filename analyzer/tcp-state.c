/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp-state.c - where the TCP tracker's per-connection state lives: a pool
 * of full states (struct tcp_state) that grows in chunks as flows need
 * them, the compact form of a connection that so far is only its
 * client's SYNs (a SYN flood or a scan fills the flow table with those),
 * and the squeezed form of a quiet connection's full state. The tracker
 * itself (tcp.c) reaches a flow's state through tcp_ts_of() and ts_of_c()
 * (tcp-int.h), which unpack a compact or squeezed one on demand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp-int.h"
#include "../capture/pool.h"

/* The TCP state pool: chunks of TCP_CHUNK states, allocated as flows need
 * them and kept for reuse (a free list threaded through the unused states).
 * The flow table bounds how many are in use at once; small chunks keep the
 * memory close to the flows that hold a full state. */
#define TCP_CHUNK 256
#define TCP_MAX_CHUNKS (1u << 18)

union tcp_slot {
	struct tcp_state st;
	union tcp_slot *next_free;
};

/* the chunks' addresses, an array grown by doubling (not a static 2 MiB
 * one: LeakSanitizer scans every global at exit) */
static union tcp_slot **tcp_chunks;
static unsigned tcp_nchunks, tcp_chunks_cap;
static union tcp_slot *tcp_free;

/* A connection that so far is only its client's SYNs (nothing back,
 * nothing unusual) is kept in its compact form between its packets, not in
 * a full tcp_state: a SYN flood or a scan fills the flow table with them
 * (one or two SYNs: struct tcp_syn_only, 40 bytes), and a client retrying
 * into a blocked port holds one for a minute or more, its verdict given
 * (three SYNs up to TCP_EV_HEAD: struct tcp_syn_wide, 96 bytes; both in
 * tcp-int.h). tcp_state_pack() packs a state only
 * when unpacking it gives back the same bytes, so what is kept is exactly
 * what the full state held; tcp_syn_only_start() writes the compact form
 * of a new flow's plain first SYN directly (the full state it stands for
 * is never built). */
#define SYN_ONLY_CHUNK_SHIFT 10
#define SYN_WIDE_CHUNK_SHIFT 8
#define PACKED_WIDE 0x80000000u /* flow_state.tcp_packed: the wide pool's */
/* flow_state.tcp_packed of a squeezed state: this bit, the block's size
 * class in the 5 bits from SQ_CLASS_SHIFT, its index + 1 in the 25 below */
#define PACKED_SQUEEZED 0x40000000u
#define SQ_CLASS_SHIFT 25
#define SQ_INDEX_MASK ((1u << SQ_CLASS_SHIFT) - 1)
static struct pool syn_only_pool; /* struct tcp_syn_only: one or two SYNs */
static struct pool syn_wide_pool; /* struct tcp_syn_wide: three to TCP_EV_HEAD */

/* The squeezed form of a quiet connection's full state, lossless: a bit
 * for each of its 8-byte words that holds a time within 71 minutes after
 * the connection's first packet (kept as that offset), then 2 bits for
 * each 4-byte half-word (zero, or its 2, 3 or 4 low bytes), the base time,
 * and the bytes of the half-words that are not zero. A waiting connection
 * takes about 330 bytes instead of 928 (large: 15 k of them, 328 on
 * average). Blocks come from pools by size, in steps of 32 bytes. */
#define SQ_WORDS (sizeof(struct tcp_state) / 8)
#define SQ_HALVES (SQ_WORDS * 2)
#define SQ_TIME_BYTES ((SQ_WORDS + 7) / 8)
#define SQ_CODE_BYTES ((SQ_HALVES * 2 + 7) / 8)
#define SQ_HEAD (SQ_TIME_BYTES + SQ_CODE_BYTES + 8)
#define SQ_MAX (SQ_HEAD + SQ_HALVES * 4)
#define SQ_STEP 32
#define SQ_FIRST 96   /* the smallest block: the header alone is 81 bytes */
#define SQ_CLASSES 22 /* up to 768 bytes: a bigger one stays full */
_Static_assert(sizeof(struct tcp_state) % 8 == 0, "a full TCP state is whole 8-byte words");
_Static_assert(SQ_CLASSES <= 32, "the size class fits in 5 bits");
static struct pool sq_pool[SQ_CLASSES];
static struct tcp_state scratch; /* tcp_state_view's copy, and pack's check */

void tcp_state_pool_reset(void)
{
	for (unsigned i = 0; i < tcp_nchunks; i++)
		free(tcp_chunks[i]);
	free(tcp_chunks);
	tcp_chunks = NULL;
	tcp_nchunks = tcp_chunks_cap = 0;
	tcp_free = NULL;
	pool_free(&syn_only_pool);
	pool_free(&syn_wide_pool);
	for (unsigned c = 0; c < SQ_CLASSES; c++) {
		pool_free(&sq_pool[c]);
		pool_init(&sq_pool[c], SQ_FIRST + c * SQ_STEP, SQ_INDEX_MASK - 1, 8);
	}
	/* the flow table bounds the entries in use, as for the full states */
	pool_init(&syn_only_pool, sizeof(struct tcp_syn_only), TCP_MAX_CHUNKS * TCP_CHUNK, SYN_ONLY_CHUNK_SHIFT);
	pool_init(&syn_wide_pool, sizeof(struct tcp_syn_wide), TCP_MAX_CHUNKS * TCP_CHUNK, SYN_WIDE_CHUNK_SHIFT);
}

struct tcp_state *tcp_state_get(void)
{
	if (!tcp_free) {
		if (tcp_nchunks >= TCP_MAX_CHUNKS)
			return NULL;
		if (tcp_nchunks == tcp_chunks_cap) {
			unsigned cap = tcp_chunks_cap ? tcp_chunks_cap * 2 : 64;
			union tcp_slot **a = realloc(tcp_chunks, cap * sizeof *a);
			if (!a)
				return NULL;
			tcp_chunks = a;
			tcp_chunks_cap = cap;
		}
		union tcp_slot *c = malloc(TCP_CHUNK * sizeof *c);
		if (!c)
			return NULL;
		tcp_chunks[tcp_nchunks++] = c;
		for (unsigned i = 0; i < TCP_CHUNK; i++) {
			c[i].next_free = tcp_free;
			tcp_free = &c[i];
		}
	}
	union tcp_slot *s = tcp_free;
	tcp_free = s->next_free;
	return &s->st;
}

void tcp_state_put(struct tcp_state *t)
{
	union tcp_slot *s = (union tcp_slot *)(void *)t;
	s->next_free = tcp_free;
	tcp_free = s;
}

void tcp_state_clear(struct tcp_state *t)
{
	memset(t, 0, sizeof *t);
	t->side[0].wscale = t->side[1].wscale = 0xff;
}

/* The full state a compact one stands for: what tcp_packet() leaves after
 * the client's SYNs with the same ISN and nothing else; w holds the SYNs
 * between the first and the latest when there are three or more. */
static void syn_only_unpack(struct tcp_state *t, const struct tcp_syn_only *c, const struct tcp_syn_wide *w)
{
	tcp_state_clear(t);
	struct tcp_side *me = &t->side[DIR_C2S];
	t->phase = TCPS_SYN_SENT;
	t->reported = c->reported;
	me->isn = c->isn;
	me->seq_next = c->isn + 1;
	me->seq_known = me->syn = true;
	me->syn_count = me->pkts = c->syn_count;
	me->first_syn_ts = me->first_ts = c->first_syn_ts;
	me->syn_ts = me->last_ts = c->syn_ts;
	me->first_syn_frame = c->first_syn_frame;
	me->syn_frame = c->syn_frame;
	me->mss = c->mss;
	me->wscale = c->wscale;
	me->ttl_known = true;
	me->ttl_min = c->ttl_min;
	me->ttl_max = c->ttl_max;
	me->win_last = c->win_last;
	t->hist[0] = 'S';
	t->nhist = 1;
	if (c->syn_count > 1) {
		t->hist[1] = 'T';
		t->nhist = 2;
	}
	unsigned n = c->syn_count;
	for (unsigned i = 0; i < n; i++) {
		struct tcp_ev *e = &t->ev_head[i];
		if (i == 0) {
			e->frame = c->first_syn_frame;
			e->ts = c->first_syn_ts;
			e->flags = c->ev_flags[0];
		} else if (i == n - 1) {
			e->frame = c->syn_frame;
			e->ts = c->syn_ts;
			e->flags = c->ev_flags[1];
		} else {
			e->frame = w->frame[i - 1];
			e->ts = c->first_syn_ts + w->after_us[i - 1];
			e->flags = w->flags[i - 1];
		}
	}
	t->nev_head = c->syn_count;
	t->nev_total = c->syn_count;
}

void tcp_state_pack(struct flow *f)
{
	struct flow_state *fs = flow_state(f);
	const struct tcp_state *t = fs->tcp;
	if (!t || t->phase != TCPS_SYN_SENT || f->pkts[DIR_S2C] || !t->side[DIR_C2S].syn_count ||
	    t->side[DIR_C2S].syn_count > TCP_EV_HEAD || t->reported > UINT16_MAX)
		return;
	const struct tcp_side *me = &t->side[DIR_C2S];
	unsigned n = me->syn_count;
	struct tcp_syn_wide w = {
		.c = {
			.first_syn_ts = me->first_syn_ts, .syn_ts = me->syn_ts,
			.isn = me->isn, .first_syn_frame = me->first_syn_frame, .syn_frame = me->syn_frame,
			.mss = me->mss, .win_last = me->win_last, .reported = (uint16_t)t->reported,
			.wscale = me->wscale, .syn_count = me->syn_count, .ttl_min = me->ttl_min, .ttl_max = me->ttl_max,
			.ev_flags = { t->ev_head[0].flags, t->ev_head[n - 1].flags },
		},
	};
	for (unsigned i = 1; i + 1 < n; i++) {
		const struct tcp_ev *e = &t->ev_head[i];
		if (e->ts < me->first_syn_ts || e->ts - me->first_syn_ts > UINT32_MAX)
			return; /* not a time the wide form can hold */
		w.frame[i - 1] = e->frame;
		w.after_us[i - 1] = (uint32_t)(e->ts - me->first_syn_ts);
		w.flags[i - 1] = (uint8_t)e->flags;
	}
	syn_only_unpack(&scratch, &w.c, &w);
	if (memcmp(&scratch, t, sizeof *t))
		return; /* something the compact form does not hold */
	uint32_t i;
	if (n <= 2) {
		struct tcp_syn_only *slot = pool_take(&syn_only_pool, &i);
		if (!slot)
			return;
		*slot = w.c;
		fs->tcp_packed = i + 1;
	} else {
		struct tcp_syn_wide *slot = pool_take(&syn_wide_pool, &i);
		if (!slot)
			return;
		*slot = w;
		fs->tcp_packed = (i + 1) | PACKED_WIDE;
	}
	tcp_state_put(fs->tcp);
	fs->tcp = NULL;
}

/* The time the squeezed words are coded from: the connection's first
 * packet (0 when it has none, and then no word is coded as a time). */
static uint64_t sq_base(const struct tcp_state *t)
{
	ts_usec a = t->side[0].first_ts, b = t->side[1].first_ts;
	ts_usec m = !a ? b : !b ? a : a < b ? a : b;
	return m > 0 ? (uint64_t)m : 0;
}

/* A half-word's code: 0, or how many of its low bytes it keeps (2, 3, 4),
 * as 1, 2, 3; its bytes are stored low first, whatever the host's order. */
static const uint8_t sq_len[4] = { 0, 2, 3, 4 };
static const uint32_t sq_mask[4] = { 0, 0xffffu, 0xffffffu, 0xffffffffu };

static inline uint32_t sq_le32(uint32_t x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap32(x);
#else
	return x;
#endif
}

/* Code t into out (SQ_MAX bytes at most, 3 more may be written past its
 * length); its length. */
static size_t sq_encode(const struct tcp_state *t, unsigned char *out)
{
	const unsigned char *in = (const unsigned char *)t;
	uint64_t base = sq_base(t);
	memset(out, 0, SQ_TIME_BYTES + SQ_CODE_BYTES);
	memcpy(out + SQ_TIME_BYTES + SQ_CODE_BYTES, &base, 8);
	unsigned char *codes = out + SQ_TIME_BYTES, *p = out + SQ_HEAD;
	for (unsigned w = 0; w < SQ_WORDS; w++) {
		uint64_t v;
		memcpy(&v, in + w * 8, 8);
		if (!v)
			continue; /* both half-words code 0 */
		if (base && v > UINT32_MAX && v >= base && v - base <= UINT32_MAX) {
			v -= base;
			out[w / 8] |= (unsigned char)(1u << (w % 8));
		}
		for (unsigned h = 0; h < 2; h++) {
			uint32_t x = (uint32_t)(v >> (32 * h));
			unsigned k = 2 * w + h;
			unsigned code = !x ? 0 : x <= 0xffff ? 1 : x <= 0xffffff ? 2 : 3;
			uint32_t le = sq_le32(x);
			memcpy(p, &le, 4); /* only sq_len[code] of them count */
			p += sq_len[code];
			codes[k / 4] |= (unsigned char)(code << (k % 4 * 2));
		}
	}
	return (size_t)(p - out);
}

/* The state a squeezed block codes (the block has 3 bytes to spare past
 * the coded length: see tcp_state_squeeze). */
static void sq_decode(const unsigned char *b, struct tcp_state *t)
{
	unsigned char *out = (unsigned char *)t;
	uint64_t base;
	memcpy(&base, b + SQ_TIME_BYTES + SQ_CODE_BYTES, 8);
	const unsigned char *codes = b + SQ_TIME_BYTES, *p = b + SQ_HEAD;
	for (unsigned w = 0; w < SQ_WORDS; w++) {
		unsigned c2 = codes[w / 2] >> (w % 2 * 4) & 0xf; /* both halves' codes */
		uint64_t v = 0;
		if (c2) {
			uint32_t lo, hi;
			memcpy(&lo, p, 4);
			lo = sq_le32(lo) & sq_mask[c2 & 3];
			p += sq_len[c2 & 3];
			memcpy(&hi, p, 4);
			hi = sq_le32(hi) & sq_mask[c2 >> 2];
			p += sq_len[c2 >> 2];
			v = (uint64_t)hi << 32 | lo;
		}
		if (b[w / 8] >> (w % 8) & 1)
			v += base;
		memcpy(out + w * 8, &v, 8);
	}
}

void tcp_state_squeeze(struct flow *f)
{
	struct flow_state *fs = flow_state(f);
	if (!fs->tcp)
		return; /* none, or compact already */
	unsigned char buf[SQ_MAX + 3];
	/* 3 bytes to spare in the block: sq_decode reads half-words 4 bytes
	 * at a time */
	size_t n = sq_encode(fs->tcp, buf);
	memset(buf + n, 0, 3);
	n += 3;
	unsigned c = n <= SQ_FIRST ? 0 : (unsigned)((n - SQ_FIRST + SQ_STEP - 1) / SQ_STEP);
	if (c >= SQ_CLASSES)
		return;
	uint32_t i;
	unsigned char *b = pool_take(&sq_pool[c], &i);
	if (!b)
		return;
	memcpy(b, buf, n);
	tcp_state_put(fs->tcp);
	fs->tcp = NULL;
	fs->tcp_packed = PACKED_SQUEEZED | c << SQ_CLASS_SHIFT | (i + 1);
}

uint64_t tcp_squeezed_active(void)
{
	uint64_t n = 0;
	for (unsigned c = 0; c < SQ_CLASSES; c++)
		n += sq_pool[c].st.active;
	return n;
}

/* The pool of a squeezed block's tcp_packed (PACKED_SQUEEZED set), and
 * the block's index in it. */
static struct pool *sq_pool_of(uint32_t k, uint32_t *idx)
{
	*idx = (k & SQ_INDEX_MASK) - 1;
	return &sq_pool[(k >> SQ_CLASS_SHIFT) & 0x1f];
}

/* f's squeezed block (its tcp_packed has PACKED_SQUEEZED). */
static unsigned char *sq_block(const struct flow *f)
{
	uint32_t i;
	struct pool *p = sq_pool_of(flow_state_c(f)->tcp_packed, &i);
	return pool_at(p, i);
}

/* The compact form f holds (tcp_packed set, not squeezed), and its wide
 * part or NULL. */
static struct tcp_syn_only *packed_of(const struct flow *f, const struct tcp_syn_wide **wide)
{
	uint32_t k = flow_state_c(f)->tcp_packed;
	if (k & PACKED_WIDE) {
		struct tcp_syn_wide *w = pool_at(&syn_wide_pool, (k & ~PACKED_WIDE) - 1);
		if (wide)
			*wide = w;
		return &w->c;
	}
	if (wide)
		*wide = NULL;
	return pool_at(&syn_only_pool, k - 1);
}

/* Give back f's compact form (tcp_packed set). */
static void packed_give(struct flow *f)
{
	struct flow_state *fs = flow_state(f);
	if (fs->tcp_packed & PACKED_SQUEEZED) {
		uint32_t i;
		struct pool *p = sq_pool_of(fs->tcp_packed, &i);
		pool_give(p, i);
	} else if (fs->tcp_packed & PACKED_WIDE)
		pool_give(&syn_wide_pool, (fs->tcp_packed & ~PACKED_WIDE) - 1);
	else
		pool_give(&syn_only_pool, fs->tcp_packed - 1);
	fs->tcp_packed = 0;
}

struct tcp_state *tcp_state_unpack(struct flow *f)
{
	struct flow_state *fs = flow_state(f);
	struct tcp_state *t = tcp_state_get();
	if (!t) {
		fprintf(stderr, "shakedown: out of memory for TCP state\n");
		abort();
	}
	if (fs->tcp_packed & PACKED_SQUEEZED) {
		sq_decode(sq_block(f), t);
	} else {
		const struct tcp_syn_wide *w;
		const struct tcp_syn_only *c = packed_of(f, &w);
		syn_only_unpack(t, c, w);
	}
	packed_give(f);
	fs->tcp = t;
	return t;
}

void tcp_prefetch_packed(const struct flow *f)
{
	const struct flow_state *fs = flow_state_c(f);
	if (!fs->tcp && fs->tcp_packed)
		__builtin_prefetch(fs->tcp_packed & PACKED_SQUEEZED ? (const void *)sq_block(f) : packed_of(f, NULL), 1);
}

uint64_t tcp_packed_active(void)
{
	return syn_only_pool.st.active + syn_wide_pool.st.active;
}

struct tcp_syn_only *tcp_syn_only_of(struct flow *f)
{
	struct flow_state *fs = flow_state(f);
	return fs->tcp || !fs->tcp_packed || (fs->tcp_packed & PACKED_SQUEEZED) ? NULL : packed_of(f, NULL);
}

bool tcp_syn_only_start(struct flow *f, const struct pkt *p)
{
	struct flow_state *fs = flow_state(f);
	uint32_t i;
	struct tcp_syn_only *slot = pool_take(&syn_only_pool, &i);
	if (!slot)
		return false;
	*slot = (struct tcp_syn_only){
		.first_syn_ts = p->ts, .syn_ts = p->ts,
		.isn = p->seq, .first_syn_frame = (uint32_t)p->frame, .syn_frame = (uint32_t)p->frame,
		.mss = p->opt.mss, .win_last = p->win, .reported = 0,
		.wscale = p->opt.has_wscale ? p->opt.wscale : 0xff, .syn_count = 1, .ttl_min = p->ttl, .ttl_max = p->ttl,
		.ev_flags = { p->tcp_flags, 0 },
	};
	fs->tcp = NULL;
	fs->tcp_packed = i + 1;
	return true;
}

void tcp_state_release(struct flow *f)
{
	struct flow_state *fs = flow_state(f);
	if (fs->tcp) {
		tcp_state_put(fs->tcp);
		fs->tcp = NULL;
	} else if (fs->tcp_packed) {
		packed_give(f);
	}
}

const struct tcp_state *tcp_state_view(const struct flow *f)
{
	if (flow_state_c(f)->tcp_packed & PACKED_SQUEEZED) {
		sq_decode(sq_block(f), &scratch);
		return &scratch;
	}
	const struct tcp_syn_wide *w;
	const struct tcp_syn_only *c = packed_of(f, &w);
	syn_only_unpack(&scratch, c, w);
	return &scratch;
}
