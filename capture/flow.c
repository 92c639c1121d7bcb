/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flow.c - the flow table: hashing, orientation, a chunked pool bounded by
 * max_flows, LRU eviction when full, idle expiry and deadline sweeps, all
 * by packet time. */
#include "flow.h"
#include "pool.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_SHIFT 12
#define CHUNK_SIZE (1u << CHUNK_SHIFT)

struct flow_table {
	struct pool pool; /* the flows, chunks of CHUNK_SIZE up to max_flows */
	/* Open addressing with linear probing: a probe reads only this array
	 * (hash and slot of each entry), so a lookup touches one flow, the
	 * one it finds. At least twice as many entries as flows. */
	struct hent {
		uint32_t hash;
		uint32_t idx1; /* slot index + 1; 0 = empty */
	} *buckets;
	uint32_t nbuckets; /* power of two */
	uint32_t evict_cursor; /* where the next eviction sample starts */
	/* each slot's flow's last_ts, SLOT_FREE while unused: the eviction
	 * sample reads 8 bytes a slot (4 cache lines for 32 slots) instead of
	 * two lines of each flow */
	ts_usec *slot_ts;
	/* The picks of the next two eviction samples, made ahead by the
	 * eviction before (evict_ahead): the victim (or UINT32_MAX) and the
	 * cursor after each. Valid while pick_ok: every write to slot_ts
	 * within the 64 slots from pick_start clears it (slot_ts_set), so a
	 * cached pick is the one a new scan would make. A flood evicts for
	 * every new flow: this reads each sample once instead of three times. */
	uint32_t pick_start, pick_used;
	uint32_t pick_vi[2], pick_next[2];
	bool pick_ok;
	flow_prefetch_fn on_prefetch;
	ts_usec idle_timeout;
	flow_end_fn on_end;
	void *arg;
	/* flow_table_set_quiet: called once for a flow silent for quiet_after */
	void (*on_quiet)(struct flow *f, ts_usec now, void *arg);
	ts_usec quiet_after;
	uint64_t next_id;
	struct flow_stats st;
};

#define SLOT_FREE UINT64_MAX

static inline struct flow *slot(const struct flow_table *t, uint32_t i)
{
	return pool_at(&t->pool, i);
}

/* Every write to slot_ts goes through here: one that falls in the two
 * samples picked ahead makes them stale. */
static inline void slot_ts_set(struct flow_table *t, uint32_t i, ts_usec v)
{
	t->slot_ts[i] = v;
	if (t->pick_ok) {
		uint32_t d = i >= t->pick_start ? i - t->pick_start : i + t->pick_used - t->pick_start;
		if (d < 64)
			t->pick_ok = false;
	}
}

struct flow_table *flow_table_new(uint32_t max_flows, ts_usec idle_timeout, flow_end_fn on_end, void *arg)
{
	if (max_flows < 16)
		max_flows = 16;
	struct flow_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	pool_init(&t->pool, sizeof(struct flow), max_flows, CHUNK_SHIFT);
	t->nbuckets = 1024;
	while (t->nbuckets < 2 * max_flows)
		t->nbuckets <<= 1;
	t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
	t->slot_ts = calloc(max_flows, sizeof *t->slot_ts);
	if (!t->buckets || !t->slot_ts) {
		flow_table_free(t);
		return NULL;
	}
	t->idle_timeout = idle_timeout;
	t->on_end = on_end;
	t->arg = arg;
	t->st.max_flows = max_flows;
	return t;
}

void flow_table_set_prefetch(struct flow_table *t, flow_prefetch_fn fn)
{
	t->on_prefetch = fn;
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	pool_free(&t->pool);
	free(t->buckets);
	free(t->slot_ts);
	free(t);
}

_Static_assert(sizeof(struct flow_key) == 48, "the key is six 64-bit words, no padding");
/* docs/architecture.md, "Memory per open flow", gives this size */
_Static_assert(sizeof(struct flow) == 208, "the flow record is 208 bytes");

/* Word-wise multiply-xorshift over the whole key, then a finaliser so the
 * low bits depend on every input bit. */
static uint64_t key_mix(const struct flow_key *k, uint64_t h, uint64_t mul)
{
	uint64_t w[6];
	memcpy(w, k, sizeof w);
	for (int i = 0; i < 6; i++) {
		h = (h ^ w[i]) * mul;
		h ^= h >> 32;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static uint32_t key_hash(const struct flow_key *k)
{
	return hash64_fold(key_mix(k, HASH64_SEED, 0x9e3779b97f4a7c15ull));
}

uint64_t flow_key_fingerprint(const struct flow_key *k)
{
	uint64_t h = key_mix(k, 0x243f6a8885a308d3ull, 0xc2b2ae3d27d4eb4full);
	return h ? h : 1;
}

static inline bool key_eq(const struct flow_key *x, const struct flow_key *y)
{
	return !memcmp(x, y, sizeof *x);
}

/* memcmp's order of two addresses of n (4 or 16) bytes, as -1, 0 or 1:
 * big-endian words compared, without a call to memcmp per packet */
static inline int addr_order(const uint8_t *x, const uint8_t *y, size_t n)
{
	if (n == 4) {
		uint32_t a, b;
		memcpy(&a, x, 4), memcpy(&b, y, 4);
		a = __builtin_bswap32(a), b = __builtin_bswap32(b);
		return (a > b) - (a < b);
	}
	for (size_t i = 0; i < 16; i += 8) {
		uint64_t a, b;
		memcpy(&a, x + i, 8), memcpy(&b, y + i, 8);
		a = __builtin_bswap64(a), b = __builtin_bswap64(b);
		if (a != b)
			return a < b ? -1 : 1;
	}
	return 0;
}

/* Returns whether the source (s, sp) became the key's a side; *same is
 * set when both endpoints are equal (may be NULL). */
static bool make_key(struct flow_key *k, uint8_t proto, const struct addr *s, uint16_t sp, const struct addr *d,
		     uint16_t dp, uint32_t spi, bool *same)
{
	memset(k, 0, sizeof *k);
	k->proto = proto;
	k->family = s->family;
	k->spi = spi;
	size_t n = s->family == 4 ? 4 : 16;
	int c = addr_order(s->b, d->b, n);
	if (same)
		*same = c == 0 && sp == dp;
	if (c < 0 || (c == 0 && sp <= dp)) {
		memcpy(k->a, s->b, n), k->pa = sp, memcpy(k->b, d->b, n), k->pb = dp;
		return true;
	}
	memcpy(k->a, d->b, n), k->pa = dp, memcpy(k->b, s->b, n), k->pb = sp;
	return false;
}

static void hash_unlink(struct flow_table *t, struct flow *f)
{
	uint32_t mask = t->nbuckets - 1;
	uint32_t i = f->hash & mask;
	while (t->buckets[i].idx1 && t->buckets[i].idx1 != f->idx + 1)
		i = (i + 1) & mask;
	if (!t->buckets[i].idx1)
		return;
	/* backward-shift deletion: pull later entries of the run into the hole
	 * when their home slot allows it, so no tombstones are needed */
	for (uint32_t j = i;;) {
		j = (j + 1) & mask;
		if (!t->buckets[j].idx1)
			break;
		uint32_t home = t->buckets[j].hash & mask;
		bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			t->buckets[i] = t->buckets[j];
			i = j;
		}
	}
	t->buckets[i].idx1 = 0;
}

static void release(struct flow_table *t, struct flow *f, enum flow_end_reason why, ts_usec now)
{
	if (t->on_end)
		t->on_end(f, why, now, t->arg);
	hash_unlink(t, f);
	f->in_use = false;
	slot_ts_set(t, f->idx, SLOT_FREE);
	pool_give(&t->pool, f->idx);
	t->st.active--;
}

/* The least recently active flow of the 32 slots from *cursor on (the
 * first of them on a tie), or UINT32_MAX; *cursor moves past them. */
static uint32_t evict_pick(const struct flow_table *t, uint32_t *cursor, uint32_t used)
{
	uint32_t vi = UINT32_MAX, ci = *cursor % used;
	/* SLOT_FREE is the largest value: c < best alone skips free slots
	 * and takes the first used one (branch-free: the compiler's cmov) */
	ts_usec best = SLOT_FREE;
	if (used - ci >= 32) { /* no wrap: the usual case */
		const ts_usec *s = t->slot_ts + ci;
		for (uint32_t k = 0; k < 32; k++) {
			bool lt = s[k] < best;
			vi = lt ? ci + k : vi;
			best = lt ? s[k] : best;
		}
		ci += 32;
		*cursor = ci == used ? 0 : ci;
		return vi;
	}
	for (uint32_t k = 0; k < 32; k++) {
		ts_usec c = t->slot_ts[ci];
		bool lt = c < best;
		vi = lt ? ci : vi;
		best = lt ? c : best;
		ci = ci + 1 == used ? 0 : ci + 1;
	}
	*cursor = ci;
	return vi;
}

/* The victim of the sample at t->evict_cursor, moving the cursor past it:
 * the pick made ahead when still valid, else a scan. Then, while the table
 * evicts a flow for every new one (a flood), the next two samples are
 * picked ahead (the first one is usually the second pick of the eviction
 * before, still valid: one scan per eviction) and their victims, as they
 * stand now, fetched: the second one's flow, and the first one's (fetched
 * by the eviction before) hash entry and analyzer state. The fetches are
 * hints only; the picks are exact (see pick_ok). */
static uint32_t evict_next(struct flow_table *t, uint32_t used)
{
	uint32_t vi;
	bool ahead = t->pick_ok && t->pick_start == t->evict_cursor && t->pick_used == used;
	if (ahead) {
		vi = t->pick_vi[0];
		t->evict_cursor = t->pick_next[0];
		t->pick_vi[0] = t->pick_vi[1];
		t->pick_next[0] = t->pick_next[1];
	} else {
		vi = evict_pick(t, &t->evict_cursor, used);
		uint32_t c = t->evict_cursor;
		t->pick_vi[0] = evict_pick(t, &c, used);
		t->pick_next[0] = c;
	}
	uint32_t c = t->pick_next[0];
	t->pick_vi[1] = evict_pick(t, &c, used);
	t->pick_next[1] = c;
	t->pick_start = t->evict_cursor;
	t->pick_used = used;
	t->pick_ok = true;

	uint32_t v1 = t->pick_vi[0], v2 = t->pick_vi[1];
	if (v1 != UINT32_MAX) {
		const struct flow *f = slot(t, v1);
		__builtin_prefetch(&t->buckets[f->hash & (t->nbuckets - 1)], 1);
		if (t->on_prefetch)
			t->on_prefetch(f, t->arg);
	}
	if (v2 != UINT32_MAX) {
		const unsigned char *f = (const unsigned char *)slot(t, v2);
		for (size_t off = 0; off < sizeof(struct flow); off += 64)
			__builtin_prefetch(f + off, 1);
	}
	return vi;
}

static struct flow *alloc_slot(struct flow_table *t, ts_usec now)
{
	uint32_t i;
	struct flow *f = pool_take(&t->pool, &i);
	if (f) {
		f->idx = i;
		return f;
	}
	/* Full (or out of memory): evict the least recently active flow of a rotating sample of
	 * 32 slots. Keeping an exact LRU list would touch two other flows on
	 * every packet; this touches nothing until the table is full. */
	uint32_t used = t->pool.used_hw;
	if (!used)
		return NULL;
	uint32_t vi = evict_next(t, used);
	if (vi == UINT32_MAX)
		return NULL;
	struct flow *victim = slot(t, vi);
	if (!t->st.evicted++)
		t->st.first_evicted_ts = now;
	release(t, victim, FLOW_END_EVICTED, now);
	f = pool_take(&t->pool, &i);
	if (f)
		f->idx = i;
	return f;
}

/* Who started it: the SYN's sender; for the rest, a guess from the ports. */
static bool sender_is_client(const struct pkt *p, bool *guessed)
{
	*guessed = false;
	if (p->proto == IPPROTO_NUM_TCP) {
		if ((p->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN)
			return true;
		if ((p->tcp_flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
			return false;
		*guessed = true;
	}
	if (p->proto == IPPROTO_NUM_ESP)
		return true;
	if (p->sport < 1024 && p->dport >= 1024)
		return false;
	if (p->proto == IPPROTO_NUM_UDP && (p->sport == 500 || p->sport == 4500) && p->dport != 500 &&
	    p->dport != 4500)
		return false;
	return true;
}

static struct flow *find(struct flow_table *t, const struct flow_key *k, uint32_t h)
{
	uint32_t mask = t->nbuckets - 1;
	for (uint32_t i = h & mask; t->buckets[i].idx1; i = (i + 1) & mask) {
		if (t->buckets[i].hash != h)
			continue;
		struct flow *f = slot(t, t->buckets[i].idx1 - 1);
		if (key_eq(&f->key, k))
			return f;
	}
	return NULL;
}

static int dir_of(const struct flow *f, const struct addr *src, uint16_t sport)
{
	struct addr cli = flow_cli(f), srv = flow_srv(f);
	if (addr_eq(src, &cli) && sport == f->cport && (!addr_eq(&cli, &srv) || f->cport != f->sport))
		return DIR_C2S;
	if (addr_eq(src, &srv) && sport == f->sport)
		return DIR_S2C;
	return DIR_C2S;
}

/* src_is_a: make_key() put the packet's source on the key's a side */
static struct flow *create(struct flow_table *t, const struct flow_key *k, uint32_t h, bool src_is_a,
			   const struct pkt *p, int *dir)
{
	struct flow *f = alloc_slot(t, p->ts);
	if (!f)
		return NULL;
	uint32_t idx = f->idx;
	memset(f, 0, sizeof *f);
	f->idx = idx;
	f->hash = h;
	f->key = *k;
	f->in_use = true;
	f->proto = p->proto;
	f->ipver = p->ipver;
	f->id = ++t->next_id;
	f->first_ts = f->last_ts = p->ts;
	slot_ts_set(t, idx, p->ts);
	f->first_frame = f->last_frame = p->frame;
	bool guessed;
	if (sender_is_client(p, &guessed)) {
		f->cport = p->sport, f->sport = p->dport;
		f->cli_is_a = src_is_a;
		*dir = DIR_C2S;
	} else {
		f->cport = p->dport, f->sport = p->sport;
		f->cli_is_a = !src_is_a;
		*dir = DIR_S2C;
	}
	f->initiator_guessed = guessed;
	uint32_t mask = t->nbuckets - 1, i = h & mask;
	while (t->buckets[i].idx1)
		i = (i + 1) & mask;
	t->buckets[i].hash = h;
	t->buckets[i].idx1 = f->idx + 1;
	t->st.created++;
	t->st.active++;
	if (t->st.active > t->st.peak)
		t->st.peak = t->st.active;
	return f;
}

static void touch(struct flow_table *t, struct flow *f, const struct pkt *p, int dir)
{
	f->last_ts = p->ts > f->last_ts ? p->ts : f->last_ts;
	f->quiet = false;
	slot_ts_set(t, f->idx, f->last_ts);
	f->last_frame = p->frame;
	f->pkts[dir]++;
	f->bytes[dir] += p->wirelen;
}

void flow_probe_make(const struct pkt *p, struct flow_probe *pr)
{
	pr->valid = false;
	if (!p->ipver)
		return;
	switch (p->proto) {
	case IPPROTO_NUM_TCP:
	case IPPROTO_NUM_UDP:
		/* a first UDP fragment belongs to its flow (IKE sees it); other
		 * fragments wait for reassembly */
		if (p->is_fragment && !(p->frag_first && p->proto == IPPROTO_NUM_UDP))
			return;
		pr->src_is_a = make_key(&pr->key, p->proto, &p->src, p->sport, &p->dst, p->dport, 0, &pr->same);
		break;
	case IPPROTO_NUM_ESP:
		pr->src_is_a = make_key(&pr->key, p->proto, &p->src, 0, &p->dst, 0, p->esp_spi, &pr->same);
		break;
	default:
		return;
	}
	pr->hash = key_hash(&pr->key);
	pr->valid = true;
}

void flow_table_prefetch(const struct flow_table *t, const struct flow_probe *pr, int step)
{
	if (!pr->valid)
		return;
	uint32_t mask = t->nbuckets - 1;
	const struct hent *e = &t->buckets[pr->hash & mask];
	if (step == 0) {
		__builtin_prefetch(e);
		return;
	}
	/* the first entry of the run with this hash: almost always the flow */
	for (uint32_t i = pr->hash & mask; t->buckets[i].idx1; i = (i + 1) & mask) {
		if (t->buckets[i].hash != pr->hash)
			continue;
		const unsigned char *f = (const unsigned char *)slot(t, t->buckets[i].idx1 - 1);
		for (size_t off = 0; off < sizeof(struct flow); off += 64)
			__builtin_prefetch(f + off, 1);
		return;
	}
}

const struct flow *flow_table_peek(const struct flow_table *t, const struct flow_probe *pr)
{
	return pr->valid ? find((struct flow_table *)t, &pr->key, pr->hash) : NULL;
}

struct flow *flow_table_lookup_probe(struct flow_table *t, const struct pkt *p, const struct flow_probe *pr, int *dir)
{
	if (!pr->valid)
		return NULL;
	struct flow *f = find(t, &pr->key, pr->hash);
	if (f && !pr->same) {
		/* the packet's key is the flow's: its source is the client when
		 * both are the key's same side */
		*dir = pr->src_is_a == f->cli_is_a ? DIR_C2S : DIR_S2C;
	} else if (f) {
		*dir = dir_of(f, &p->src, p->proto == IPPROTO_NUM_ESP ? 0 : p->sport);
		if (p->proto == IPPROTO_NUM_ESP) {
			struct addr cli = flow_cli(f);
			*dir = addr_eq(&p->src, &cli) ? DIR_C2S : DIR_S2C;
		}
	} else {
		f = create(t, &pr->key, pr->hash, pr->src_is_a, p, dir);
		if (!f)
			return NULL;
	}
	touch(t, f, p, *dir);
	return f;
}

struct flow *flow_table_lookup(struct flow_table *t, const struct pkt *p, int *dir)
{
	struct flow_probe pr;
	flow_probe_make(p, &pr);
	return flow_table_lookup_probe(t, p, &pr, dir);
}

struct flow *flow_table_find(struct flow_table *t, uint8_t proto, const struct addr *src, uint16_t sport,
			     const struct addr *dst, uint16_t dport, uint32_t spi, int *dir)
{
	struct flow_key k;
	make_key(&k, proto, src, sport, dst, dport, spi, NULL);
	struct flow *f = find(t, &k, key_hash(&k));
	if (f)
		*dir = dir_of(f, src, sport);
	return f;
}

void flow_table_sweep(struct flow_table *t, ts_usec now, void (*fn)(struct flow *f, ts_usec now, void *arg),
		      void *arg)
{
	for (uint32_t i = 0; i < t->pool.used_hw; i++) {
		struct flow *f = slot(t, i);
		if (!f->in_use)
			continue;
		if (f->deadline && f->deadline <= now) {
			f->deadline = 0;
			fn(f, now, arg);
		}
		ts_usec idle = f->idle_timeout ? f->idle_timeout : t->idle_timeout;
		if (f->in_use && now > f->last_ts && now - f->last_ts > idle) {
			t->st.expired++;
			release(t, f, FLOW_END_IDLE, now);
		} else if (f->in_use && !f->quiet && t->on_quiet && now >= f->last_ts + t->quiet_after) {
			f->quiet = true;
			t->on_quiet(f, now, arg);
		}
	}
}

void flow_table_set_quiet(struct flow_table *t, ts_usec after, void (*fn)(struct flow *f, ts_usec now, void *arg))
{
	t->on_quiet = fn;
	t->quiet_after = after;
}

void flow_table_end_all(struct flow_table *t, ts_usec now)
{
	for (uint32_t i = 0; i < t->pool.used_hw; i++)
		if (slot(t, i)->in_use)
			release(t, slot(t, i), FLOW_END_EOF, now);
}

void flow_table_end(struct flow_table *t, struct flow *f, ts_usec now)
{
	if (f->in_use)
		release(t, f, FLOW_END_DONE, now);
}

void flow_table_foreach(struct flow_table *t, void (*fn)(struct flow *f, void *arg), void *arg)
{
	for (uint32_t i = 0; i < t->pool.used_hw; i++)
		if (slot(t, i)->in_use)
			fn(slot(t, i), arg);
}

const struct flow_stats *flow_table_stats(const struct flow_table *t)
{
	return &t->st;
}
