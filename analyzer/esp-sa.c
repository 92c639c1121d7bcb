/* SPDX-License-Identifier: GPL-2.0-or-later */
/* esp-sa.c - per-SPI ESP accounting: packets, bytes, sequence numbers,
 * gaps and replays, first and last time, for each direction of each
 * child SA the capture shows. */
#include "esp-sa.h"

#include <stdlib.h>
#include <string.h>

#define ESP_CHUNK 256
#define ESP_MAX_CHUNKS 4096

static struct esp_sa *chunks[ESP_MAX_CHUNKS];
static uint32_t nchunks, nused, cap;
static uint32_t *buckets;
static uint32_t *pair_buckets; /* by unordered address pair, for esp_foreach_pair */
static uint32_t nbuckets;
static struct esp_stats stats;
static uint32_t recycle_cursor; /* where the next recycling sample starts */

static uint32_t key_hash(const struct addr *dst, uint32_t spi)
{
	uint32_t h = 2166136261u ^ spi;
	for (int i = 0; i < 16; i++)
		h = (h ^ dst->b[i]) * 16777619u;
	h ^= spi * 2654435761u;
	return h & (nbuckets - 1);
}

static uint32_t addr_hash(const struct addr *a)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 16; i++)
		h = (h ^ a->b[i]) * 16777619u;
	return h;
}

/* the same for (a, b) and (b, a) */
static uint32_t pair_hash(const struct addr *a, const struct addr *b)
{
	return (addr_hash(a) ^ addr_hash(b)) & (nbuckets - 1);
}

static struct esp_sa *at(uint32_t idx)
{
	return &chunks[idx / ESP_CHUNK][idx % ESP_CHUNK];
}

void esp_table_init(uint32_t max_sas)
{
	esp_table_free();
	if (max_sas < ESP_CHUNK)
		max_sas = ESP_CHUNK;
	if (max_sas > (uint32_t)ESP_CHUNK * ESP_MAX_CHUNKS)
		max_sas = (uint32_t)ESP_CHUNK * ESP_MAX_CHUNKS;
	cap = max_sas;
	stats.full.limit = cap;
	nbuckets = 1;
	while (nbuckets < max_sas)
		nbuckets <<= 1;
	buckets = calloc(nbuckets, sizeof(*buckets));
	pair_buckets = calloc(nbuckets, sizeof(*pair_buckets));
	if (!buckets || !pair_buckets) {
		free(buckets);
		free(pair_buckets);
		buckets = pair_buckets = NULL;
		cap = nbuckets = 0;
	}
}

void esp_table_free(void)
{
	for (uint32_t i = 0; i < nchunks; i++)
		free(chunks[i]);
	nchunks = nused = cap = 0;
	free(buckets);
	free(pair_buckets);
	buckets = pair_buckets = NULL;
	nbuckets = 0;
	memset(&stats, 0, sizeof(stats));
	recycle_cursor = 0;
}

static void unlink_sa(struct esp_sa *s)
{
	uint32_t *pp = &buckets[key_hash(&s->dst, s->spi)];
	while (*pp) {
		struct esp_sa *e = at(*pp - 1);
		if (e == s) {
			*pp = e->hnext;
			break;
		}
		pp = &e->hnext;
	}
	pp = &pair_buckets[pair_hash(&s->src, &s->dst)];
	while (*pp) {
		struct esp_sa *e = at(*pp - 1);
		if (e == s) {
			*pp = e->pnext;
			break;
		}
		pp = &e->pnext;
	}
}

/* Index of a free entry, or UINT32_MAX. */
static uint32_t take_slot(void)
{
	if (nused < nchunks * ESP_CHUNK)
		return nused++;
	if (nused < cap && nchunks < ESP_MAX_CHUNKS) {
		struct esp_sa *c = calloc(ESP_CHUNK, sizeof(*c));
		if (c) {
			chunks[nchunks++] = c;
			return nused++;
		}
	}
	/* Full: recycle the SA idle the longest among a rotating sample of 64
	 * (a scan of the whole table per new SA would be quadratic). */
	stats.table_full++;
	uint32_t old = UINT32_MAX;
	for (uint32_t k = 0; k < 64 && k < nused; k++) {
		uint32_t i = (recycle_cursor + k) % nused;
		if (old == UINT32_MAX || at(i)->last_ts < at(old)->last_ts)
			old = i;
	}
	recycle_cursor = nused ? (recycle_cursor + 64) % nused : 0;
	if (old != UINT32_MAX) {
		unlink_sa(at(old));
		stats.recycled++;
	}
	return old;
}

const struct esp_sa *esp_find(const struct addr *dst, uint32_t spi)
{
	if (!nbuckets)
		return NULL;
	for (uint32_t i = buckets[key_hash(dst, spi)]; i; i = at(i - 1)->hnext) {
		const struct esp_sa *e = at(i - 1);
		if (e->spi == spi && addr_eq(&e->dst, dst))
			return e;
	}
	return NULL;
}

/* The SA of the hint, if it still is the one of (dst, spi): an entry in
 * use is always in its hash chain, and no two share a key. */
static struct esp_sa *hinted(const uint32_t *hint, const struct addr *dst, uint32_t spi)
{
	if (!hint || !*hint || *hint > nused)
		return NULL;
	struct esp_sa *e = at(*hint - 1);
	return e->in_use && e->spi == spi && addr_eq(&e->dst, dst) ? e : NULL;
}

void esp_sa_prefetch(uint32_t hint)
{
	if (hint && hint <= nused) {
		const char *e = (const char *)at(hint - 1);
		__builtin_prefetch(e, 1);
		__builtin_prefetch(e + 64, 1);
		__builtin_prefetch(e + sizeof(struct esp_sa) - 1, 1);
	}
}

struct esp_sa *esp_account(const struct pkt *p, uint32_t spi, uint32_t seq, bool udp, uint32_t bytes,
			   uint32_t *hint)
{
	if (!nbuckets)
		return NULL;
	stats.packets++;
	struct esp_sa *s = hinted(hint, &p->dst, spi);
	uint32_t h = 0;
	if (!s) {
		h = key_hash(&p->dst, spi);
		for (uint32_t i = buckets[h]; i; i = at(i - 1)->hnext) {
			struct esp_sa *e = at(i - 1);
			if (e->spi == spi && addr_eq(&e->dst, &p->dst)) {
				s = e;
				break;
			}
		}
	}
	if (!s) {
		uint64_t full_before = stats.table_full;
		uint32_t idx = take_slot();
		if (stats.table_full != full_before)
			limit_note(&stats.full, p->ts, p->frame);
		if (idx == UINT32_MAX)
			return NULL;
		s = at(idx);
		memset(s, 0, sizeof(*s));
		s->in_use = true;
		s->idx = idx;
		s->spi = spi;
		s->src = p->src;
		s->dst = p->dst;
		s->udp = udp;
		s->sport = udp ? p->sport : 0;
		s->dport = udp ? p->dport : 0;
		s->seq_first = s->seq_max = seq;
		s->first_ts = p->ts;
		s->first_frame = (uint32_t)p->frame;
		s->hnext = buckets[h];
		buckets[h] = idx + 1;
		uint32_t ph = pair_hash(&s->src, &s->dst);
		s->pnext = pair_buckets[ph];
		pair_buckets[ph] = idx + 1;
		stats.sas++;
	} else {
		if (seq > s->seq_max) {
			s->gaps += seq - s->seq_max - 1;
			s->seq_max = seq;
		} else if (s->replays < UINT32_MAX) {
			s->replays++;
		}
	}
	s->pkts++;
	s->bytes += bytes;
	s->last_ts = p->ts;
	s->last_frame = (uint32_t)p->frame;
	if (hint)
		*hint = s->idx + 1;
	return s;
}

static int idx_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

void esp_foreach_pair(const struct addr *a, const struct addr *b, ts_usec since,
		      void (*fn)(const struct esp_sa *s, void *arg), void *arg)
{
	if (!nbuckets)
		return;
	/* walk only this pair's chain; visit in creation order */
	uint32_t found[64];
	size_t n = 0;
	for (uint32_t i = pair_buckets[pair_hash(a, b)]; i && n < 64; i = at(i - 1)->pnext) {
		const struct esp_sa *s = at(i - 1);
		if (!s->in_use || s->last_ts < since)
			continue;
		if ((addr_eq(&s->src, a) && addr_eq(&s->dst, b)) || (addr_eq(&s->src, b) && addr_eq(&s->dst, a)))
			found[n++] = i - 1;
	}
	qsort(found, n, sizeof found[0], idx_cmp);
	for (size_t k = 0; k < n; k++)
		fn(at(found[k]), arg);
}

const struct esp_stats *esp_table_stats(void)
{
	return &stats;
}
