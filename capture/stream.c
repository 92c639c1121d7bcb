/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stream.c - our TCP reassembler (IPv4 and IPv6, see stream_tcp), and the
 * one module that talks to libnids, which only rebuilds IPv4 datagrams from
 * their fragments. libnids is process-global: one open struct stream per
 * process, reached from libnids' callbacks through `active`. */
#include "stream.h"
#include "pool.h"
#include "util.h"

#include <arpa/inet.h>
#include <nids.h>
#include <pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

/* The IPv4 datagrams libnids is rebuilding, as far as we can tell: one
 * slot per datagram (addresses, id, protocol), with the bytes handed over
 * and when. A slot is freed when libnids gives the datagram back whole, or
 * once libnids has surely dropped it: it expires a datagram 30 s of WALL
 * time after its last fragment (not packet time), so a capture file read
 * in seconds keeps its incomplete datagrams for the whole run. Refusing
 * fragments beyond both caps bounds libnids' fragment memory globally
 * (libnids itself bounds it only per destination address). */
#define FRAG_WALL_EXPIRY 31000000 /* libnids' 30 s, plus a margin */
#define FRAG_OVERHEAD 128         /* libnids' bookkeeping per fragment, about */
#define NO_SLOT UINT32_MAX

struct frag_slot {
	uint8_t src[4], dst[4];
	uint16_t id;
	uint8_t proto;
	bool used;
	uint32_t bytes;
	int64_t wall;               /* monotonic usec of the last fragment */
	uint32_t hnext;             /* hash chain */
	uint32_t older, newer;      /* age list, oldest first */
};

struct frag_table {
	struct frag_slot *slot;
	uint32_t *bucket;
	uint32_t max, nbuckets, used, free_head;
	uint32_t oldest, newest;
	uint64_t bytes, max_bytes;
};

struct stream {
	struct stream_stats st;
	struct stream_hooks hooks;
	pcap_t *dead;
	const uint8_t *fed_data; /* the buffer we last handed to libnids */
	const struct pkt *fed_pkt;
	struct nids_chksum_ctl nocheck;
	struct frag_table frag;
	/* TCP reassembly: held bytes (see stream_tcp) */
	struct pool blocks;    /* HOLD_BLOCK bytes each; its cap is the global cap */
	struct pool holds;     /* struct hold, one per flow holding bytes */
	uint32_t hold_dir;     /* bytes of sequence space a direction may hold */
	uint8_t fixbuf[65536];
};

/* libnids' callbacks carry no argument: the open stream, if any. */
static struct stream *active;

static void nids_warning(int type, int err, struct ip *iph, void *data)
{
	(void)type;
	(void)iph;
	(void)data;
	if (!active)
		return;
	(void)err;
	active->st.nids_warnings++;
}

static int64_t mono_usec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static uint32_t frag_hash(const struct frag_table *T, const uint8_t *src, const uint8_t *dst, uint16_t id,
			  uint8_t proto)
{
	uint32_t h = HASH32_SEED;
	uint32_t w[3] = { (uint32_t)src[0] << 24 | (uint32_t)src[1] << 16 | (uint32_t)src[2] << 8 | src[3],
			  (uint32_t)dst[0] << 24 | (uint32_t)dst[1] << 16 | (uint32_t)dst[2] << 8 | dst[3],
			  (uint32_t)id << 8 | proto };
	for (int i = 0; i < 3; i++)
		h = hash32_word(h, w[i]);
	return h & (T->nbuckets - 1);
}

static void frag_age_unlink(struct frag_table *T, uint32_t i)
{
	struct frag_slot *e = &T->slot[i];
	if (e->older != NO_SLOT)
		T->slot[e->older].newer = e->newer;
	else
		T->oldest = e->newer;
	if (e->newer != NO_SLOT)
		T->slot[e->newer].older = e->older;
	else
		T->newest = e->older;
}

static void frag_age_append(struct frag_table *T, uint32_t i)
{
	struct frag_slot *e = &T->slot[i];
	e->older = T->newest;
	e->newer = NO_SLOT;
	if (T->newest != NO_SLOT)
		T->slot[T->newest].newer = i;
	else
		T->oldest = i;
	T->newest = i;
}

static uint32_t frag_find(const struct frag_table *T, const uint8_t *src, const uint8_t *dst, uint16_t id,
			  uint8_t proto, uint32_t **link)
{
	uint32_t *pp = &T->bucket[frag_hash(T, src, dst, id, proto)];
	while (*pp) {
		const struct frag_slot *e = &T->slot[*pp - 1];
		if (e->id == id && e->proto == proto && !memcmp(e->src, src, 4) && !memcmp(e->dst, dst, 4))
			break;
		pp = &T->slot[*pp - 1].hnext;
	}
	*link = pp;
	return *pp ? *pp - 1 : NO_SLOT;
}

static void frag_release(struct frag_table *T, uint32_t i)
{
	struct frag_slot *e = &T->slot[i];
	uint32_t *link;
	frag_find(T, e->src, e->dst, e->id, e->proto, &link);
	if (*link == i + 1)
		*link = e->hnext;
	frag_age_unlink(T, i);
	T->bytes -= e->bytes;
	T->used--;
	e->used = false;
	e->hnext = T->free_head;
	T->free_head = i + 1;
}

/* A datagram came back whole: libnids freed its fragments. */
static void frag_done(struct frag_table *T, const uint8_t *ip)
{
	uint32_t *link;
	uint16_t id = (uint16_t)(ip[4] << 8 | ip[5]);
	if (!T->max)
		return;
	uint32_t i = frag_find(T, ip + 12, ip + 16, id, ip[9], &link);
	if (i != NO_SLOT)
		frag_release(T, i);
}

/* May this fragment go to libnids? Counts it against both caps. */
static bool frag_admit(struct stream *S, const uint8_t *ip, const struct pkt *p)
{
	struct frag_table *T = &S->frag;
	if (!T->max)
		return true;
	int64_t now = mono_usec();
	while (T->oldest != NO_SLOT && now - T->slot[T->oldest].wall > FRAG_WALL_EXPIRY)
		frag_release(T, T->oldest);
	uint32_t *link;
	uint16_t id = (uint16_t)(ip[4] << 8 | ip[5]);
	uint32_t i = frag_find(T, ip + 12, ip + 16, id, ip[9], &link);
	uint32_t cost = p->l3_len + FRAG_OVERHEAD;
	if (T->bytes + cost > T->max_bytes) {
		limit_note(&S->st.frag_bytes_full, p->ts, p->frame);
		return false;
	}
	if (i == NO_SLOT) {
		if (!T->free_head) {
			limit_note(&S->st.frag_full, p->ts, p->frame);
			return false;
		}
		i = T->free_head - 1;
		struct frag_slot *e = &T->slot[i];
		T->free_head = e->hnext;
		memcpy(e->src, ip + 12, 4);
		memcpy(e->dst, ip + 16, 4);
		e->id = id;
		e->proto = ip[9];
		e->used = true;
		e->bytes = 0;
		e->hnext = 0;
		*link = i + 1;
		T->used++;
	} else {
		frag_age_unlink(T, i);
	}
	struct frag_slot *e = &T->slot[i];
	e->bytes += cost;
	e->wall = now;
	T->bytes += cost;
	frag_age_append(T, i);
	if (T->used > S->st.frag_peak)
		S->st.frag_peak = T->used;
	if (T->bytes > S->st.frag_bytes_peak)
		S->st.frag_bytes_peak = T->bytes;
	return true;
}

static void frag_table_free(struct frag_table *T)
{
	free(T->slot);
	free(T->bucket);
	memset(T, 0, sizeof *T);
}

bool stream_set_frag_limits(struct stream *S, uint32_t datagrams, uint64_t bytes)
{
	struct frag_table *T = &S->frag;
	frag_table_free(T);
	T->oldest = T->newest = NO_SLOT;
	S->st.frag_full.limit = datagrams;
	S->st.frag_bytes_full.limit = bytes;
	if (!datagrams)
		return true;
	T->nbuckets = 16;
	while (T->nbuckets < datagrams && T->nbuckets < (1u << 30))
		T->nbuckets <<= 1;
	T->slot = calloc(datagrams, sizeof *T->slot);
	T->bucket = calloc(T->nbuckets, sizeof *T->bucket);
	if (!T->slot || !T->bucket) {
		frag_table_free(T);
		return false;
	}
	T->max = datagrams;
	T->max_bytes = bytes;
	for (uint32_t i = datagrams; i-- > 0;) {
		T->slot[i].hnext = T->free_head;
		T->free_head = i + 1;
	}
	return true;
}

static void nids_nomem(char *where)
{
	fprintf(stderr, "shakedown: libnids out of memory in %s\n", where);
}

static void nids_ip_cb(struct ip *iph, int len)
{
	(void)len;
	struct stream *S = active;
	if (!S || (const uint8_t *)iph == S->fed_data || !S->hooks.on_datagram)
		return;
	/* a datagram libnids rebuilt from fragments */
	S->st.reassembled++;
	frag_done(&S->frag, (const uint8_t *)iph);
	uint32_t total = ntohs(iph->ip_len);
	S->hooks.on_datagram(S->hooks.arg, (const uint8_t *)iph, total);
}

struct stream *stream_new(uint32_t max_flows, const struct stream_hooks *hooks, char *err, size_t errlen)
{
	if (active) {
		snprintf(err, errlen, "libnids is already in use in this process");
		return NULL;
	}
	struct stream *S = calloc(1, sizeof *S);
	if (!S) {
		snprintf(err, errlen, "out of memory for the reassembler");
		return NULL;
	}
	S->hooks = *hooks;
	S->dead = pcap_open_dead(DLT_RAW, 65535);
	if (!S->dead) {
		snprintf(err, errlen, "pcap_open_dead failed");
		free(S);
		return NULL;
	}
	/* libnids only rebuilds IPv4 datagrams from fragments: TCP is ours
	 * (stream_tcp). It still follows TCP in the datagrams it rebuilds,
	 * with no callback to hand it to: its smallest table (one stream,
	 * reused) is enough. */
	nids_params.pcap_desc = S->dead;
	nids_params.n_tcp_streams = 1;
	if (!stream_set_hold_limits(S, STREAM_HOLD_DIR_BYTES, (uint64_t)max_flows * STREAM_HOLD_BYTES_PER_FLOW)) {
		snprintf(err, errlen, "out of memory for the TCP reassembler");
		goto fail;
	}
	if (!stream_set_frag_limits(S, STREAM_FRAG_DATAGRAMS, STREAM_FRAG_BYTES)) {
		snprintf(err, errlen, "out of memory for the fragment table");
		goto fail;
	}
	nids_params.n_hosts = 1024;
	nids_params.scan_num_hosts = 0; /* no port-scan detector */
	nids_params.syslog = nids_warning;
	nids_params.no_mem = nids_nomem;
	nids_params.tcp_workarounds = 0;
	nids_params.one_loop_less = 0;
	nids_params.multiproc = 0;
	nids_params.pcap_filter = NULL;
	if (!nids_init()) {
		snprintf(err, errlen, "libnids: %s", nids_errbuf);
		goto fail;
	}
	/* Never drop packets for their checksums: offload makes them normal. */
	S->nocheck.action = NIDS_DONT_CHKSUM;
	nids_register_chksum_ctl(&S->nocheck, 1);
	nids_register_ip((void *)nids_ip_cb);
	active = S;
	return S;
fail:
	frag_table_free(&S->frag);
	pool_free(&S->blocks);
	pool_free(&S->holds);
	pcap_close(S->dead);
	free(S);
	return NULL;
}

void stream_free(struct stream *S)
{
	if (!S)
		return;
	/* nids_exit frees neither list node: take ours back first */
	nids_unregister_ip((void *)nids_ip_cb);
	nids_exit();
	frag_table_free(&S->frag);
	pool_free(&S->blocks);
	pool_free(&S->holds);
	pcap_close(S->dead);
	if (active == S)
		active = NULL;
	free(S);
}

static uint16_t ip_header_sum(const uint8_t *h, size_t len)
{
	return csum_fold(csum_add(0, h, len));
}

void stream_feed_ipv4(struct stream *S, const struct pkt *p)
{
	if (!S || p->ipver != 4 || p->ip_truncated || !p->l3 || p->l3_len < 20)
		return;
	const uint8_t *data = p->l3;
	size_t ihl = (size_t)(data[0] & 15) * 4;
	if (ihl < 20 || ihl > p->l3_len)
		return;
	if (p->is_fragment && !frag_admit(S, data, p))
		return;
	/* libnids drops a bad IP header checksum (crafted captures, some
	 * offload setups): hand it a corrected copy instead. */
	if (ip_header_sum(data, ihl) != 0 && p->l3_len <= sizeof S->fixbuf) {
		uint8_t *fix = S->fixbuf;
		memcpy(fix, data, p->l3_len);
		fix[10] = fix[11] = 0;
		uint16_t s = ip_header_sum(fix, ihl);
		fix[10] = (uint8_t)(s >> 8);
		fix[11] = (uint8_t)s;
		data = fix;
	}
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)(p->ts / 1000000);
	h.ts.tv_usec = (suseconds_t)(p->ts % 1000000);
	h.caplen = h.len = p->l3_len;
	/* a datagram libnids rebuilds during this call re-enters the engine,
	 * which may feed us again: keep the outer packet's marks */
	const uint8_t *outer_data = S->fed_data;
	const struct pkt *outer_pkt = S->fed_pkt;
	S->fed_data = data;
	S->fed_pkt = p;
	S->st.nids_packets++;
	nids_pcap_handler(NULL, &h, (u_char *)(uintptr_t)data);
	S->fed_data = outer_data;
	S->fed_pkt = outer_pkt;
}

/* ---------- TCP reassembly (IPv4 and IPv6) ----------
 *
 * Per direction, f->rx_next is the next byte expected, from the SYN on;
 * bytes go on once both directions' SYNs were seen (f->rx_both), as libnids
 * did. All sequence comparisons are serial (seq_diff), relative to
 * rx_next, so the wrap at 2^32 needs nothing special.
 * A segment at rx_next goes straight to on_bytes from the packet (no
 * copy). A segment beyond it is copied into held blocks: HOLD_BLOCK bytes
 * of sequence space each, from S->blocks, found by (seq / HOLD_BLOCK)
 * modulo HOLD_RING in the direction's ring, with the held byte ranges
 * listed in order. When the hole before the first range is filled, the
 * range follows at once, and its blocks go back to the pool. Overlaps:
 * the first copy of a byte wins (a held byte is never overwritten, and a
 * byte already delivered is never delivered again). Each direction holds
 * at most hold_dir bytes of sequence space beyond rx_next, every flow
 * together at most the block pool's cap; what does not fit is dropped
 * (counted, with the limit) and the stream waits there for a
 * retransmission, as it would without held bytes; so does a segment that
 * would make a 17th separate range (counted against the direction). A
 * FIN counts only in order (an out-of-order one is held as bytes only). A
 * flow's held state
 * (struct hold, from S->holds) exists only while it holds bytes; it goes
 * back when the flow no longer wants bytes, when its directions end
 * (in-order FIN, RST), and at the flow's end (stream_release). */
#define HOLD_BLOCK_SHIFT 10
#define HOLD_BLOCK (1u << HOLD_BLOCK_SHIFT)
#define HOLD_RING 128 /* sequence space one direction can map: 128 KiB */
#define HOLD_RANGES 16

/* The held bytes of one direction. */
struct hold_dir {
	uint32_t block[HOLD_RING];   /* S->blocks index + 1 (0: none) */
	uint32_t lo[HOLD_RANGES];    /* held ranges [lo, hi), in sequence order */
	uint32_t hi[HOLD_RANGES];    /* from rx_next on, disjoint and not touching */
	uint8_t n;                   /* ranges in use */
};

/* A flow's held bytes, both directions. */
struct hold {
	struct hold_dir d[2];
};

static struct hold *hold_of(const struct stream *S, const struct flow *f)
{
	return f->rx_held ? pool_at(&S->holds, f->rx_held - 1) : NULL;
}

static void hold_dir_release(struct stream *S, struct hold_dir *hd)
{
	for (unsigned i = 0; i < HOLD_RING; i++)
		if (hd->block[i]) {
			pool_give(&S->blocks, hd->block[i] - 1);
			hd->block[i] = 0;
			S->st.held_blocks--;
		}
	hd->n = 0;
}

/* Give back everything flow f holds. */
static void hold_release(struct stream *S, struct flow *f)
{
	struct hold *h = hold_of(S, f);
	if (!h)
		return;
	hold_dir_release(S, &h->d[0]);
	hold_dir_release(S, &h->d[1]);
	pool_give(&S->holds, f->rx_held - 1);
	f->rx_held = 0;
}

/* Direction dir holds nothing more: give its blocks back (and the whole
 * record when the other direction holds nothing either). */
static void hold_dir_end(struct stream *S, struct flow *f, int dir)
{
	struct hold *h = hold_of(S, f);
	if (!h)
		return;
	hold_dir_release(S, &h->d[dir]);
	if (!h->d[!dir].n)
		hold_release(S, f);
}

/* Give back the blocks no held range of hd touches any more. */
static void hold_trim_blocks(struct stream *S, struct hold_dir *hd)
{
	uint64_t need[HOLD_RING / 64] = { 0 };
	for (unsigned r = 0; r < hd->n; r++) {
		uint32_t k = hd->lo[r] >> HOLD_BLOCK_SHIFT, last = (hd->hi[r] - 1) >> HOLD_BLOCK_SHIFT;
		for (;; k = (k + 1) & (UINT32_MAX >> HOLD_BLOCK_SHIFT)) {
			unsigned slot = k & (HOLD_RING - 1);
			need[slot / 64] |= 1ull << (slot % 64);
			if (k == last)
				break;
		}
	}
	for (unsigned i = 0; i < HOLD_RING; i++)
		if (hd->block[i] && !(need[i / 64] >> (i % 64) & 1)) {
			pool_give(&S->blocks, hd->block[i] - 1);
			hd->block[i] = 0;
			S->st.held_blocks--;
		}
}

/* Copy data (len bytes at sequence seq) into hd's blocks, taking blocks as
 * needed. Returns how many bytes were copied: fewer when the pool is at
 * its cap. */
static uint32_t hold_copy(struct stream *S, struct hold_dir *hd, uint32_t seq, const uint8_t *data, uint32_t len,
			  const struct pkt *p)
{
	uint32_t done = 0;
	while (done < len) {
		uint32_t at = seq + done;
		unsigned slot = (at >> HOLD_BLOCK_SHIFT) & (HOLD_RING - 1);
		if (!hd->block[slot]) {
			uint32_t idx;
			if (!pool_take(&S->blocks, &idx)) {
				limit_note(&S->st.hold_full, p->ts, p->frame);
				break;
			}
			hd->block[slot] = idx + 1;
			if (++S->st.held_blocks > S->st.held_blocks_peak)
				S->st.held_blocks_peak = S->st.held_blocks;
		}
		uint32_t in = at & (HOLD_BLOCK - 1);
		uint32_t n = HOLD_BLOCK - in < len - done ? HOLD_BLOCK - in : len - done;
		memcpy((uint8_t *)pool_at(&S->blocks, hd->block[slot] - 1) + in, data + done, n);
		done += n;
	}
	return done;
}

/* Add [lo, hi) to hd's ranges (base: rx_next, the origin of their order),
 * merging it with the ranges it overlaps or touches. The caller made sure
 * there is room when it touches none. */
static bool hold_range_add(struct hold_dir *hd, uint32_t base, uint32_t lo, uint32_t hi)
{
	uint32_t a = lo - base, b = hi - base;
	unsigned i = 0;
	while (i < hd->n && hd->hi[i] - base < a)
		i++;
	unsigned j = i;
	while (j < hd->n && hd->lo[j] - base <= b) {
		if (hd->lo[j] - base < a)
			a = hd->lo[j] - base;
		if (hd->hi[j] - base > b)
			b = hd->hi[j] - base;
		j++;
	}
	/* ranges i..j-1 merge into one at i; none (j == i): a new range at i,
	 * which a full list has no room for */
	if (j == i && hd->n == HOLD_RANGES)
		return false;
	unsigned keep = i + 1;
	if (j != keep) {
		memmove(&hd->lo[keep], &hd->lo[j], (hd->n - j) * sizeof hd->lo[0]);
		memmove(&hd->hi[keep], &hd->hi[j], (hd->n - j) * sizeof hd->hi[0]);
		hd->n = (uint8_t)(hd->n - j + keep);
	}
	hd->lo[i] = base + a;
	hd->hi[i] = base + b;
	return true;
}

/* Keep a segment beyond rx_next: the bytes of it not held yet. */
static void hold_store(struct stream *S, struct flow *f, int dir, uint32_t seq, const uint8_t *data, uint32_t len,
		       const struct pkt *p)
{
	uint32_t base = f->rx_next[dir];
	uint32_t off = seq - base;
	if (off >= S->hold_dir) {
		S->st.hold_dropped++;
		limit_note(&S->st.hold_dir_full, p->ts, p->frame);
		return;
	}
	bool cut = false;
	if (len > S->hold_dir - off) {
		len = S->hold_dir - off;
		cut = true;
		limit_note(&S->st.hold_dir_full, p->ts, p->frame);
	}
	struct hold *h = hold_of(S, f);
	if (!h) {
		uint32_t idx;
		h = pool_take(&S->holds, &idx);
		if (!h) {
			S->st.hold_dropped++;
			limit_note(&S->st.hold_full, p->ts, p->frame);
			return;
		}
		memset(h, 0, sizeof *h);
		f->rx_held = idx + 1;
	}
	struct hold_dir *hd = &h->d[dir];
	uint32_t a = off, b = off + len;
	bool touches = false;
	for (unsigned r = 0; r < hd->n && !touches; r++)
		touches = hd->lo[r] - base <= b && hd->hi[r] - base >= a;
	if (!touches && hd->n == HOLD_RANGES) {
		S->st.hold_dropped++;
		limit_note(&S->st.hold_dir_full, p->ts, p->frame);
		return;
	}
	S->st.held_segments++;
	/* copy only into the gaps between what is held: the first copy wins */
	uint32_t cur = a;
	while (cur < b) {
		/* the first held range that ends after cur */
		unsigned r = 0;
		while (r < hd->n && hd->hi[r] - base <= cur)
			r++;
		uint32_t stop = b;
		if (r < hd->n) {
			uint32_t rlo = hd->lo[r] - base;
			if (rlo <= cur) {
				cur = hd->hi[r] - base;
				continue;
			}
			if (rlo < stop)
				stop = rlo;
		}
		uint32_t got = hold_copy(S, hd, base + cur, data + (cur - a), stop - cur, p);
		/* a copy cut short by the block pool may stand alone where the
		 * whole segment touched a range: no room for it in a full list */
		if (got && !hold_range_add(hd, base, base + cur, base + cur + got))
			goto short_copy;
		if (got < stop - cur)
			goto short_copy;
		cur = stop;
	}
	S->st.hold_dropped += cut;
	return;
short_copy:
	S->st.hold_dropped++;
	hold_trim_blocks(S, hd);
	if (!h->d[0].n && !h->d[1].n)
		hold_release(S, f);
}

static void deliver(struct stream *S, struct flow *f, int dir, const uint8_t *data, uint32_t len,
		    const struct pkt *p)
{
	S->st.bytes_delivered += len;
	f->rx_next[dir] += len;
	S->hooks.on_bytes(S->hooks.arg, f, dir, data, len, p->frame, p->ts);
}

/* Deliver the held bytes that now start at or before rx_next (dropping
 * those already delivered), while the flow wants them. */
static void hold_deliver(struct stream *S, struct flow *f, int dir, const struct pkt *p)
{
	struct hold *h = hold_of(S, f);
	if (!h)
		return;
	struct hold_dir *hd = &h->d[dir];
	bool moved = false;
	while (hd->n && f->want_stream) {
		uint32_t base = f->rx_next[dir];
		if (seq_diff(hd->lo[0], base) > 0)
			break;
		uint32_t end = hd->hi[0];
		while (seq_diff(end, f->rx_next[dir]) > 0 && f->want_stream) {
			uint32_t at = f->rx_next[dir];
			uint32_t in = at & (HOLD_BLOCK - 1);
			uint32_t n = HOLD_BLOCK - in;
			if (n > (uint32_t)seq_diff(end, at))
				n = (uint32_t)seq_diff(end, at);
			uint32_t b = hd->block[(at >> HOLD_BLOCK_SHIFT) & (HOLD_RING - 1)];
			if (!b)
				break; /* cannot happen: a held range has its blocks */
			deliver(S, f, dir, (const uint8_t *)pool_at(&S->blocks, b - 1) + in, n, p);
		}
		memmove(&hd->lo[0], &hd->lo[1], (size_t)(hd->n - 1) * sizeof hd->lo[0]);
		memmove(&hd->hi[0], &hd->hi[1], (size_t)(hd->n - 1) * sizeof hd->hi[0]);
		hd->n--;
		moved = true;
	}
	/* f may have let go of the stream in on_bytes: stream_tcp releases */
	if (moved && f->rx_held)
		hold_trim_blocks(S, hd);
	if (f->rx_held && !h->d[0].n && !h->d[1].n)
		hold_release(S, f);
}

void stream_tcp(struct stream *S, struct flow *f, int dir, const struct pkt *p)
{
	if (!S)
		return;
	if (!f->want_stream) {
		hold_release(S, f);
		f->rx_on = 0;
		f->rx_both = false;
		return;
	}
	uint8_t fl = p->tcp_flags;
	if (fl & TH_RST) {
		/* an RST in the window of its direction (or before that
		 * direction started) ends the connection: both directions */
		int32_t at = seq_diff(p->seq, f->rx_next[dir]);
		if (!(f->rx_on >> dir & 1u) || (at >= 0 && (uint32_t)at < S->hold_dir)) {
			hold_release(S, f);
			f->rx_on = 0;
			f->rx_both = false;
		}
		return;
	}
	if (fl & TH_SYN) {
		/* a SYN starts the direction. A retransmitted one (while
		 * the direction is on: the same low 16 bits of the sequence
		 * number, not past the next byte expected) is ignored;
		 * another one is a new connection on the same ports: it
		 * starts again from this SYN, what the old one held is
		 * dropped. */
		if (f->rx_on >> dir & 1u) {
			if ((uint16_t)p->seq == f->rx_syn[dir] && seq_diff(f->rx_next[dir], p->seq + 1) >= 0)
				return;
			hold_release(S, f);
			f->rx_on = 0;
			f->rx_both = false;
		}
		f->rx_syn[dir] = (uint16_t)p->seq;
		f->rx_next[dir] = p->seq + 1;
		f->rx_on |= (uint8_t)(1u << dir);
		/* both ways on again: a SYN while the other direction is off
		 * (a new connection after a clean close) waits for its answer */
		f->rx_both = f->rx_on == 3;
		return;
	}
	/* bytes only once the handshake was seen both ways (as libnids
	 * did): a connection seen one way only (asymmetric routing, an
	 * unanswered client) is not followed */
	if (!(f->rx_on >> dir & 1u) || !f->rx_both || p->ip_truncated)
		return;
	uint32_t seq = p->seq;
	uint32_t len = p->payload_len;
	const uint8_t *data = p->payload;
	if (len && seq_diff(seq, f->rx_next[dir]) > 0) {
		hold_store(S, f, dir, seq, data, len, p);
		return;
	}
	/* in order (or partly old): the packet's bytes, with the held bytes
	 * that come first where they overlap it (the first copy wins) */
	for (;;) {
		hold_deliver(S, f, dir, p);
		if (!f->want_stream)
			break;
		uint32_t behind = (uint32_t)seq_diff(f->rx_next[dir], seq);
		if (seq_diff(f->rx_next[dir], seq) < 0 || behind >= len)
			break;
		seq += behind;
		data += behind;
		len -= behind;
		uint32_t n = len;
		struct hold *h = hold_of(S, f);
		if (h && h->d[dir].n) {
			int32_t gap = seq_diff(h->d[dir].lo[0], seq);
			if (gap > 0 && (uint32_t)gap < n)
				n = (uint32_t)gap;
		}
		deliver(S, f, dir, data, n, p);
	}
	if (!f->want_stream) {
		hold_release(S, f);
		f->rx_on = 0;
		f->rx_both = false;
		return;
	}
	/* a FIN right after the bytes delivered ends the direction */
	if ((fl & TH_FIN) && f->rx_next[dir] == p->seq + p->payload_len) {
		hold_dir_end(S, f, dir);
		f->rx_on &= (uint8_t)~(1u << dir);
	}
}

void stream_release(struct stream *S, struct flow *f)
{
	if (S)
		hold_release(S, f);
}

bool stream_set_hold_limits(struct stream *S, uint32_t dir_bytes, uint64_t total_bytes)
{
	if (S->holds.st.active || S->blocks.st.active)
		return false;
	if (!dir_bytes || dir_bytes > (HOLD_RING - 1) * HOLD_BLOCK)
		dir_bytes = (HOLD_RING - 1) * HOLD_BLOCK;
	uint64_t blocks = total_bytes / HOLD_BLOCK;
	if (blocks < 1)
		blocks = 1;
	if (blocks > UINT32_MAX / 2)
		blocks = UINT32_MAX / 2;
	pool_free(&S->blocks);
	pool_free(&S->holds);
	/* every held record holds at least one block */
	pool_init(&S->blocks, HOLD_BLOCK, (uint32_t)blocks, 6);
	pool_init(&S->holds, sizeof(struct hold), (uint32_t)blocks, 4);
	S->hold_dir = dir_bytes;
	S->st.hold_dir_full.limit = dir_bytes;
	S->st.hold_full.limit = blocks * HOLD_BLOCK;
	return true;
}

const struct stream_stats *stream_stats(const struct stream *S)
{
	return &S->st;
}
