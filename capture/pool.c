/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pool.c - the fixed-size object pool (see pool.h). */
#include "pool.h"

#include <stdlib.h>
#include <string.h>

void pool_init(struct pool *p, size_t size, uint32_t cap, unsigned chunk_shift)
{
	memset(p, 0, sizeof *p);
	p->size = size < sizeof(uint32_t) ? sizeof(uint32_t) : size;
	p->cap = cap;
	p->chunk_shift = chunk_shift;
	p->free_head = POOL_NONE;
	uint32_t per = 1u << chunk_shift;
	p->maxchunks = (cap + per - 1) / per;
	/* the chunk index grows with the chunks (grow_index), so a pool with a
	 * high cap costs nothing until it is used */
}

/* Room in the chunk index for one more chunk: doubled as needed, up to
 * maxchunks. */
static bool grow_index(struct pool *p)
{
	if (p->nchunks < p->capchunks)
		return true;
	uint32_t n = p->capchunks ? p->capchunks * 2 : 16;
	if (n > p->maxchunks)
		n = p->maxchunks;
	if (n <= p->nchunks)
		return false;
	unsigned char **c = realloc(p->chunks, (size_t)n * sizeof *c);
	if (!c)
		return false;
	p->chunks = c;
	p->capchunks = n;
	return true;
}

void pool_free(struct pool *p)
{
	if (p->chunks)
		for (uint32_t i = 0; i < p->nchunks; i++)
			free(p->chunks[i]);
	free(p->chunks);
	memset(p, 0, sizeof *p);
	p->free_head = POOL_NONE;
}

static void *taken(struct pool *p, uint32_t i, uint32_t *idx)
{
	*idx = i;
	if (++p->st.active > p->st.peak)
		p->st.peak = p->st.active;
	return pool_at(p, i);
}

void *pool_take(struct pool *p, uint32_t *idx)
{
	if (p->free_head != POOL_NONE) {
		uint32_t i = p->free_head;
		memcpy(&p->free_head, pool_at(p, i), sizeof p->free_head);
		return taken(p, i, idx);
	}
	if (p->used_hw >= p->cap) {
		p->st.full++;
		return NULL;
	}
	uint32_t i = p->used_hw;
	if ((i >> p->chunk_shift) >= p->nchunks) {
		unsigned char *c = grow_index(p) ? calloc((size_t)1 << p->chunk_shift, p->size) : NULL;
		if (!c)
			return NULL;
		p->chunks[p->nchunks++] = c;
	}
	p->used_hw++;
	return taken(p, i, idx);
}

void pool_give(struct pool *p, uint32_t idx)
{
	memcpy(pool_at(p, idx), &p->free_head, sizeof p->free_head);
	p->free_head = idx;
	p->st.active--;
}
