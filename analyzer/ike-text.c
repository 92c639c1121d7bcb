/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike-text.c - storage behind two parts of every IKE SA that used to be
 * fixed arrays in the SA itself:
 *
 * - its texts (proposals offered and chosen, notifies, vendor IDs): the
 *   SAs of a capture repeat the same few strings, so each SA keeps only the
 *   id of a counted, de-duplicated copy; the copy goes back to its size
 *   class's free list when no SA refers to it any more;
 * - its message log, in blocks of IKE_LOG_BLOCK records taken as the log
 *   grows (most SAs show a handful of messages) and returned when the SA's
 *   slot is reused.
 *
 * Both are bounded by the SA table: at most IKE_SA_TEXTS texts and
 * LOG_SLOTS / IKE_LOG_BLOCK blocks per SA, and the counters are in
 * ike_tab. Nothing here changes what an SA holds: a text reads back the
 * same bytes, a log the same records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike-int.h"

/* ---- texts ---------------------------------------------------------------- */

/* Size classes of the stored strings (the NUL included); the largest
 * holds VERDICT_VALUE_LEN, the longest text an SA keeps. */
static const uint16_t class_size[] = { 32, 64, 128, 256 };
#define NCLASS (sizeof class_size / sizeof class_size[0])
#define SLAB_BYTES 16384

_Static_assert(VERDICT_VALUE_LEN <= 256, "an SA text outgrew the largest size class");

struct text {
	char *s;
	uint32_t len, hash, refs;
	uint32_t hnext; /* hash chain, id; 0 = end (also the free list) */
	uint8_t cls;
};

static struct {
	struct text *t; /* by id; id 0 is the empty text, never stored */
	uint32_t n, cap, free_id;
	uint32_t *buckets, nbuckets;
	char *free_str[NCLASS]; /* free strings of each class, chained through their first bytes */
	char **slabs;
	uint32_t nslabs, maxslabs;
} tx;

static struct {
	struct mrec_block *free;
	struct mrec_block **slabs;
	uint32_t nslabs, maxslabs;
} lg;

#define LOG_SLAB 64 /* blocks per allocation */

struct mrec_block {
	union {
		struct mrec_block *next; /* while free */
		struct mrec r[IKE_LOG_BLOCK];
	};
};

void ike_store_free(void)
{
	free(tx.t);
	free(tx.buckets);
	for (uint32_t i = 0; i < tx.nslabs; i++)
		free(tx.slabs[i]);
	free(tx.slabs);
	memset(&tx, 0, sizeof tx);
	for (uint32_t i = 0; i < lg.nslabs; i++)
		free(lg.slabs[i]);
	free(lg.slabs);
	memset(&lg, 0, sizeof lg);
}

void ike_store_init(uint32_t max_sas)
{
	ike_store_free();
	/* every live SA refers to IKE_SA_TEXTS texts at most, and one is being
	 * replaced at a time */
	tx.cap = max_sas * IKE_SA_TEXTS + 2;
	tx.nbuckets = 64;
	while (tx.nbuckets < tx.cap)
		tx.nbuckets <<= 1;
	tx.t = calloc(tx.cap, sizeof *tx.t);
	tx.buckets = calloc(tx.nbuckets, sizeof *tx.buckets);
	/* the worst case: every text in the largest class */
	tx.maxslabs = (uint32_t)(((uint64_t)tx.cap * 256 + SLAB_BYTES - 1) / SLAB_BYTES) + NCLASS;
	tx.slabs = calloc(tx.maxslabs, sizeof *tx.slabs);
	lg.maxslabs = (uint32_t)(((uint64_t)max_sas * (LOG_SLOTS / IKE_LOG_BLOCK) + LOG_SLAB - 1) / LOG_SLAB);
	lg.slabs = calloc(lg.maxslabs ? lg.maxslabs : 1, sizeof *lg.slabs);
	if (!tx.t || !tx.buckets || !tx.slabs || !lg.slabs) {
		ike_store_free();
		return;
	}
	tx.n = 1;
}

static uint32_t text_hash(const char *s, size_t n)
{
	return (uint32_t)ike_fingerprint((const uint8_t *)s, n);
}

static char *str_take(unsigned cls)
{
	if (!tx.free_str[cls]) {
		if (tx.nslabs >= tx.maxslabs)
			return NULL;
		char *slab = malloc(SLAB_BYTES);
		if (!slab)
			return NULL;
		tx.slabs[tx.nslabs++] = slab;
		for (size_t off = 0; off + class_size[cls] <= SLAB_BYTES; off += class_size[cls]) {
			char *p = slab + off;
			memcpy(p, &tx.free_str[cls], sizeof(char *));
			tx.free_str[cls] = p;
		}
	}
	char *p = tx.free_str[cls];
	memcpy(&tx.free_str[cls], p, sizeof(char *));
	return p;
}

static void str_give_back(char *p, unsigned cls)
{
	memcpy(p, &tx.free_str[cls], sizeof(char *));
	tx.free_str[cls] = p;
}

const char *ike_text(uint32_t id)
{
	return id ? tx.t[id].s : "";
}

static void text_drop(uint32_t id)
{
	if (!id)
		return;
	struct text *e = &tx.t[id];
	if (--e->refs)
		return;
	uint32_t *pp = &tx.buckets[e->hash & (tx.nbuckets - 1)];
	while (*pp != id)
		pp = &tx.t[*pp].hnext;
	*pp = e->hnext;
	str_give_back(e->s, e->cls);
	e->s = NULL;
	e->hnext = tx.free_id;
	tx.free_id = id;
	ike_tab.texts--;
}

/* The id of text s (0 for ""), its count raised; 0 also when there is no
 * room (out of memory: the text is lost, counted). */
static uint32_t text_put(const char *s)
{
	size_t n = strlen(s);
	if (!n || !tx.t)
		return 0;
	uint32_t h = text_hash(s, n);
	uint32_t *bucket = &tx.buckets[h & (tx.nbuckets - 1)];
	for (uint32_t i = *bucket; i; i = tx.t[i].hnext) {
		struct text *e = &tx.t[i];
		if (e->hash == h && e->len == n && !memcmp(e->s, s, n)) {
			e->refs++;
			return i;
		}
	}
	unsigned cls = 0;
	while (cls < NCLASS && class_size[cls] < n + 1)
		cls++;
	uint32_t id = tx.free_id ? tx.free_id : tx.n < tx.cap ? tx.n : 0;
	char *p = cls < NCLASS && id ? str_take(cls) : NULL;
	if (!p) {
		ike_tab.text_lost++;
		return 0;
	}
	if (id == tx.free_id)
		tx.free_id = tx.t[id].hnext;
	else
		tx.n++;
	memcpy(p, s, n + 1);
	tx.t[id] = (struct text){ .s = p, .len = (uint32_t)n, .hash = h, .refs = 1, .hnext = *bucket, .cls = (uint8_t)cls };
	*bucket = id;
	if (++ike_tab.texts > ike_tab.texts_peak)
		ike_tab.texts_peak = ike_tab.texts;
	return id;
}

void ike_text_set(uint32_t *slot, const char *s)
{
	if (!strcmp(ike_text(*slot), s))
		return;
	uint32_t id = text_put(s);
	text_drop(*slot);
	*slot = id;
}

void ike_text_append_once(uint32_t *slot, size_t cap, const char *item)
{
	if (!item || !*item || ike_list_has(ike_text(*slot), item))
		return; /* the common case: no copy */
	char buf[VERDICT_VALUE_LEN];
	if (cap > sizeof buf)
		cap = sizeof buf;
	snprintf(buf, cap, "%s", ike_text(*slot));
	size_t before = strlen(buf);
	ike_append_once(buf, cap, item);
	if (strlen(buf) != before)
		ike_text_set(slot, buf);
}

/* ---- message log ------------------------------------------------------------ */

static struct mrec_block *block_take(void)
{
	if (!lg.free) {
		if (lg.nslabs >= lg.maxslabs)
			return NULL;
		struct mrec_block *c = malloc(LOG_SLAB * sizeof *c);
		if (!c)
			return NULL;
		lg.slabs[lg.nslabs++] = c;
		for (uint32_t i = LOG_SLAB; i-- > 0;) {
			c[i].next = lg.free;
			lg.free = &c[i];
		}
	}
	struct mrec_block *b = lg.free;
	lg.free = b->next;
	if (++ike_tab.log_blocks > ike_tab.log_blocks_peak)
		ike_tab.log_blocks_peak = ike_tab.log_blocks;
	return b;
}

const struct mrec *ike_log_slot(const struct ike_sa *sa, unsigned slot)
{
	return &sa->log[slot / IKE_LOG_BLOCK]->r[slot % IKE_LOG_BLOCK];
}

bool ike_log_put(struct ike_sa *sa, unsigned slot, const struct mrec *r)
{
	struct mrec_block **b = &sa->log[slot / IKE_LOG_BLOCK];
	if (!*b && !(*b = block_take())) {
		ike_tab.log_lost++;
		return false;
	}
	(*b)->r[slot % IKE_LOG_BLOCK] = *r;
	return true;
}

/* Give back what the SA holds here (its slot is about to be reused). */
void ike_store_release(struct ike_sa *sa)
{
	text_drop(sa->offered);
	text_drop(sa->chosen);
	text_drop(sa->notifies);
	text_drop(sa->vendors[0]);
	text_drop(sa->vendors[1]);
	for (unsigned i = 0; i < LOG_SLOTS / IKE_LOG_BLOCK; i++) {
		struct mrec_block *b = sa->log[i];
		if (!b)
			continue;
		b->next = lg.free;
		lg.free = b;
		sa->log[i] = NULL;
		ike_tab.log_blocks--;
	}
}
