/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pool.h - one fixed-size object pool: slots of one size, handed out by
 * index, allocated in chunks as they are first needed up to a hard limit
 * (never per object), and given back to a free list. Nothing is freed
 * until pool_free. Every pool has a limit and counters: what is in use, the
 * peak, and how often a take found the pool full. capture/flow.c keeps its
 * flows in one; analyzer/ may use it for its own per-flow state. */
#ifndef SHAKEDOWN_POOL_H
#define SHAKEDOWN_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POOL_NONE UINT32_MAX

struct pool_stats {
	uint64_t active, peak;
	uint64_t full; /* takes refused: the limit was reached */
};

struct pool {
	size_t size;          /* bytes per slot, at least 4 (a free slot holds its link) */
	uint32_t cap;         /* the limit, in slots */
	unsigned chunk_shift; /* 2^chunk_shift slots per chunk */
	unsigned char **chunks; /* the index: capchunks entries, nchunks used */
	uint32_t nchunks, capchunks, maxchunks;
	uint32_t used_hw;     /* slots handed out at least once */
	uint32_t free_head;
	struct pool_stats st;
};

/* Set up an empty pool; nothing is allocated until its first take (the
 * chunk index grows with the chunks). */
void pool_init(struct pool *p, size_t size, uint32_t cap, unsigned chunk_shift);
void pool_free(struct pool *p);

static inline void *pool_at(const struct pool *p, uint32_t i)
{
	return p->chunks[i >> p->chunk_shift] + (size_t)(i & ((1u << p->chunk_shift) - 1)) * p->size;
}

/* A slot (its index in *idx), zeroed when new, or NULL when the pool is at
 * its limit (counted) or out of memory. A reused slot keeps its old bytes
 * except the first 4: the caller initialises it. */
void *pool_take(struct pool *p, uint32_t *idx);
/* Give slot idx back. */
void pool_give(struct pool *p, uint32_t idx);

#endif
