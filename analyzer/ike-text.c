/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike-text.c - storage behind four parts of an IKE SA that used to be
 * fixed in the SA itself:
 *
 * - its texts (proposals offered and chosen, notifies, vendor IDs): the
 *   SAs of a capture repeat the same few strings, so each SA keeps only the
 *   id of a counted, de-duplicated copy; the copy goes back to its size
 *   class's free list when no SA refers to it any more;
 * - its message log, in blocks of IKE_LOG_BLOCK records taken as the log
 *   grows (most SAs show a handful of messages) and returned when the SA's
 *   slot is reused;
 * - what only IKEv1 follows (struct ike_v1, 120 bytes): a side record
 *   taken by the SA's first IKEv1 message, so an IKEv2 SA holds a 4-byte
 *   id;
 * - pf's log fields (struct pflog_meta, 48 bytes), which only pflog
 *   captures have: a side record taken the first time a logged message
 *   comes, so the SAs of other captures hold a 4-byte id.
 *
 * All four are bounded by the SA table: at most IKE_SA_TEXTS texts,
 * LOG_SLOTS / IKE_LOG_BLOCK blocks, one IKEv1 and one pf record per SA, and the
 * counters are in ike_tab. The SAs refer to them by 32-bit ids (index + 1
 * in a pool, capture/pool.h; 0 = none), and the memory behind them, the
 * texts' table and hash buckets included, is taken as they are used, not
 * at start. Nothing here changes what an SA holds: a text reads back the
 * same bytes, a log the same records, pf's fields the same fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../capture/pool.h"
#include "ike-int.h"

/* ---- texts ---------------------------------------------------------------- */

/* Size classes of the stored strings (the NUL included); the largest
 * holds VERDICT_VALUE_LEN, the longest text an SA keeps. */
static const uint16_t class_size[] = { 32, 64, 128, 256 };
#define NCLASS (sizeof class_size / sizeof class_size[0])
#define SLAB_BYTES 16384

_Static_assert(VERDICT_VALUE_LEN <= 256, "an SA text outgrew the largest size class");

/* One stored text (24 bytes): its id is its pool index + 1. */
struct text {
	uint32_t hnext; /* hash chain, id; 0 = end (first: a free slot's pool link goes over it) */
	uint32_t hash;
	uint32_t refs;  /* SAs that refer to it; 0 = a free slot */
	uint16_t len;   /* < 256: the largest class holds VERDICT_VALUE_LEN */
	uint8_t cls;
	char *s;
};

#define TEXT_CHUNK_SHIFT 10 /* 1,024 texts per allocation */
#define TEXT_BUCKETS_MIN 64

static struct {
	struct pool t;  /* struct text, by id - 1 */
	uint32_t *buckets, nbuckets;
	uint32_t nbuckets_max; /* the buckets grow with the texts, up to here */
	char *free_str[NCLASS]; /* free strings of each class, chained through their first bytes */
	char **slabs;
	uint32_t nslabs, maxslabs;
} tx;

/* Log blocks, IKEv1 and pf records, by id - 1. */
#define LOG_CHUNK_SHIFT 6 /* 64 blocks per allocation */
#define V1_CHUNK_SHIFT 6  /* 64 records per allocation */
#define PF_CHUNK_SHIFT 6

/* A log record as the log keeps it (24 bytes, struct mrec's 32 less its
 * padding): the time in 7 bytes (signed microseconds, low byte first: any
 * time a capture's 32-bit seconds can give, and far more), the sender in
 * the flag bits. */
struct mrec_packed {
	uint8_t ts[7];
	uint8_t exch;
	uint32_t frame;
	uint32_t msgid;
	uint16_t len;
	uint16_t note;
	uint8_t v1pos, skf_num, skf_total;
	uint8_t flags; /* MP_* */
};
_Static_assert(sizeof(struct mrec_packed) == 24, "a stored log record is 24 bytes");
enum { MP_SIDE = 1, MP_RESPONSE = 2, MP_RETRANS = 4, MP_NATT = 8, MP_FRAG = 16, MP_ENC = 32, MP_DPD_LIKE = 64 };

struct mrec_block {
	struct mrec_packed r[IKE_LOG_BLOCK];
};

static void mrec_pack(const struct mrec *r, struct mrec_packed *o)
{
	uint64_t t = (uint64_t)r->ts;
	for (unsigned i = 0; i < 7; i++)
		o->ts[i] = (uint8_t)(t >> (8 * i));
	o->exch = r->exch;
	o->frame = r->frame;
	o->msgid = r->msgid;
	o->len = r->len;
	o->note = r->note;
	o->v1pos = r->v1pos;
	o->skf_num = r->skf_num;
	o->skf_total = r->skf_total;
	o->flags = (uint8_t)((r->side ? MP_SIDE : 0) | (r->response ? MP_RESPONSE : 0) | (r->retrans ? MP_RETRANS : 0) |
			     (r->natt ? MP_NATT : 0) | (r->frag ? MP_FRAG : 0) | (r->enc ? MP_ENC : 0) |
			     (r->dpd_like ? MP_DPD_LIKE : 0));
}

static struct mrec mrec_unpack(const struct mrec_packed *o)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < 7; i++)
		t |= (uint64_t)o->ts[i] << (8 * i);
	if (t >> 55 & 1)
		t |= 0xffull << 56; /* negative: sign-extended */
	struct mrec r;
	memset(&r, 0, sizeof r);
	r.ts = (ts_usec)t;
	r.exch = o->exch;
	r.frame = o->frame;
	r.msgid = o->msgid;
	r.len = o->len;
	r.note = o->note;
	r.v1pos = o->v1pos;
	r.skf_num = o->skf_num;
	r.skf_total = o->skf_total;
	r.side = (o->flags & MP_SIDE) != 0;
	r.response = (o->flags & MP_RESPONSE) != 0;
	r.retrans = (o->flags & MP_RETRANS) != 0;
	r.natt = (o->flags & MP_NATT) != 0;
	r.frag = (o->flags & MP_FRAG) != 0;
	r.enc = (o->flags & MP_ENC) != 0;
	r.dpd_like = (o->flags & MP_DPD_LIKE) != 0;
	return r;
}

static struct pool lg, v1s, pf;

void ike_store_free(void)
{
	pool_free(&tx.t);
	free(tx.buckets);
	for (uint32_t i = 0; i < tx.nslabs; i++)
		free(tx.slabs[i]);
	free(tx.slabs);
	memset(&tx, 0, sizeof tx);
	pool_free(&lg);
	pool_free(&v1s);
	pool_free(&pf);
}

void ike_store_init(uint32_t max_sas)
{
	ike_store_free();
	/* every live SA refers to IKE_SA_TEXTS texts at most, and one is being
	 * replaced at a time */
	uint32_t ntexts = max_sas * IKE_SA_TEXTS + 1;
	tx.nbuckets_max = TEXT_BUCKETS_MIN;
	while (tx.nbuckets_max < ntexts)
		tx.nbuckets_max <<= 1;
	tx.nbuckets = TEXT_BUCKETS_MIN;
	tx.buckets = calloc(tx.nbuckets, sizeof *tx.buckets);
	/* the worst case: every text in the largest class */
	tx.maxslabs = (uint32_t)(((uint64_t)ntexts * 256 + SLAB_BYTES - 1) / SLAB_BYTES) + NCLASS;
	tx.slabs = calloc(tx.maxslabs, sizeof *tx.slabs);
	pool_init(&tx.t, sizeof(struct text), ntexts, TEXT_CHUNK_SHIFT);
	pool_init(&lg, sizeof(struct mrec_block), max_sas * (LOG_SLOTS / IKE_LOG_BLOCK), LOG_CHUNK_SHIFT);
	pool_init(&v1s, sizeof(struct ike_v1), max_sas, V1_CHUNK_SHIFT);
	pool_init(&pf, sizeof(struct pflog_meta), max_sas, PF_CHUNK_SHIFT);
	if (!tx.buckets || !tx.slabs)
		ike_store_free();
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

static struct text *text_at(uint32_t id)
{
	return pool_at(&tx.t, id - 1);
}

const char *ike_text(uint32_t id)
{
	return id ? text_at(id)->s : "";
}

static void text_drop(uint32_t id)
{
	if (!id)
		return;
	struct text *e = text_at(id);
	if (--e->refs)
		return;
	uint32_t *pp = &tx.buckets[e->hash & (tx.nbuckets - 1)];
	while (*pp != id)
		pp = &text_at(*pp)->hnext;
	*pp = e->hnext;
	str_give_back(e->s, e->cls);
	e->s = NULL;
	pool_give(&tx.t, id - 1);
	ike_tab.texts--;
}

/* More texts than buckets: twice the buckets (up to nbuckets_max), every
 * text chained again. Out of memory, the chains just grow longer. */
static void text_buckets_grow(void)
{
	if (ike_tab.texts <= tx.nbuckets || tx.nbuckets >= tx.nbuckets_max)
		return;
	uint32_t n = tx.nbuckets << 1;
	uint32_t *b = calloc(n, sizeof *b);
	if (!b)
		return;
	for (uint32_t i = 0; i < tx.t.used_hw; i++) {
		struct text *e = pool_at(&tx.t, i);
		if (!e->refs)
			continue;
		e->hnext = b[e->hash & (n - 1)];
		b[e->hash & (n - 1)] = i + 1;
	}
	free(tx.buckets);
	tx.buckets = b;
	tx.nbuckets = n;
}

/* The id of text s (0 for ""), its count raised; 0 also when there is no
 * room (out of memory: the text is lost, counted). */
static uint32_t text_put(const char *s)
{
	size_t n = strlen(s);
	if (!n || !tx.buckets)
		return 0;
	uint32_t h = text_hash(s, n);
	uint32_t *bucket = &tx.buckets[h & (tx.nbuckets - 1)];
	for (uint32_t i = *bucket; i; i = text_at(i)->hnext) {
		struct text *e = text_at(i);
		if (e->hash == h && e->len == n && !memcmp(e->s, s, n)) {
			e->refs++;
			return i;
		}
	}
	unsigned cls = 0;
	while (cls < NCLASS && class_size[cls] < n + 1)
		cls++;
	uint32_t slot;
	struct text *e = cls < NCLASS ? pool_take(&tx.t, &slot) : NULL;
	char *p = e ? str_take(cls) : NULL;
	if (!p) {
		if (e)
			pool_give(&tx.t, slot);
		ike_tab.text_lost++;
		return 0;
	}
	memcpy(p, s, n + 1);
	*e = (struct text){ .s = p, .len = (uint16_t)n, .hash = h, .refs = 1, .hnext = *bucket, .cls = (uint8_t)cls };
	*bucket = slot + 1;
	if (++ike_tab.texts > ike_tab.texts_peak)
		ike_tab.texts_peak = ike_tab.texts;
	text_buckets_grow();
	return slot + 1;
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

/* A block's id (index + 1), or 0 when none could be had. */
static uint32_t block_take(void)
{
	uint32_t i;
	if (!pool_take(&lg, &i))
		return 0;
	if (++ike_tab.log_blocks > ike_tab.log_blocks_peak)
		ike_tab.log_blocks_peak = ike_tab.log_blocks;
	return i + 1;
}

static struct mrec_block *block_at(uint32_t id)
{
	return pool_at(&lg, id - 1);
}

struct mrec ike_log_slot(const struct ike_sa *sa, unsigned slot)
{
	return mrec_unpack(&block_at(sa->log[slot / IKE_LOG_BLOCK])->r[slot % IKE_LOG_BLOCK]);
}

bool ike_log_put(struct ike_sa *sa, unsigned slot, const struct mrec *r)
{
	uint32_t *b = &sa->log[slot / IKE_LOG_BLOCK];
	if (!*b && !(*b = block_take())) {
		ike_tab.log_lost++;
		return false;
	}
	mrec_pack(r, &block_at(*b)->r[slot % IKE_LOG_BLOCK]);
	return true;
}

/* ---- IKEv1's record ------------------------------------------------------------ */

static const struct ike_v1 no_v1;

const struct ike_v1 *ike_v1_of(const struct ike_sa *sa)
{
	return sa->v1 ? pool_at(&v1s, sa->v1 - 1) : &no_v1;
}

struct ike_v1 *ike_v1_take(struct ike_sa *sa)
{
	if (sa->v1)
		return pool_at(&v1s, sa->v1 - 1);
	uint32_t i;
	struct ike_v1 *v1 = pool_take(&v1s, &i);
	if (!v1) {
		ike_tab.v1_lost++;
		return NULL;
	}
	memset(v1, 0, sizeof *v1); /* a reused slot keeps its old bytes */
	sa->v1 = i + 1;
	if (++ike_tab.v1_records > ike_tab.v1_records_peak)
		ike_tab.v1_records_peak = ike_tab.v1_records;
	return v1;
}

/* ---- pf's log fields ---------------------------------------------------------- */

static const struct pflog_meta no_pf; /* present = false */

const struct pflog_meta *ike_pf(const struct ike_sa *sa)
{
	return sa->pf ? pool_at(&pf, sa->pf - 1) : &no_pf;
}

void ike_pf_set(struct ike_sa *sa, const struct pflog_meta *m)
{
	if (!sa->pf) {
		uint32_t i;
		if (!pool_take(&pf, &i)) {
			ike_tab.pf_lost++;
			return;
		}
		sa->pf = i + 1;
		if (++ike_tab.pf_records > ike_tab.pf_records_peak)
			ike_tab.pf_records_peak = ike_tab.pf_records;
	}
	*(struct pflog_meta *)pool_at(&pf, sa->pf - 1) = *m;
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
		if (!sa->log[i])
			continue;
		pool_give(&lg, sa->log[i] - 1);
		sa->log[i] = 0;
		ike_tab.log_blocks--;
	}
	if (sa->v1) {
		pool_give(&v1s, sa->v1 - 1);
		sa->v1 = 0;
		ike_tab.v1_records--;
	}
	if (sa->pf) {
		pool_give(&pf, sa->pf - 1);
		sa->pf = 0;
		ike_tab.pf_records--;
	}
}
