/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tui-store.c - the live view's bounded memory of verdicts and flows.
 * See tui-store.h for the policy; everything here is plain C so the
 * drawing code can stay about drawing. Strings are stored in their
 * sanitised text form (sanitize.h), so what is drawn and searched is what
 * the text report prints. */
#include "tui-store.h"
#include "capture/sanitize.h"
#include "points-ladder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROW_BUCKETS 16384u /* power of two, >= TS_KEEP */
#define FLOW_BUCKETS 8192u /* power of two, >= TS_FLOWS */

struct store {
	bool ready;
	struct ts_rec rec[TS_KEEP];
	uint32_t rec_free;
	uint32_t age_head[4], age_tail[4];
	uint64_t kept, dropped, seq, changed;

	struct ts_row row[TS_KEEP];
	uint32_t row_free;
	uint32_t row_bucket[ROW_BUCKETS];
	uint32_t gen_next;

	struct ts_flow flow[TS_FLOWS];
	uint32_t flow_free;
	uint32_t flow_bucket[FLOW_BUCKETS];
	uint32_t lru_head, lru_tail; /* least recently touched first */
	uint64_t look, flows_known;
};
/* The store, 4.5 MiB: allocated by the first store_init (only a run with
 * the live view), kept for the process's life (store_free empties it), so
 * that its accessors stay valid after the view closes. Every function but
 * store_init, store_free, store_add and store_look_flows is called only
 * while the view is up. */
static struct store *store_mem;
#define S (*store_mem)

/* ---------- small helpers ---------- */

static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static size_t addr_len(const struct addr *a)
{
	return a->family == 4 ? 4 : a->family == 6 ? 16 : 0;
}

const char *proto_label(uint8_t proto)
{
	static const struct {
		uint8_t num;
		const char *name;
	} names[] = {
		{ IPPROTO_NUM_TCP, "tcp" },   { IPPROTO_NUM_UDP, "udp" },	  { IPPROTO_NUM_ESP, "esp" },
		{ IPPROTO_NUM_ICMP, "icmp" }, { IPPROTO_NUM_ICMPV6, "icmp6" },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].num == proto)
			return names[i].name;
	return "-";
}

void endpoint_text(const struct addr *a, int port, char *buf, size_t len)
{
	char ab[64];
	addr_str(a, ab, sizeof ab);
	const char *l = a->family == 6 ? "[" : "", *r = a->family == 6 ? "]" : "";
	if (port < 0)
		snprintf(buf, len, "%s%s%s:*", l, ab, r);
	else
		snprintf(buf, len, "%s%s%s:%d", l, ab, r, port);
}

void endpoints_text(const struct addr *c, int cport, const struct addr *s, int sport, const char *arrow, char *buf,
		    size_t len)
{
	if (!c->family) {
		snprintf(buf, len, "(whole capture)");
		return;
	}
	char cb[72], sb[72];
	endpoint_text(c, cport, cb, sizeof cb);
	endpoint_text(s, sport, sb, sizeof sb);
	snprintf(buf, len, "%s %s %s", cb, arrow, sb);
}

/* ---------- lists ---------- */

static void age_unlink(uint32_t i)
{
	struct ts_rec *r = &S.rec[i];
	if (r->age_prev != TS_NONE)
		S.rec[r->age_prev].age_next = r->age_next;
	else
		S.age_head[r->sev] = r->age_next;
	if (r->age_next != TS_NONE)
		S.rec[r->age_next].age_prev = r->age_prev;
	else
		S.age_tail[r->sev] = r->age_prev;
}

static void age_append(uint32_t i)
{
	struct ts_rec *r = &S.rec[i];
	r->age_next = TS_NONE;
	r->age_prev = S.age_tail[r->sev];
	if (r->age_prev != TS_NONE)
		S.rec[r->age_prev].age_next = i;
	else
		S.age_head[r->sev] = i;
	S.age_tail[r->sev] = i;
}

static uint32_t row_hash(const char *id, uint8_t proto, const struct addr *c, const struct addr *s)
{
	uint32_t h = fnv(2166136261u, id, strlen(id));
	h = fnv(h, &proto, 1);
	h = fnv(h, &c->family, 1);
	h = fnv(h, c->b, addr_len(c));
	h = fnv(h, s->b, addr_len(s));
	return h & (ROW_BUCKETS - 1);
}

static void row_release(uint32_t slot)
{
	struct ts_row *w = &S.row[slot];
	uint32_t *pp = &S.row_bucket[row_hash(w->id, w->proto, &w->client, &w->server)];
	while (*pp != TS_NONE) {
		if (*pp == slot) {
			*pp = w->hnext;
			break;
		}
		pp = &S.row[*pp].hnext;
	}
	w->gen = 0;
	w->hnext = S.row_free;
	S.row_free = slot;
}

/* Forget one kept verdict; its row goes too when it was the last one. */
static void rec_release(uint32_t i)
{
	struct ts_rec *r = &S.rec[i];
	age_unlink(i);
	struct ts_row *w = &S.row[r->row];
	if (r->mem_prev != TS_NONE)
		S.rec[r->mem_prev].mem_next = r->mem_next;
	else
		w->head = r->mem_next;
	if (r->mem_next != TS_NONE)
		S.rec[r->mem_next].mem_prev = r->mem_prev;
	else
		w->tail = r->mem_prev;
	if (--w->kept == 0)
		row_release(r->row);
	free(r->ev);
	free(r->summary);
	free(r->details);
	free(r->ladder);
	free(r->where);
	memset(r, 0, sizeof *r);
	r->age_next = S.rec_free;
	S.rec_free = i;
	S.kept--;
}

/* A free slot for a verdict of severity sev, making room by forgetting
 * the oldest verdict of the mildest severity not worse than sev. */
static uint32_t rec_alloc(enum severity sev)
{
	if (S.rec_free == TS_NONE) {
		for (int s = SEV_OK; s <= (int)sev; s++)
			if (S.age_head[s] != TS_NONE) {
				rec_release(S.age_head[s]);
				break;
			}
	}
	uint32_t i = S.rec_free;
	if (i != TS_NONE)
		S.rec_free = S.rec[i].age_next;
	return i;
}

/* ---------- flow records ---------- */

static void flow_lru_unlink(uint32_t i)
{
	struct ts_flow *f = &S.flow[i];
	if (f->lru_prev != TS_NONE)
		S.flow[f->lru_prev].lru_next = f->lru_next;
	else
		S.lru_head = f->lru_next;
	if (f->lru_next != TS_NONE)
		S.flow[f->lru_next].lru_prev = f->lru_prev;
	else
		S.lru_tail = f->lru_prev;
}

static void flow_lru_append(uint32_t i)
{
	struct ts_flow *f = &S.flow[i];
	f->lru_next = TS_NONE;
	f->lru_prev = S.lru_tail;
	if (S.lru_tail != TS_NONE)
		S.flow[S.lru_tail].lru_next = i;
	else
		S.lru_head = i;
	S.lru_tail = i;
}

static uint32_t flow_bucket_of(uint64_t id)
{
	return (uint32_t)((id * 0x9E3779B97F4A7C15ull) >> 40) & (FLOW_BUCKETS - 1);
}

static void flow_forget(uint32_t i)
{
	struct ts_flow *f = &S.flow[i];
	uint32_t *pp = &S.flow_bucket[flow_bucket_of(f->id)];
	while (*pp != TS_NONE) {
		if (*pp == i) {
			*pp = f->hnext;
			break;
		}
		pp = &S.flow[*pp].hnext;
	}
	flow_lru_unlink(i);
	memset(f, 0, sizeof *f);
	f->hnext = S.flow_free;
	S.flow_free = i;
}

/* The record of flow id, created (forgetting the least recently touched
 * one when full) if new; moved to the recent end of the LRU. */
static struct ts_flow *flow_touch(uint64_t id, bool *created)
{
	uint32_t b = flow_bucket_of(id);
	for (uint32_t i = S.flow_bucket[b]; i != TS_NONE; i = S.flow[i].hnext)
		if (S.flow[i].id == id) {
			flow_lru_unlink(i);
			flow_lru_append(i);
			*created = false;
			return &S.flow[i];
		}
	if (S.flow_free == TS_NONE)
		flow_forget(S.lru_head);
	uint32_t i = S.flow_free;
	S.flow_free = S.flow[i].hnext;
	struct ts_flow *f = &S.flow[i];
	memset(f, 0, sizeof *f);
	f->id = id;
	f->worst = -1;
	f->hnext = S.flow_bucket[b];
	S.flow_bucket[b] = i;
	flow_lru_append(i);
	S.flows_known++;
	*created = true;
	return f;
}

static struct ts_flow *flow_find(uint64_t id)
{
	for (uint32_t i = S.flow_bucket[flow_bucket_of(id)]; i != TS_NONE; i = S.flow[i].hnext)
		if (S.flow[i].id == id)
			return &S.flow[i];
	return NULL;
}

static void flow_copy(struct ts_flow *r, const struct driver_flow_row *f)
{
	r->proto = f->proto;
	r->client = f->client;
	r->server = f->server;
	r->cport = f->cport;
	r->sport = f->sport;
	r->spi = f->spi;
	memcpy(r->pkts, f->pkts, sizeof r->pkts);
	memcpy(r->bytes, f->bytes, sizeof r->bytes);
	r->first_ts = f->first_ts;
	r->last_ts = f->last_ts;
	sanitize_text(f->phase, r->phase, sizeof r->phase);
	sanitize_text(f->problem, r->problem, sizeof r->problem);
	r->phase_ts = f->phase_ts;
}

void store_look_flows(const struct driver_snapshot *snap)
{
	if (!store_mem || !S.ready)
		return;
	/* a flow that ended: its last state, for the flows already known
	 * (seen by a look, or named by a verdict) */
	for (size_t i = 0; i < snap->nended; i++) {
		struct ts_flow *r = flow_find(snap->ended[i].id);
		if (r)
			flow_copy(r, &snap->ended[i]);
	}
	if (snap->look) {
		S.look++;
		for (size_t i = 0; i < snap->nrows; i++) {
			bool created;
			struct ts_flow *r = flow_touch(snap->rows[i].id, &created);
			flow_copy(r, &snap->rows[i]);
			r->look = S.look;
		}
	}
	S.changed++;
}

/* A verdict names a flow: remember it. What the engine knows of the flow
 * (packets, phase) comes with the driver's snapshots. */
static void flow_from_verdict(const struct verdict *v)
{
	bool created;
	struct ts_flow *r = flow_touch(v->flow_id, &created);
	if (created) {
		r->proto = v->proto;
		r->client = v->client;
		r->server = v->server;
		r->cport = v->cport;
		r->sport = v->sport;
		r->first_ts = v->first_ts;
		r->last_ts = v->last_ts;
	}
	if ((int)v->sev > r->worst)
		r->worst = (int)v->sev;
	r->nverdicts++;
	r->last_id = v->id;
}

/* ---------- verdicts ---------- */

void store_init(void)
{
	store_free();
	if (!store_mem && !(store_mem = malloc(sizeof *store_mem))) {
		fprintf(stderr, "shakedown: out of memory for the live view\n");
		abort();
	}
	memset(&S, 0, sizeof S);
	for (uint32_t i = 0; i < TS_KEEP; i++) {
		S.rec[i].age_next = i + 1 < TS_KEEP ? i + 1 : TS_NONE;
		S.row[i].hnext = i + 1 < TS_KEEP ? i + 1 : TS_NONE;
	}
	for (uint32_t i = 0; i < TS_FLOWS; i++)
		S.flow[i].hnext = i + 1 < TS_FLOWS ? i + 1 : TS_NONE;
	for (int s = 0; s < 4; s++)
		S.age_head[s] = S.age_tail[s] = TS_NONE;
	for (uint32_t b = 0; b < ROW_BUCKETS; b++)
		S.row_bucket[b] = TS_NONE;
	for (uint32_t b = 0; b < FLOW_BUCKETS; b++)
		S.flow_bucket[b] = TS_NONE;
	S.rec_free = S.row_free = S.flow_free = 0;
	S.lru_head = S.lru_tail = TS_NONE;
	S.ready = true;
}

void store_free(void)
{
	if (!store_mem || !S.ready)
		return;
	for (uint32_t i = 0; i < TS_KEEP; i++)
		if (S.rec[i].seq) {
			free(S.rec[i].ev);
			free(S.rec[i].summary);
			free(S.rec[i].details);
			free(S.rec[i].ladder);
			free(S.rec[i].where);
		}
	S.ready = false;
}

static struct ts_row *row_find(const struct verdict *v, uint32_t *slot)
{
	uint32_t b = row_hash(v->id, v->proto, &v->client, &v->server);
	for (uint32_t i = S.row_bucket[b]; i != TS_NONE; i = S.row[i].hnext) {
		struct ts_row *w = &S.row[i];
		if (w->proto == v->proto && !strcmp(w->id, v->id) && addr_cmp(&w->client, &v->client) == 0 &&
		    addr_cmp(&w->server, &v->server) == 0) {
			*slot = i;
			return w;
		}
	}
	return NULL;
}

static struct ts_row *row_new(const struct verdict *v, uint32_t *slot)
{
	uint32_t i = S.row_free;
	S.row_free = S.row[i].hnext;
	struct ts_row *w = &S.row[i];
	memset(w, 0, sizeof *w);
	if (++S.gen_next == 0)
		S.gen_next = 1;
	w->gen = S.gen_next;
	w->id = v->id;
	w->sev = v->sev;
	w->proto = v->proto;
	w->client = v->client;
	w->server = v->server;
	w->cport = v->cport;
	w->sport = v->sport;
	w->flow_id = v->flow_id;
	w->first_ts = v->first_ts;
	w->head = w->tail = TS_NONE;
	uint32_t b = row_hash(v->id, v->proto, &v->client, &v->server);
	w->hnext = S.row_bucket[b];
	S.row_bucket[b] = i;
	*slot = i;
	return w;
}

static void row_count(struct ts_row *w, const struct verdict *v)
{
	w->count++;
	if (v->sev > w->sev)
		w->sev = v->sev;
	if (w->cport != v->cport)
		w->cport = -1;
	if (w->sport != v->sport)
		w->sport = -1;
	if (w->flow_id != v->flow_id)
		w->flow_id = 0;
	if (v->last_ts > w->last_ts)
		w->last_ts = v->last_ts;
	if (v->first_ts && (!w->first_ts || v->first_ts < w->first_ts))
		w->first_ts = v->first_ts;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct evidence *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->frame < y->frame ? -1 : x->frame > y->frame;
}

static char *details_text(const struct verdict *v)
{
	size_t cap = 64, n = 0;
	for (unsigned i = 0; i < v->ndetails; i++)
		cap += strlen(v->details[i].key) + SANITIZE_GROWTH * strlen(v->details[i].s) + 48;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	out[0] = 0;
	for (unsigned i = 0; i < v->ndetails; i++) {
		const struct verdict_detail *d = &v->details[i];
		switch (d->kind) {
		case DETAIL_STR: {
			/* a tab or newline in the value is escaped: it cannot forge a line */
			char val[SANITIZE_GROWTH * VERDICT_VALUE_LEN + 1];
			sanitize_text_n(d->s, sizeof d->s, val, sizeof val);
			n += (size_t)snprintf(out + n, cap - n, "%s\t%s\n", d->key, val);
			break;
		}
		case DETAIL_INT:
			n += (size_t)snprintf(out + n, cap - n, "%s\t%lld\n", d->key, d->i);
			break;
		case DETAIL_NUM:
			/* like the text report, with more digits for tiny values */
			n += (size_t)snprintf(out + n, cap - n, d->d != 0 && d->d < 0.01 && d->d > -0.01 ? "%s\t%.6f\n"
												   : "%s\t%.3f\n",
					      d->key, d->d);
			break;
		case DETAIL_BOOL:
			n += (size_t)snprintf(out + n, cap - n, "%s\t%s\n", d->key, d->i ? "yes" : "no");
			break;
		}
		if (n >= cap)
			break;
	}
	return out;
}

/* --points: the ladder as it stands when the verdict is made (live, the
 * points' table moves on), kept as text with the verdict. */
struct ladder_buf {
	char *s;
	size_t n, cap;
};

static void ladder_line(void *arg, const char *line)
{
	struct ladder_buf *b = arg;
	size_t l = strlen(line);
	if (b->n + l + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 2048;
		while (cap < b->n + l + 2)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p)
			return;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, line, l);
	b->n += l;
	b->s[b->n++] = '\n';
	b->s[b->n] = 0;
}

static void ladder_keep(struct ts_rec *r, const struct verdict *v)
{
	struct ladder_buf b = { NULL, 0, 0 };
	char raw[VERDICT_VALUE_LEN], clean[SANITIZE_GROWTH * VERDICT_VALUE_LEN + 1];
	if (!points_ladder(v, ladder_line, &b, raw, sizeof raw))
		return;
	r->ladder = b.s;
	sanitize_text(raw, clean, sizeof clean);
	r->where = strdup(clean);
}

void store_add(const struct verdict *v)
{
	if (!store_mem || !S.ready || !v->id)
		return;
	S.changed++;
	if (v->flow_id)
		flow_from_verdict(v);
	enum severity sev = (unsigned)v->sev < 4 ? v->sev : SEV_FAIL;
	uint32_t slot;
	struct ts_row *w = row_find(v, &slot);
	if (w && w->kept >= TS_KEEP_PER_ROW)
		rec_release(w->head); /* the row keeps its newest members */
	uint32_t i = rec_alloc(sev);
	w = row_find(v, &slot); /* making room may have emptied it */
	if (i == TS_NONE) {
		/* everything kept is worse than this one */
		if (w)
			row_count(w, v);
		S.dropped++;
		return;
	}
	if (!w)
		w = row_new(v, &slot);
	row_count(w, v);

	struct ts_rec *r = &S.rec[i];
	memset(r, 0, sizeof *r);
	r->seq = ++S.seq;
	r->row = slot;
	r->id = v->id;
	r->sev = sev;
	r->proto = v->proto;
	r->client = v->client;
	r->server = v->server;
	r->cport = v->cport;
	r->sport = v->sport;
	r->flow_id = v->flow_id;
	r->first_ts = v->first_ts;
	r->last_ts = v->last_ts;
	unsigned nev = v->nevidence < VERDICT_MAX_EVIDENCE ? v->nevidence : VERDICT_MAX_EVIDENCE;
	if (nev && (r->ev = malloc(nev * sizeof *r->ev))) {
		memcpy(r->ev, v->ev, nev * sizeof *r->ev);
		for (unsigned k = 0; k < nev; k++)
			sanitize_text_n(v->ev[k].what, sizeof v->ev[k].what, r->ev[k].what, sizeof r->ev[k].what);
		qsort(r->ev, nev, sizeof *r->ev, ev_cmp);
		r->nev = nev;
	}
	char sum[SANITIZE_GROWTH * VERDICT_SUMMARY_LEN + 1];
	sanitize_text_n(v->summary, sizeof v->summary, sum, sizeof sum);
	r->summary = strdup(sum);
	r->details = details_text(v);
	r->remediation = v->remediation;
	ladder_keep(r, v);

	age_append(i);
	r->mem_next = TS_NONE;
	r->mem_prev = w->tail;
	if (w->tail != TS_NONE)
		S.rec[w->tail].mem_next = i;
	else
		w->head = i;
	w->tail = i;
	w->kept++;
	w->last_seq = r->seq;
	S.kept++;
}

uint64_t store_kept(void)
{
	return S.kept;
}

uint64_t store_dropped(void)
{
	return S.dropped;
}

uint64_t store_flows_known(void)
{
	return S.flows_known;
}

bool store_changed(uint64_t *since)
{
	if (*since == S.changed)
		return false;
	*since = S.changed;
	return true;
}

const struct ts_row *store_row(uint32_t slot, uint32_t gen)
{
	if (slot >= TS_KEEP || !gen || S.row[slot].gen != gen)
		return NULL;
	return &S.row[slot];
}

const struct ts_rec *store_rec_at(uint32_t idx)
{
	return idx < TS_KEEP && S.rec[idx].seq ? &S.rec[idx] : NULL;
}

const struct ts_rec *store_row_member(const struct ts_row *r, uint64_t seq)
{
	if (!r)
		return NULL;
	for (uint32_t i = r->tail; i != TS_NONE; i = S.rec[i].mem_prev)
		if (!seq || S.rec[i].seq == seq)
			return &S.rec[i];
	return NULL;
}

const struct ts_rec *store_row_step(const struct ts_row *r, uint64_t seq, int delta)
{
	const struct ts_rec *m = store_row_member(r, seq);
	if (!m)
		return store_row_member(r, 0);
	uint32_t i = (uint32_t)(m - S.rec);
	while (delta < 0 && S.rec[i].mem_prev != TS_NONE) {
		i = S.rec[i].mem_prev;
		delta++;
	}
	while (delta > 0 && S.rec[i].mem_next != TS_NONE) {
		i = S.rec[i].mem_next;
		delta--;
	}
	return &S.rec[i];
}

unsigned store_row_position(const struct ts_row *r, uint64_t seq)
{
	unsigned n = 1;
	for (uint32_t i = r ? r->head : TS_NONE; i != TS_NONE; i = S.rec[i].mem_next, n++)
		if (S.rec[i].seq == seq)
			return n;
	return 0;
}

size_t store_flow_verdicts(uint64_t flow_id, const struct ts_rec **out, size_t max)
{
	size_t n = 0;
	for (int s = SEV_FAIL; s >= SEV_OK; s--)
		for (uint32_t i = S.age_tail[s]; i != TS_NONE && n < max; i = S.rec[i].age_prev)
			if (S.rec[i].flow_id == flow_id)
				out[n++] = &S.rec[i];
	return n;
}

/* ---------- the list, sorted and grouped ---------- */

struct sort_item {
	struct ts_view_row v;
	int group_sev;
	uint64_t group_seq;
};

static int sort_mode;

/* Rows about the same pair of hosts form a group. */
static int group_cmp(const struct ts_row *a, const struct ts_row *b)
{
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	int c = addr_cmp(&a->client, &b->client);
	return c ? c : addr_cmp(&a->server, &b->server);
}

static int by_group(const void *x, const void *y)
{
	const struct sort_item *a = x, *b = y;
	return group_cmp(&a->v.r, &b->v.r);
}

static int by_display(const void *x, const void *y)
{
	const struct sort_item *a = x, *b = y;
	if (sort_mode == SORT_SEVERITY && a->group_sev != b->group_sev)
		return a->group_sev > b->group_sev ? -1 : 1;
	if (a->group_seq != b->group_seq)
		return a->group_seq > b->group_seq ? -1 : 1;
	int c = group_cmp(&a->v.r, &b->v.r);
	if (c)
		return c;
	if (sort_mode == SORT_SEVERITY && a->v.r.sev != b->v.r.sev)
		return a->v.r.sev > b->v.r.sev ? -1 : 1;
	return a->v.r.last_seq > b->v.r.last_seq ? -1 : a->v.r.last_seq < b->v.r.last_seq;
}

size_t store_rows(const struct filter *f, int sort, struct ts_view_row **out)
{
	*out = NULL;
	struct sort_item *it = malloc(TS_KEEP * sizeof *it);
	if (!it)
		return 0;
	size_t n = 0;
	for (uint32_t i = 0; i < TS_KEEP; i++) {
		const struct ts_row *w = &S.row[i];
		if (!w->gen)
			continue;
		const struct ts_rec *m = store_row_member(w, 0);
		if (f && !filter_row(f, w, m ? m->summary : NULL))
			continue;
		it[n].v.slot = i;
		it[n].v.gen = w->gen;
		it[n].v.r = *w;
		it[n].v.mark = 0;
		n++;
	}
	qsort(it, n, sizeof *it, by_group);
	for (size_t a = 0; a < n;) {
		size_t b = a;
		int gs = 0;
		uint64_t gq = 0;
		for (; b < n && group_cmp(&it[a].v.r, &it[b].v.r) == 0; b++) {
			if ((int)it[b].v.r.sev > gs)
				gs = (int)it[b].v.r.sev;
			if (it[b].v.r.last_seq > gq)
				gq = it[b].v.r.last_seq;
		}
		for (size_t k = a; k < b; k++) {
			it[k].group_sev = gs;
			it[k].group_seq = gq;
		}
		a = b;
	}
	sort_mode = sort;
	qsort(it, n, sizeof *it, by_display);
	struct ts_view_row *rows = malloc((n ? n : 1) * sizeof *rows);
	if (!rows) {
		free(it);
		return 0;
	}
	for (size_t k = 0; k < n; k++) {
		rows[k] = it[k].v;
		bool same_prev = k > 0 && group_cmp(&it[k - 1].v.r, &it[k].v.r) == 0;
		bool same_next = k + 1 < n && group_cmp(&it[k + 1].v.r, &it[k].v.r) == 0;
		rows[k].mark = same_prev ? (same_next ? 'm' : 'l') : (same_next ? 'f' : 0);
	}
	free(it);
	*out = rows;
	return n;
}

static int flow_sort_mode;

static int by_flow(const void *x, const void *y)
{
	const struct ts_flow *a = x, *b = y;
	if (a->last_ts != b->last_ts) {
		bool newer = a->last_ts > b->last_ts;
		return (flow_sort_mode == FSORT_RECENT) == newer ? -1 : 1;
	}
	return a->id < b->id ? -1 : a->id > b->id;
}

size_t store_developing(const struct ts_flow **out, size_t max)
{
	size_t n = 0;
	for (uint32_t i = 0; i < TS_FLOWS; i++) {
		const struct ts_flow *fl = &S.flow[i];
		if (!fl->id || fl->look != S.look || !fl->problem[0])
			continue;
		/* keep the max oldest flows, in order of first packet */
		size_t at = n;
		while (at > 0 && out[at - 1]->first_ts > fl->first_ts)
			at--;
		if (at >= max)
			continue;
		if (n < max)
			n++;
		memmove(out + at + 1, out + at, (n - 1 - at) * sizeof *out);
		out[at] = fl;
	}
	return n;
}

size_t store_flows(const struct filter *f, int sort, bool live_only, struct ts_flow **out)
{
	*out = malloc(TS_FLOWS * sizeof **out);
	if (!*out)
		return 0;
	size_t n = 0;
	for (uint32_t i = 0; i < TS_FLOWS; i++) {
		const struct ts_flow *fl = &S.flow[i];
		if (!fl->id || (live_only && fl->look != S.look))
			continue;
		if (f && !filter_flow(f, fl))
			continue;
		(*out)[n++] = *fl;
	}
	flow_sort_mode = sort;
	qsort(*out, n, sizeof **out, by_flow);
	return n;
}

/* ---------- the filter ---------- */

void filter_parse(struct filter *f, const char *text)
{
	memset(f, 0, sizeof *f);
	snprintf(f->text, sizeof f->text, "%s", text);
	char buf[FILTER_TEXT];
	snprintf(buf, sizeof buf, "%s", text);
	char *save = NULL;
	for (char *t = strtok_r(buf, " \t", &save); t && f->nwords < FILTER_WORDS; t = strtok_r(NULL, " \t", &save)) {
		struct filter_word *w = &f->w[f->nwords];
		if (*t == '-' && t[1]) {
			w->neg = true;
			t++;
		}
		size_t l = strlen(t);
		bool plus = l > 1 && t[l - 1] == '+';
		char word[FILTER_TEXT];
		snprintf(word, sizeof word, "%.*s", (int)(plus ? l - 1 : l), t);
		enum severity s;
		if (severity_parse(word, &s)) {
			w->kind = plus ? FW_SEV_MIN : FW_SEV;
			w->sev = (int)s;
		} else if (!plus && (!strcmp(t, "tcp") || !strcmp(t, "udp") || !strcmp(t, "esp") || !strcmp(t, "icmp"))) {
			w->kind = FW_PROTO;
			w->proto = !strcmp(t, "tcp")   ? IPPROTO_NUM_TCP
				   : !strcmp(t, "udp") ? IPPROTO_NUM_UDP
				   : !strcmp(t, "esp") ? IPPROTO_NUM_ESP
						       : IPPROTO_NUM_ICMP;
		} else {
			w->kind = FW_TEXT;
			snprintf(w->s, sizeof w->s, "%s", t);
		}
		f->nwords++;
	}
}

static bool word_matches(const struct filter_word *w, int sev, uint8_t proto, const char *const *texts, int ntexts)
{
	switch (w->kind) {
	case FW_SEV:
		return sev == w->sev;
	case FW_SEV_MIN:
		return sev >= w->sev;
	case FW_PROTO:
		return proto == w->proto || (w->proto == IPPROTO_NUM_ICMP && proto == IPPROTO_NUM_ICMPV6);
	default:
		for (int i = 0; i < ntexts; i++)
			if (texts[i] && strcasestr(texts[i], w->s))
				return true;
		return false;
	}
}

static bool filter_match(const struct filter *f, int sev, uint8_t proto, const char *const *texts, int ntexts)
{
	for (int i = 0; i < f->nwords; i++) {
		bool m = word_matches(&f->w[i], sev, proto, texts, ntexts);
		if (m == f->w[i].neg)
			return false;
	}
	return true;
}

bool filter_row(const struct filter *f, const struct ts_row *r, const char *summary)
{
	if (!f->nwords)
		return true;
	char ep[192];
	endpoints_text(&r->client, r->cport, &r->server, r->sport, ">", ep, sizeof ep);
	const char *texts[] = { r->id, ep, summary };
	return filter_match(f, (int)r->sev, r->proto, texts, 3);
}

bool filter_flow(const struct filter *f, const struct ts_flow *fl)
{
	if (!f->nwords)
		return true;
	char ep[192];
	endpoints_text(&fl->client, fl->cport, &fl->server, fl->sport, ">", ep, sizeof ep);
	const char *texts[] = { ep, fl->phase, fl->last_id };
	return filter_match(f, fl->worst, fl->proto, texts, 3);
}
