/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp-timewait.c - the TCP tracker's memory of closed connections, kept
 * for TIME_WAIT reuse (tcp.time_wait_reuse) and for a client's own reset
 * attempt that it later retries with the same ISN.
 *
 * Closed connections leave the flow table two seconds after their last
 * packet; what TIME_WAIT reuse needs of them stays here, in 40 bytes: a
 * 64-bit fingerprint of the 4-tuple (two unrelated connections match with
 * a chance of about 2^-62 per look-up; the 32-bit flow hash alone matched
 * now and then, which gave false tcp.time_wait_reuse warnings), when and
 * where it closed. The table is 4-way set associative: a closed connection
 * takes a free way of its set, or one whose TIME_WAIT is over, and only
 * when all four still hold a connection in TIME_WAIT does it push out the
 * oldest (counted: capture.limits_reached). A direct-mapped table lost
 * entries to collisions from a few hundred closes on. 131,072 slots, 5 MiB,
 * in pages touched only as closed connections land in them (calloc: a SYN
 * flood touches none); about 2,000 closes a second stay remembered for the
 * whole TIME_WAIT. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp-int.h"

#define TW_WAYS 4
#define TW_SETS 32768
#define TW_SLOTS (TW_WAYS * TW_SETS)
static struct tw_slot *time_wait;
/* one bit per set that ever held a record: a look-up in a set never used
 * (every SYN of a flood) reads 4 KiB of bits, not the 5 MiB table */
static uint64_t tw_set_used[TW_SETS / 64];
static struct limit_hit tw_full; /* a slot still in TIME_WAIT was overwritten */

static struct tw_slot *tw_set(const struct flow *f)
{
	return &time_wait[(f->hash & (TW_SETS - 1)) * TW_WAYS];
}

const struct tw_slot *tcp_timewait_find(const struct flow *f)
{
	uint32_t s = f->hash & (TW_SETS - 1);
	if (!(tw_set_used[s / 64] >> (s % 64) & 1))
		return NULL;
	uint64_t fp = flow_key_fingerprint(&f->key);
	const struct tw_slot *set = tw_set(f);
	for (int i = 0; i < TW_WAYS; i++)
		if (set[i].fp == fp)
			return &set[i];
	return NULL;
}

/* Does w still hold a connection in TIME_WAIT at `at` (or one that closed
 * later: connections do not end in the order they closed)? */
static bool tw_live(const struct tw_slot *w, ts_usec at)
{
	return w->fp && w->close_ts && (at < w->close_ts || at - w->close_ts < 2 * sd_cfg.msl);
}

/* The slot a connection closed at `at` goes in: its own 4-tuple's, a free
 * one, one out of TIME_WAIT, else the oldest (counted). Filled with fp. */
struct tw_slot *tcp_timewait_take(const struct flow *f, ts_usec at, uint32_t frame)
{
	uint64_t fp = flow_key_fingerprint(&f->key);
	struct tw_slot *set = tw_set(f), *oldest = &set[0];
	uint32_t s = f->hash & (TW_SETS - 1);
	tw_set_used[s / 64] |= (uint64_t)1 << (s % 64);
	for (int i = 0; i < TW_WAYS; i++)
		if (set[i].fp == fp)
			return &set[i];
	for (int i = 0; i < TW_WAYS; i++) {
		if (!tw_live(&set[i], at)) {
			memset(&set[i], 0, sizeof set[i]);
			set[i].fp = fp;
			return &set[i];
		}
		if (set[i].close_ts < oldest->close_ts)
			oldest = &set[i];
	}
	limit_note(&tw_full, at, frame);
	memset(oldest, 0, sizeof *oldest);
	oldest->fp = fp;
	return oldest;
}

void tcp_timewait_init(void)
{
	free(time_wait);
	time_wait = calloc(TW_SLOTS, sizeof *time_wait);
	if (!time_wait) {
		fprintf(stderr, "shakedown: out of memory for the TIME_WAIT table\n");
		abort();
	}
	memset(tw_set_used, 0, sizeof tw_set_used);
	memset(&tw_full, 0, sizeof tw_full);
	tw_full.limit = TW_SLOTS;
}

void tcp_timewait_free(void)
{
	free(time_wait);
	time_wait = NULL;
}

struct limit_hit tcp_timewait_limit(void)
{
	return tw_full;
}
