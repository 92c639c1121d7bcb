/* SPDX-License-Identifier: GPL-2.0-or-later */
/* points.c - reading several captures of the same traffic (--points),
 * fingerprinting each IP packet without its addresses and ports, estimating
 * the clock offset of every point from the first, and matching each packet
 * to its copies at the other points. Owns struct points and its tables. */
#include "points.h"
#include "capture/capture.h"
#include "decode.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUP_WINDOW 5000ull       /* µs: a copy this close is a span-port duplicate */
#define MATCH_WINDOW 2000000ll   /* µs, after the offset: a copy further away is another packet */
#define OFFSET_SAMPLES_MAX 65536 /* unique packets used for an offset */

/* ---------- names ---------- */

bool points_parse_arg(const char *arg, char *name, size_t namelen, const char **path)
{
	const char *eq = strchr(arg, '=');
	const char *slash = strchr(arg, '/');
	if (eq && (!slash || eq < slash)) {
		size_t n = (size_t)(eq - arg);
		*path = eq + 1;
		if (!n || n >= namelen || !**path || memchr(arg, ',', n))
			return false;
		memcpy(name, arg, n);
		name[n] = 0;
		return true;
	}
	*path = arg;
	const char *base = strrchr(arg, '/');
	base = base ? base + 1 : arg;
	size_t n = strcspn(base, ".");
	if (!n)
		n = strlen(base);
	if (!n || n >= namelen || memchr(base, ',', n))
		return false;
	memcpy(name, base, n);
	name[n] = 0;
	return true;
}

/* ---------- fingerprints ---------- */

static uint64_t fingerprint(const struct pkt *p)
{
	uint64_t h = HASH64_SEED;
	h = hash64_byte(h, p->proto);
	h = hash64_bytes(h, (const uint8_t *)&p->ip_id, sizeof p->ip_id);
	if (pkt_is_tcp(p)) {
		uint32_t w[4] = { p->seq, p->ack, p->tcp_flags, p->payload_wire_len };
		h = hash64_bytes(h, (const uint8_t *)w, sizeof w);
	} else if (p->proto == IPPROTO_NUM_ESP && !p->is_fragment) {
		uint32_t w[2] = { p->esp_spi, p->esp_seq };
		h = hash64_bytes(h, (const uint8_t *)w, sizeof w);
	} else {
		/* UDP (IKE's SPIs and message id, ESP-in-UDP's SPI and
		 * sequence are in the first bytes), ICMP, the rest: the length
		 * and a hash of the payload's start, if captured whole */
		uint32_t len = p->payload_wire_len;
		h = hash64_bytes(h, (const uint8_t *)&len, sizeof len);
		h = hash64_byte(h, p->icmp_type);
		h = hash64_byte(h, p->icmp_code);
		uint32_t take = len < 48 ? len : 48;
		if (p->payload && p->payload_len >= take && !p->is_fragment)
			h = hash64_bytes(h, p->payload, take);
	}
	return h ? h : 1;
}

static void describe(const struct pkt *p, char *out, size_t len)
{
	if (pkt_is_tcp(p)) {
		uint8_t f = p->tcp_flags;
		if (p->payload_len >= 4 && !memcmp(p->payload, "SSH-", 4)) {
			snprintf(out, len, "SSH banner");
			return;
		}
		const char *base = (f & TH_RST) ? "RST" : (f & TH_SYN) ? ((f & TH_ACK) ? "SYN-ACK" : "SYN")
			: (f & TH_FIN) ? "FIN" : (f & TH_PSH) ? "PSH" : "ACK";
		bool ack = (f & TH_ACK) && !(f & TH_SYN) && strcmp(base, "ACK");
		if (p->payload_wire_len)
			snprintf(out, len, "%s%s %u B", base, ack ? "-ACK" : "", p->payload_wire_len);
		else
			snprintf(out, len, "%s%s", base, ack ? "-ACK" : "");
	} else if (p->proto == IPPROTO_NUM_ESP) {
		snprintf(out, len, "ESP seq %u", p->esp_seq);
	} else if (pkt_is_udp(p)) {
		bool ike = p->sport == 500 || p->dport == 500 || p->sport == 4500 || p->dport == 4500;
		snprintf(out, len, "%s %u B", ike ? "IKE/UDP" : "UDP", p->payload_wire_len);
	} else if (p->proto == IPPROTO_NUM_ICMP || p->proto == IPPROTO_NUM_ICMPV6) {
		snprintf(out, len, "ICMP %u/%u", p->icmp_type, p->icmp_code);
	} else {
		snprintf(out, len, "IP proto %u", p->proto);
	}
}

/* ---------- indexes ---------- */

static uint32_t flow_hash(unsigned pt, uint8_t proto, const struct addr *a, uint16_t ap, const struct addr *b,
			  uint16_t bp)
{
	/* the same for both orientations */
	int c = addr_cmp(a, b);
	if (c > 0 || (c == 0 && ap > bp)) {
		const struct addr *t = a;
		a = b;
		b = t;
		uint16_t tp = ap;
		ap = bp;
		bp = tp;
	}
	uint64_t h = HASH64_SEED;
	h = hash64_byte(h, (uint8_t)pt);
	h = hash64_byte(h, proto);
	h = hash64_bytes(h, a->b, 16);
	h = hash64_bytes(h, b->b, 16);
	h = hash64_bytes(h, (const uint8_t *)&ap, 2);
	h = hash64_bytes(h, (const uint8_t *)&bp, 2);
	return hash64_fold(h);
}

static uint32_t fp_hash(unsigned pt, uint64_t fp)
{
	return hash64_fold(hash64_byte(fp, (uint8_t)pt) * HASH64_PRIME);
}

bool points_rec_in_flow(const struct point_rec *r, uint8_t proto, const struct addr *a, uint16_t ap,
			const struct addr *b, uint16_t bp)
{
	if (r->proto != proto)
		return false;
	if (addr_eq(&r->src, a) && r->sport == ap && addr_eq(&r->dst, b) && r->dport == bp)
		return true;
	return addr_eq(&r->src, b) && r->sport == bp && addr_eq(&r->dst, a) && r->dport == ap;
}

unsigned points_owner(const struct points *P, uint32_t rec)
{
	return P->rec[rec].point;
}

uint32_t points_flow_first(const struct points *P, unsigned pt, uint8_t proto, const struct addr *a, uint16_t ap,
			   const struct addr *b, uint16_t bp)
{
	uint32_t i = flow_hash(pt, proto, a, ap, b, bp) & P->index_mask;
	for (; P->by_flow[i]; i = (i + 1) & P->index_mask) {
		uint32_t r = P->by_flow[i] - 1;
		if (points_owner(P, r) == pt && points_rec_in_flow(&P->rec[r], proto, a, ap, b, bp))
			return r;
	}
	return POINTS_NONE;
}

uint32_t points_by_frame(const struct points *P, unsigned pt, uint64_t frame)
{
	const struct point *p = &P->p[pt];
	uint32_t lo = p->first, hi = p->first + p->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (P->rec[mid].frame < frame)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->first + p->n && P->rec[lo].frame == frame ? lo : POINTS_NONE;
}

/* A live table's own state (points_live_new). */
struct points_live {
	struct decode_stats ds;
	uint32_t *tail; /* index_add's chain tails */
	ts_usec start;   /* the first frame of any point */
	ts_usec settled; /* judged up to here: the newest frame less the settle time */
};

bool points_capturing(const struct points *P, unsigned pt, ts_usec t0)
{
	const struct point *p = &P->p[pt];
	/* a file says nothing of when it was not capturing; an interface
	 * that has seen nothing yet has been capturing since the start */
	if (!p->n && (!P->live || !p->first_ts))
		return false;
	/* live: nothing is judged until the first frames have settled */
	if (P->live && (!P->lv->settled || t0 > P->lv->settled))
		return false;
	return t0 >= points_time0(P, pt, p->first_ts) && t0 <= points_time0(P, pt, p->last_ts);
}

/* Add record r to the indexes: its 5-tuple's chain (tail: the last
 * record of each chain, by the slot of its head) and its fingerprint,
 * unless it is a span-port copy of a packet just before it. */
static void index_add(struct points *P, uint32_t r, uint32_t *tail)
{
	struct point_rec *x = &P->rec[r];
	unsigned pt = x->point;
	/* by 5-tuple: the chain goes forward in time */
	uint32_t i = flow_hash(pt, x->proto, &x->src, x->sport, &x->dst, x->dport) & P->index_mask;
	bool found = false;
	for (; P->by_flow[i]; i = (i + 1) & P->index_mask) {
		uint32_t o = P->by_flow[i] - 1;
		if (points_owner(P, o) == pt &&
		    points_rec_in_flow(&P->rec[o], x->proto, &x->src, x->sport, &x->dst, x->dport)) {
			found = true;
			break;
		}
	}
	if (!found)
		P->by_flow[i] = r + 1;
	else
		P->rec[tail[i]].flow_next = r;
	tail[i] = r;
	/* by fingerprint, dropping span-port copies */
	uint32_t j = fp_hash(pt, x->fp) & P->index_mask;
	for (; P->by_fp[j]; j = (j + 1) & P->index_mask) {
		const struct point_rec *o = &P->rec[P->by_fp[j] - 1];
		if (o->fp == x->fp && points_owner(P, P->by_fp[j] - 1) == pt && !o->dup && x->ts >= o->ts &&
		    x->ts - o->ts <= DUP_WINDOW && points_rec_in_flow(o, x->proto, &x->src, x->sport, &x->dst, x->dport) &&
		    addr_eq(&o->src, &x->src))
			x->dup = true;
	}
	if (x->dup)
		P->p[pt].duplicates++;
	else
		P->by_fp[j] = r + 1;
}

/* ---------- reading ---------- */

struct load_ctx {
	struct points *P;
	unsigned pt;
	struct decode_stats ds;
	bool oom;
};

/* Keep frame fr of point pt as a record (if it is IP): its index, or
 * POINTS_NONE. Records are kept in P->rec up to P->caprec; files grow it
 * (then *oom when that fails), live tables start over (points_live_add). */
static uint32_t record(struct points *P, unsigned pt_i, struct decode_stats *ds, const struct capture_frame *fr,
		       bool *oom)
{
	struct point *pt = &P->p[pt_i];
	pt->frames++;
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.frame = fr->frame;
	p.ts = fr->ts;
	p.caplen = fr->caplen;
	p.wirelen = fr->wirelen;
	if (decode_frame(ds, fr->linktype, fr->data, fr->caplen, &p) != DECODE_OK || !p.ipver)
		return POINTS_NONE;
	if (fr->linktype == LINK_PFLOG)
		pt->pflog = true;
	pt->ip_packets++;
	if (P->nrec == P->caprec) {
		uint32_t cap = P->caprec ? P->caprec * 2 : 4096;
		if (cap > POINTS_MAX_RECORDS)
			cap = POINTS_MAX_RECORDS;
		struct point_rec *nr = !P->live && cap > P->caprec ? realloc(P->rec, cap * sizeof *nr) : NULL;
		if (!nr) {
			pt->not_kept++;
			*oom = !P->live && cap > P->caprec;
			return POINTS_NONE;
		}
		P->rec = nr;
		P->caprec = cap;
	}
	uint32_t ri = P->nrec++;
	struct point_rec *r = &P->rec[ri];
	memset(r, 0, sizeof *r);
	pt->n++;
	r->point = (uint8_t)pt_i;
	r->frame = p.frame;
	r->ts = p.ts;
	r->fp = fingerprint(&p);
	r->src = p.src;
	r->dst = p.dst;
	r->proto = p.proto;
	if (!p.is_fragment || p.frag_first) {
		r->sport = p.sport;
		r->dport = p.dport;
	}
	r->ttl = p.ttl;
	r->tcp_flags = pkt_is_tcp(&p) ? p.tcp_flags : 0;
	r->payload_len = p.payload_wire_len;
	r->spi = p.esp_spi;
	r->flow_next = POINTS_NONE;
	r->pf = p.pflog;
	describe(&p, r->what, sizeof r->what);
	for (unsigned k = 0; k < POINTS_MAX; k++)
		r->match[k] = k == pt_i ? ri : POINTS_NONE;
	if (!pt->first_ts || p.ts < pt->first_ts)
		pt->first_ts = p.ts;
	if (p.ts > pt->last_ts)
		pt->last_ts = p.ts;
	return ri;
}

static void on_frame(void *arg, const struct capture_frame *fr)
{
	struct load_ctx *c = arg;
	record(c->P, c->pt, &c->ds, fr, &c->oom);
}

static void on_idle(void *arg, bool quiet)
{
	(void)arg;
	(void)quiet;
}

/* ---------- offsets and matching ---------- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The one record of fp at point pt that is not a copy, POINTS_NONE when
 * there is none or more than one. */
static uint32_t fp_unique(const struct points *P, unsigned pt, uint64_t fp)
{
	uint32_t found = POINTS_NONE;
	uint32_t j = fp_hash(pt, fp) & P->index_mask;
	for (; P->by_fp[j]; j = (j + 1) & P->index_mask) {
		uint32_t r = P->by_fp[j] - 1;
		if (P->rec[r].fp == fp && points_owner(P, r) == pt) {
			if (found != POINTS_NONE)
				return POINTS_NONE;
			found = r;
		}
	}
	return found;
}

/* Offset of point k from point 0: the median difference of the packets
 * that occur once at both. */
static void offset_estimate(struct points *P, unsigned k, int64_t *samples)
{
	const struct point *p0 = &P->p[0];
	uint32_t n = 0;
	for (uint32_t r = p0->first; r < p0->first + p0->n && n < OFFSET_SAMPLES_MAX; r++) {
		if (P->rec[r].dup || fp_unique(P, 0, P->rec[r].fp) != r)
			continue;
		uint32_t o = fp_unique(P, k, P->rec[r].fp);
		if (o != POINTS_NONE)
			samples[n++] = (int64_t)P->rec[o].ts - (int64_t)P->rec[r].ts;
	}
	P->p[k].offset_samples = n;
	if (!n)
		return;
	qsort(samples, n, sizeof *samples, cmp_i64);
	P->p[k].offset = samples[n / 2];
}

/* Match record r of point a to the nearest unmatched copy at point b
 * (within MATCH_WINDOW, after the offsets); false when there is none. */
static bool match_one(struct points *P, uint32_t r, unsigned a, unsigned b)
{
	struct point_rec *x = &P->rec[r];
	if (x->dup || x->match[b] != POINTS_NONE)
		return false;
	int64_t want = (int64_t)points_time0(P, a, x->ts);
	uint32_t best = POINTS_NONE;
	int64_t bestd = MATCH_WINDOW + 1;
	uint32_t j = fp_hash(b, x->fp) & P->index_mask;
	for (; P->by_fp[j]; j = (j + 1) & P->index_mask) {
		uint32_t o = P->by_fp[j] - 1;
		const struct point_rec *y = &P->rec[o];
		if (y->fp != x->fp || points_owner(P, o) != b || y->match[a] != POINTS_NONE)
			continue;
		int64_t d = (int64_t)points_time0(P, b, y->ts) - want;
		if (d < 0)
			d = -d;
		if (d < bestd) {
			bestd = d;
			best = o;
		}
	}
	if (best == POINTS_NONE)
		return false;
	x->match[b] = best;
	P->rec[best].match[a] = r;
	/* router hops between the points, from the first copies seen */
	struct point_rec *y = &P->rec[best];
	if (P->hops[a][b] < 0 && x->ttl != y->ttl) {
		int h = x->ttl > y->ttl ? x->ttl - y->ttl : y->ttl - x->ttl;
		P->hops[a][b] = P->hops[b][a] = h;
	} else if (P->hops[a][b] < 0 && x->ttl == y->ttl && x->ttl) {
		P->hops[a][b] = P->hops[b][a] = 0;
	}
	return true;
}

/* Match each record of point a to the nearest unmatched copy at point b. */
static void match_pair(struct points *P, unsigned a, unsigned b)
{
	const struct point *pa = &P->p[a];
	for (uint32_t r = pa->first; r < pa->first + pa->n; r++)
		match_one(P, r, a, b);
}

/* A table for n points named names (their files or interfaces in
 * paths): NULL with a message when the names clash. */
static struct points *points_new(unsigned n, char names[][POINTS_NAME_LEN], const char **paths, const char *how,
				 char *err, size_t errlen)
{
	if (n < 2 || n > POINTS_MAX) {
		snprintf(err, errlen, "--points takes 2 to %d points (%s)", POINTS_MAX, how);
		return NULL;
	}
	struct points *P = calloc(1, sizeof *P);
	if (!P) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	P->n = n;
	for (unsigned i = 0; i < n; i++) {
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(names[i], names[j])) {
				snprintf(err, errlen, "two points are named '%s': name them with %s", names[i], how);
				points_free(P);
				return NULL;
			}
		snprintf(P->p[i].name, sizeof P->p[i].name, "%s", names[i]);
		P->p[i].path = paths[i];
	}
	for (unsigned a = 0; a < POINTS_MAX; a++)
		for (unsigned b = 0; b < POINTS_MAX; b++)
			P->hops[a][b] = a == b ? 0 : -1;
	return P;
}

struct points *points_load(unsigned n, char names[][POINTS_NAME_LEN], const char **paths, const char *filter,
			   char *err, size_t errlen)
{
	struct points *P = points_new(n, names, paths, "-r NAME=FILE", err, errlen);
	if (!P)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		P->p[i].first = P->nrec;
		struct capture_opts o;
		memset(&o, 0, sizeof o);
		o.files = &paths[i];
		o.nfiles = 1;
		o.filter = filter;
		o.strict_filter = true; /* the points match the packets the filter names */
		struct capture_source *s = capture_source_open(&o, err, errlen);
		if (!s) {
			points_free(P);
			return NULL;
		}
		struct load_ctx c;
		memset(&c, 0, sizeof c);
		c.P = P;
		c.pt = i;
		struct capture_sink sink = { on_frame, on_idle, &c };
		int rc = capture_source_run(s, &sink, NULL, err, errlen);
		capture_source_close(s);
		if (rc != CAPTURE_OK) {
			points_free(P);
			return NULL;
		}
		if (c.oom) {
			snprintf(err, errlen, "out of memory reading point %s", names[i]);
			points_free(P);
			return NULL;
		}
	}
	uint32_t size = 1024;
	while (size < 2 * P->nrec + 2)
		size *= 2;
	P->index_mask = size - 1;
	P->by_fp = calloc(size, sizeof *P->by_fp);
	P->by_flow = calloc(size, sizeof *P->by_flow);
	int64_t *samples = malloc(OFFSET_SAMPLES_MAX * sizeof *samples);
	uint32_t *tail = malloc((size_t)size * sizeof *tail);
	if (!P->by_fp || !P->by_flow || !samples || !tail) {
		free(samples);
		free(tail);
		snprintf(err, errlen, "out of memory for the points' indexes");
		points_free(P);
		return NULL;
	}
	for (uint32_t r = 0; r < P->nrec; r++)
		index_add(P, r, tail);
	free(tail);
	for (unsigned k = 1; k < n; k++)
		offset_estimate(P, k, samples);
	free(samples);
	for (unsigned a = 0; a < n; a++)
		for (unsigned b = a + 1; b < n; b++)
			match_pair(P, a, b);
	for (unsigned i = 0; i < n; i++)
		for (uint32_t r = P->p[i].first; r < P->p[i].first + P->p[i].n; r++)
			for (unsigned k = 0; k < n; k++)
				if (k != i && P->rec[r].match[k] != POINTS_NONE) {
					P->p[i].matched++;
					break;
				}
	return P;
}

/* ---------- live ---------- */


struct points *points_live_new(unsigned n, char names[][POINTS_NAME_LEN], const char **ifaces, char *err,
			       size_t errlen)
{
	struct points *P = points_new(n, names, ifaces, "-i NAME=IFACE", err, errlen);
	if (!P)
		return NULL;
	P->live = true;
	uint32_t size = 2 * POINTS_LIVE_RECORDS;
	P->index_mask = size - 1;
	P->caprec = POINTS_LIVE_RECORDS;
	P->rec = malloc((size_t)P->caprec * sizeof *P->rec);
	P->by_fp = calloc(size, sizeof *P->by_fp);
	P->by_flow = calloc(size, sizeof *P->by_flow);
	P->lv = calloc(1, sizeof *P->lv);
	if (P->lv)
		P->lv->tail = malloc((size_t)size * sizeof *P->lv->tail);
	if (!P->rec || !P->by_fp || !P->by_flow || !P->lv || !P->lv->tail) {
		snprintf(err, errlen, "out of memory for the points' table (%u packets)", POINTS_LIVE_RECORDS);
		points_free(P);
		return NULL;
	}
	return P;
}

/* Live, the table is full: forget every record and start over from this
 * frame (a flow that spans the restart is explained by its later part). */
static void live_restart(struct points *P, ts_usec ts)
{
	P->nrec = 0;
	memset(P->by_fp, 0, ((size_t)P->index_mask + 1) * sizeof *P->by_fp);
	memset(P->by_flow, 0, ((size_t)P->index_mask + 1) * sizeof *P->by_flow);
	for (unsigned k = 0; k < P->n; k++) {
		P->p[k].n = 0;
		P->p[k].first_ts = ts;
	}
	P->lv->start = ts;
	P->lv->settled = 0;
	P->restarts++;
}

void points_live_add(struct points *P, const struct capture_frame *fr)
{
	if (!P || !P->live || fr->file < 0 || (unsigned)fr->file >= P->n)
		return;
	if (P->nrec == P->caprec)
		live_restart(P, fr->ts);
	unsigned a = (unsigned)fr->file;
	bool oom = false;
	uint32_t r = record(P, a, &P->lv->ds, fr, &oom);
	if (!P->lv->start)
		P->lv->start = fr->ts;
	/* every point has been capturing since the start; its last moments
	 * are not judged yet (a copy may be on its way) */
	if (fr->ts > P->lv->start + POINTS_LIVE_SETTLE && fr->ts - POINTS_LIVE_SETTLE > P->lv->settled)
		P->lv->settled = fr->ts - POINTS_LIVE_SETTLE;
	for (unsigned k = 0; k < P->n; k++) {
		P->p[k].first_ts = P->lv->start;
		P->p[k].last_ts = P->lv->settled > P->lv->start ? P->lv->settled : P->lv->start;
	}
	if (r == POINTS_NONE)
		return;
	index_add(P, r, P->lv->tail);
	bool had = false;
	for (unsigned b = 0; b < P->n; b++) {
		if (b == a)
			continue;
		uint32_t before = P->rec[r].match[b];
		if (match_one(P, r, a, b) && before == POINTS_NONE) {
			/* the copy at b has its first match now, or another one */
			uint32_t y = P->rec[r].match[b];
			bool y_had = false;
			for (unsigned k = 0; k < P->n; k++)
				if (k != b && k != a && P->rec[y].match[k] != POINTS_NONE)
					y_had = true;
			if (!y_had)
				P->p[b].matched++;
			if (!had)
				P->p[a].matched++;
			had = true;
		}
	}
}

void points_free(struct points *P)
{
	if (!P)
		return;
	if (P->lv)
		free(P->lv->tail);
	free(P->lv);
	free(P->rec);
	free(P->by_fp);
	free(P->by_flow);
	free(P);
}
