/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ssh-pool.c - the SSH analyzer's memory: the bounded pool of sessions
 * (struct ssh_sess) and the two kinds of blocks a session takes only while
 * its handshake needs them (a key exchange block, a cleartext block per
 * side), with their counters and limit. ssh.c decides when to take and
 * give back; what is taken here is all the SSH analyzer holds per flow. */
#include <stdlib.h>
#include <string.h>

#include "../capture/pool.h"
#include "ssh-session.h"

/* Under AddressSanitizer an entry given back to one of the pools below is
 * poisoned until it is taken again: a read of a returned session, key
 * exchange block or cleartext block fails the sanitizer build's tests. The
 * free-list link at the start of a block stays readable. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SSH_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SSH_ASAN 1
#endif
#ifdef SSH_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* ---- the pool ------------------------------------------------------------ */

static struct {
	struct ssh_sess **chunks;
	uint32_t nchunks, maxchunks, cap;
	uint32_t free_head;
	struct ssh_stats st;
} pool = { .free_head = NONE32 };

static struct ssh_sess *sess_at(uint32_t idx)
{
	return &pool.chunks[idx / POOL_CHUNK][idx % POOL_CHUNK];
}

/* ---- cleartext and key exchange blocks ----------------------------------- */

/* A side's cleartext-only record (struct half_clear, with its KEXINIT
 * payload) is needed only while its handshake is in cleartext: a block is
 * taken when the side starts binary packets and given back once both
 * NEWKEYS passed (nothing reads a KEXINIT or a cleartext DISCONNECT after
 * that) or the session ends. It holds KEXINIT_SMALL payload bytes (what
 * real KEXINITs need) and is swapped for one of KEXINIT_CAP when a KEXINIT's
 * header announces more. Blocks come in chunks and go round a free list,
 * so this memory follows handshakes in progress, not sessions kept open
 * for their login's outcome. At most two per session: the limit is the
 * session pool's, twice.
 *
 * A session's struct ssh_kex is taken when either side's first binary
 * packet bytes arrive and given back with the session: sessions that never
 * get past the identifications (most of those open at once on a busy link
 * wait on a silent server) do not hold one. At most one per session. */
#define BLOCK_CHUNK_SHIFT 4 /* 16 blocks a chunk */

static struct pool kx_small, kx_big, kexp;

/* All zero: what a session without a key exchange block reads. */
const struct ssh_kex ssh_no_kex;

/* A block given back: poisoned but the pool's link in its first bytes. */
static void block_give(struct pool *p, uint32_t idx)
{
	pool_give(p, idx);
	POISON((char *)pool_at(p, idx) + sizeof(uint32_t), p->size - sizeof(uint32_t));
}

static void block_reset(struct pool *p)
{
	for (uint32_t i = 0; i < p->nchunks; i++)
		UNPOISON(p->chunks[i], p->size << p->chunk_shift);
	pool_free(p);
}

static struct pool *kx_pool(const struct half_clear *hc)
{
	return hc->cap > KEXINIT_SMALL ? &kx_big : &kx_small;
}

/* A cleartext block holding cap payload bytes (the payload is the
 * framer's to fill), or NULL when there is no memory. */
static struct half_clear *kx_block(uint32_t cap, uint32_t *idx)
{
	struct pool *p = cap > KEXINIT_SMALL ? &kx_big : &kx_small;
	struct half_clear *hc = pool_take(p, idx);
	if (!hc) {
		pool.st.kexinit_full++;
		return NULL;
	}
	UNPOISON(hc, p->size);
	memset(hc, 0, sizeof *hc);
	hc->cap = cap;
	return hc;
}

static void kx_use(struct half *h, struct half_clear *hc, uint32_t idx)
{
	h->clear = hc;
	h->clear_idx = idx;
	ssh_framer_set_big(&h->fr, hc->kexinit, hc->cap);
}

/* Give the side its cleartext block; without one (no memory) its KEXINIT
 * is framed but not kept, as when it is too big. */
void ssh_kx_take(struct half *h)
{
	uint32_t idx;
	struct half_clear *hc = kx_block(KEXINIT_SMALL, &idx);
	if (!hc)
		return;
	kx_use(h, hc, idx);
	if (++pool.st.kexinit_active > pool.st.kexinit_peak)
		pool.st.kexinit_peak = pool.st.kexinit_active;
}

/* A side's first KEXINIT of `need` payload bytes comes (its header was
 * framed): a side whose block holds fewer moves to a KEXINIT_CAP one, and
 * what the block held goes along. Without one (no memory) the KEXINIT is
 * kept as far as the small block goes. */
void ssh_kx_fit(struct half *h, uint32_t need)
{
	struct half_clear *old = h->clear;
	if (!old || need <= old->cap || old->cap >= KEXINIT_CAP)
		return;
	uint32_t idx;
	struct half_clear *hc = kx_block(KEXINIT_CAP, &idx);
	if (!hc)
		return;
	memcpy(hc, old, sizeof *hc + old->cap);
	hc->cap = KEXINIT_CAP;
	block_give(kx_pool(old), h->clear_idx);
	kx_use(h, hc, idx);
}

void ssh_kx_give_back(struct ssh_sess *s)
{
	for (int d = 0; d < 2; d++) {
		struct half *h = &s->h[d];
		if (!h->clear)
			continue;
		block_give(kx_pool(h->clear), h->clear_idx);
		h->clear = NULL;
		ssh_framer_set_big(&h->fr, NULL, 0);
		pool.st.kexinit_active--;
	}
}

/* Give the session its key exchange block; false when there is no memory. */
bool ssh_kex_take(struct ssh_sess *s)
{
	uint32_t idx;
	struct ssh_kex *k = pool_take(&kexp, &idx);
	if (!k) {
		pool.st.kex_full++;
		return false;
	}
	UNPOISON(k, sizeof *k);
	memset(k, 0, sizeof *k);
	s->kex = k;
	s->kex_idx = idx;
	for (int d = 0; d < 2; d++)
		s->h[d].k = &k->h[d];
	pool.st.kex_active = (uint32_t)kexp.st.active;
	pool.st.kex_peak = (uint32_t)kexp.st.peak;
	return true;
}

static void kex_give_back(struct ssh_sess *s)
{
	if (!s->kex)
		return;
	block_give(&kexp, s->kex_idx);
	s->kex = NULL;
	s->h[0].k = s->h[1].k = NULL;
	pool.st.kex_active = (uint32_t)kexp.st.active;
}

static void pool_reset(void)
{
	for (uint32_t i = 0; i < pool.nchunks; i++) {
		UNPOISON(pool.chunks[i], POOL_CHUNK * sizeof *pool.chunks[i]);
		free(pool.chunks[i]);
	}
	free(pool.chunks);
	memset(&pool, 0, sizeof pool);
	pool.free_head = NONE32;
	block_reset(&kx_small);
	block_reset(&kx_big);
	block_reset(&kexp);
}

/* No room for this connection: it is given up for good (APP_OTHER: not
 * tried again on its next packet), so each one counts once. */
static void ssh_pool_full(struct flow *f)
{
	pool.st.pool_full++;
	limit_note(&pool.st.full, f->last_ts, f->last_frame);
	flow_state(f)->app = APP_OTHER;
}

/* A free entry: all but its free-list fields (idx, next_free) poisoned. */
static void sess_poison(struct ssh_sess *s)
{
	POISON(s, offsetof(struct ssh_sess, idx));
	size_t keep = offsetof(struct ssh_sess, next_free) + sizeof s->next_free;
	POISON((char *)s + keep, sizeof *s - keep);
}

struct ssh_sess *ssh_sess_new(struct flow *f)
{
	if (pool.free_head == NONE32) {
		if (pool.nchunks >= pool.maxchunks) {
			ssh_pool_full(f);
			return NULL;
		}
		struct ssh_sess *c = calloc(POOL_CHUNK, sizeof *c);
		if (!c) {
			ssh_pool_full(f);
			return NULL;
		}
		uint32_t base = pool.nchunks * POOL_CHUNK;
		pool.chunks[pool.nchunks++] = c;
		for (uint32_t i = POOL_CHUNK; i-- > 0;) {
			if (base + i >= pool.cap)
				continue;
			c[i].idx = base + i;
			c[i].next_free = pool.free_head;
			pool.free_head = base + i;
			sess_poison(&c[i]);
		}
		if (pool.free_head == NONE32) {
			ssh_pool_full(f);
			return NULL;
		}
	}
	struct ssh_sess *s = sess_at(pool.free_head);
	uint32_t idx = s->idx;
	pool.free_head = s->next_free;
	UNPOISON(s, sizeof *s);
	memset(s, 0, sizeof *s);
	s->idx = idx;
	s->closer = -1;
	s->last_enc = -1;
	s->cdir = DIR_C2S;
	s->fam = SSH_KEXFAM_UNKNOWN;
	for (int d = 0; d < 2; d++)
		ssh_line_reset(&s->h[d].line); /* the framer replaces it once binary */
	s->expected = f->sport == 22;
	flow_state(f)->app_state = s;
	pool.st.sessions++;
	if (++pool.st.active > pool.st.peak)
		pool.st.peak = pool.st.active;
	return s;
}

void ssh_sess_free(struct flow *f)
{
	struct flow_state *fs = flow_state(f);
	struct ssh_sess *s = fs->app_state;
	if (!s)
		return;
	ssh_kx_give_back(s);
	kex_give_back(s);
	s->next_free = pool.free_head;
	pool.free_head = s->idx;
	sess_poison(s);
	fs->app_state = NULL;
	pool.st.active--;
}

void ssh_pool_init(void)
{
	pool_reset();
	pool.cap = sd_cfg.max_ssh ? sd_cfg.max_ssh : 1;
	pool.st.full.limit = pool.cap;
	pool.maxchunks = (pool.cap + POOL_CHUNK - 1) / POOL_CHUNK;
	pool.chunks = calloc(pool.maxchunks, sizeof *pool.chunks);
	if (!pool.chunks)
		pool.maxchunks = 0;
	/* without a chunk index no block is handed out, as when out of memory */
	uint32_t kx_cap = pool.cap > UINT32_MAX / 2 ? UINT32_MAX : pool.cap * 2;
	pool_init(&kx_small, sizeof(struct half_clear) + KEXINIT_SMALL, kx_cap, BLOCK_CHUNK_SHIFT);
	pool_init(&kx_big, sizeof(struct half_clear) + KEXINIT_CAP, kx_cap, BLOCK_CHUNK_SHIFT);
	pool_init(&kexp, sizeof(struct ssh_kex), pool.cap, BLOCK_CHUNK_SHIFT);
}

void ssh_count_verdict(void)
{
	pool.st.verdicts++;
}

void ssh_count_not_ssh(void)
{
	pool.st.not_ssh++;
}

void ssh_pool_free(void)
{
	pool_reset();
}

const struct ssh_stats *ssh_stats(void)
{
	return &pool.st;
}
