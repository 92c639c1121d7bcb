/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp-timewait.c - the TCP tracker's memory of closed connections, kept
 * for TIME_WAIT reuse (tcp.time_wait_reuse) and for a client's own reset
 * attempt that it later retries with the same ISN.
 *
 * Closed connections leave the flow table two seconds after their last
 * packet; what TIME_WAIT reuse needs of them stays here. The table is 4-way
 * set associative: a closed connection takes a free way of its set, or one
 * whose TIME_WAIT is over, and only when all four still hold a connection
 * in TIME_WAIT does it push out the oldest (counted: capture.limits_reached).
 * A direct-mapped table lost entries to collisions from a few hundred
 * closes on. 131,072 slots; about 2,000 closes a second stay remembered for
 * the whole TIME_WAIT.
 *
 * A slot is 16 bytes (issue #16; it was 40): 48 bits of a 64-bit
 * fingerprint of the 4-tuple, the close time in microseconds from the
 * table's epoch in 48 bits, and the closing frame. The set comes from the
 * flow hash, an unrelated hash, so the 48 bits all tell 4-tuples apart:
 * two unrelated connections match with a chance of 2^-48 per way, under
 * 1.5e-14 per look-up: at 100,000 new connections a second, one false
 * match in some 20 years (the 32-bit flow hash alone matched now and then,
 * which gave false tcp.time_wait_reuse warnings). The epoch is 2^47 us
 * before the first close, so close times 4.4 years either side of it fit,
 * exact to the microsecond (TIME_WAIT is a minute: a live run of months
 * stays well inside). What does not fit, a close time outside that span (a
 * capture whose clock jumps by years) or a client's reset attempt (it needs
 * its ISN, SYN count and first SYN too), goes whole into a 32-byte struct
 * tw_record in a side pool, and the slot holds its index: every record
 * reads back exactly as written. Reset attempts are few (none on the large
 * bench capture); all 131,072 of them would take 6 MiB.
 *
 * Memory follows use: the slots come in blocks of 64 sets (4 KiB, one
 * allocated when a close first lands in one of its sets), the side pool (a
 * capture/pool.h pool) in chunks of 128 records; a capture with few closes allocates a few blocks,
 * the table full is 2 MiB. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp-int.h"
#include "../capture/pool.h"

#define TW_WAYS 4
#define TW_SETS 32768
#define TW_SLOTS (TW_WAYS * TW_SETS)
#define TW_BLOCK_SETS 64 /* sets per block of slots: 4 KiB */
#define TW_BLOCKS (TW_SETS / TW_BLOCK_SETS)
#define TW_POOL_CHUNK_SHIFT 7 /* full records per pool chunk: 128, 4 KiB */
#define TW_AT_POOL 0xffffffffffffull /* the slot's record is in the pool */
#define TW_EPOCH_BACK (1ull << 47)    /* the epoch: this long before the first close */

/* One remembered connection, 16 bytes. */
struct tw_slot {
	uint32_t fp_lo; /* the fingerprint's 48 bits (tw_fp); 0 = empty */
	uint16_t fp_hi;
	uint16_t at_hi; /* close time - tw_epoch in us, 48 bits; TW_AT_POOL: */
	uint32_t at_lo; /* the record is whole in the pool, at index frame */
	uint32_t frame; /* the frame that closed it, or the pool index */
};
_Static_assert(sizeof(struct tw_slot) == 16, "a TIME_WAIT slot is 16 bytes");

static struct tw_slot *tw_block[TW_BLOCKS]; /* NULL until a close lands in it */
/* one bit per set that ever held a record: a look-up in a set never used
 * (every SYN of a flood) reads 4 KiB of bits, not the table */
static uint64_t tw_set_used[TW_SETS / 64];
static ts_usec tw_epoch;
static bool tw_epoch_set;
/* the side pool: records that do not fit a slot, one per slot at most */
static struct pool tw_pool;
static struct limit_hit tw_full; /* a slot still in TIME_WAIT was overwritten */

/* n zeroed bytes (n a multiple of 64): a set's four slots on one cache line */
static void *tw_alloc(size_t n)
{
	void *p = aligned_alloc(64, n);
	if (!p) {
		fprintf(stderr, "shakedown: out of memory for the TIME_WAIT table\n");
		abort();
	}
	return memset(p, 0, n);
}

/* the 48 fingerprint bits a slot keeps of f's 4-tuple, never 0 */
static uint64_t tw_fp(const struct flow *f)
{
	uint64_t fp = flow_key_fingerprint(&f->key) >> 16;
	return fp ? fp : 1;
}

static uint64_t slot_fp(const struct tw_slot *w)
{
	return (uint64_t)w->fp_hi << 32 | w->fp_lo;
}

static uint64_t slot_at(const struct tw_slot *w)
{
	return (uint64_t)w->at_hi << 32 | w->at_lo;
}

static struct tw_record *tw_pool_rec(uint32_t i)
{
	return pool_at(&tw_pool, i);
}

static uint32_t tw_pool_take(void)
{
	uint32_t i;
	if (!pool_take(&tw_pool, &i)) { /* one per slot at most: never full */
		fprintf(stderr, "shakedown: out of memory for the TIME_WAIT table\n");
		abort();
	}
	return i;
}

static ts_usec slot_close_ts(const struct tw_slot *w)
{
	uint64_t at = slot_at(w);
	return at == TW_AT_POOL ? tw_pool_rec(w->frame)->close_ts : tw_epoch + at;
}

/* f's set, or NULL when none of its block was ever used */
static struct tw_slot *tw_set(const struct flow *f)
{
	uint32_t s = f->hash & (TW_SETS - 1);
	struct tw_slot *b = tw_block[s / TW_BLOCK_SETS];
	return b ? &b[(s % TW_BLOCK_SETS) * TW_WAYS] : NULL;
}

bool tcp_timewait_find(const struct flow *f, struct tw_record *r)
{
	uint32_t s = f->hash & (TW_SETS - 1);
	if (!(tw_set_used[s / 64] >> (s % 64) & 1))
		return false;
	uint64_t fp = tw_fp(f);
	const struct tw_slot *set = tw_set(f);
	for (int i = 0; i < TW_WAYS; i++) {
		if (slot_fp(&set[i]) != fp)
			continue;
		if (slot_at(&set[i]) == TW_AT_POOL)
			*r = *tw_pool_rec(set[i].frame);
		else
			*r = (struct tw_record){ .close_ts = tw_epoch + slot_at(&set[i]), .frame = set[i].frame };
		return true;
	}
	return false;
}

/* Does w still hold a connection in TIME_WAIT at `at` (or one that closed
 * later: connections do not end in the order they closed)? */
static bool tw_live(const struct tw_slot *w, ts_usec close_ts, ts_usec at)
{
	return slot_fp(w) && close_ts && (at < close_ts || at - close_ts < 2 * sd_cfg.msl);
}

/* w now holds r for fingerprint fp: in the slot if it fits, else in the
 * pool (w's pool record reused or given back as needed) */
static void slot_write(struct tw_slot *w, uint64_t fp, const struct tw_record *r)
{
	bool had = slot_fp(w) && slot_at(w) == TW_AT_POOL;
	uint64_t at = r->close_ts - tw_epoch;
	bool whole = r->rst_attempt || r->close_ts < tw_epoch || at >= TW_AT_POOL;
	uint32_t frame = r->frame;
	if (whole) {
		frame = had ? w->frame : tw_pool_take();
		*tw_pool_rec(frame) = *r;
		at = TW_AT_POOL;
	} else if (had) {
		pool_give(&tw_pool, w->frame);
	}
	*w = (struct tw_slot){ .fp_lo = (uint32_t)fp, .fp_hi = (uint16_t)(fp >> 32), .at_hi = (uint16_t)(at >> 32),
			       .at_lo = (uint32_t)at, .frame = frame };
}

void tcp_timewait_put(const struct flow *f, const struct tw_record *r)
{
	ts_usec now = r->close_ts;
	if (!tw_epoch_set) {
		tw_epoch = now > TW_EPOCH_BACK ? now - TW_EPOCH_BACK : 0;
		tw_epoch_set = true;
	}
	uint32_t s = f->hash & (TW_SETS - 1);
	if (!tw_block[s / TW_BLOCK_SETS])
		tw_block[s / TW_BLOCK_SETS] = tw_alloc(TW_BLOCK_SETS * TW_WAYS * sizeof(struct tw_slot));
	tw_set_used[s / 64] |= (uint64_t)1 << (s % 64);
	uint64_t fp = tw_fp(f);
	struct tw_slot *set = tw_set(f), *oldest = NULL;
	ts_usec oldest_ts = 0;
	for (int i = 0; i < TW_WAYS; i++)
		if (slot_fp(&set[i]) == fp) {
			slot_write(&set[i], fp, r);
			return;
		}
	for (int i = 0; i < TW_WAYS; i++) {
		ts_usec close_ts = slot_fp(&set[i]) ? slot_close_ts(&set[i]) : 0;
		if (!tw_live(&set[i], close_ts, now)) {
			slot_write(&set[i], fp, r);
			return;
		}
		if (!oldest || close_ts < oldest_ts)
			oldest = &set[i], oldest_ts = close_ts;
	}
	limit_note(&tw_full, now, r->frame);
	slot_write(oldest, fp, r);
}

void tcp_timewait_free(void)
{
	for (int i = 0; i < TW_BLOCKS; i++) {
		free(tw_block[i]);
		tw_block[i] = NULL;
	}
	pool_free(&tw_pool);
}

void tcp_timewait_init(void)
{
	tcp_timewait_free();
	memset(tw_set_used, 0, sizeof tw_set_used);
	tw_epoch = 0;
	tw_epoch_set = false;
	pool_init(&tw_pool, sizeof(struct tw_record), TW_SLOTS, TW_POOL_CHUNK_SHIFT);
	memset(&tw_full, 0, sizeof tw_full);
	tw_full.limit = TW_SLOTS;
}

size_t tcp_timewait_bytes(void)
{
	size_t n = 0;
	for (int i = 0; i < TW_BLOCKS; i++)
		n += tw_block[i] ? TW_BLOCK_SETS * TW_WAYS * sizeof(struct tw_slot) : 0;
	return n + ((size_t)tw_pool.nchunks << TW_POOL_CHUNK_SHIFT) * sizeof(struct tw_record);
}

struct limit_hit tcp_timewait_limit(void)
{
	return tw_full;
}
