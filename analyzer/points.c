/* SPDX-License-Identifier: GPL-2.0-or-later */
/* points.c - where a verdict's packets were seen when the same traffic was
 * captured at several points (--points): the flow is looked up at every
 * point through the NAT translation its matched packets show, each packet
 * is followed along the path in its own direction, and the first one that
 * a point upstream saw and a point downstream (capturing at the time) did
 * not is named, with the place (before, inside or beyond the firewall:
 * the firewall is where the TTL drops between two points) and direction.
 * Owns the annotator that adds the `points` details to each verdict. */
#include "points.h"
#include "../capture/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TUPLES_MAX 4

static const struct points *active;

/* Text that may be cut at the buffer's end (names are user-given). */
__attribute__((format(printf, 3, 4))) static int say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 ? 0 : n;
}

void points_activate(const struct points *P)
{
	active = P;
}

const struct points *points_active(void)
{
	return active;
}

/* The flow's endpoints as one point sees them (a NAT changes them). */
struct tuple {
	struct addr cli, srv;
	uint16_t cport, sport;
};

struct flow_at {
	unsigned n;
	struct tuple t[TUPLES_MAX];
};

static bool tuple_has(const struct flow_at *f, uint8_t proto, const struct point_rec *r, int *dir)
{
	for (unsigned i = 0; i < f->n; i++) {
		const struct tuple *t = &f->t[i];
		if (!points_rec_in_flow(r, proto, &t->cli, t->cport, &t->srv, t->sport))
			continue;
		if (dir)
			*dir = addr_eq(&r->src, &t->cli) && r->sport == t->cport ? DIR_C2S : DIR_S2C;
		return true;
	}
	return false;
}

static void tuple_add(struct flow_at *f, const struct tuple *t)
{
	for (unsigned i = 0; i < f->n; i++)
		if (addr_eq(&f->t[i].cli, &t->cli) && addr_eq(&f->t[i].srv, &t->srv) && f->t[i].cport == t->cport &&
		    f->t[i].sport == t->sport)
			return;
	if (f->n < TUPLES_MAX)
		f->t[f->n++] = *t;
}

/* The translations of the flow at point k, from the copies of its packets
 * at the points already resolved. */
static void resolve(const struct points *P, uint8_t proto, struct flow_at *at, unsigned k)
{
	for (unsigned q = 0; q < k; q++) {
		for (unsigned i = 0; i < at[q].n; i++) {
			const struct tuple *t = &at[q].t[i];
			uint32_t r = points_flow_first(P, q, proto, &t->cli, t->cport, &t->srv, t->sport);
			for (; r != POINTS_NONE; r = P->rec[r].flow_next) {
				const struct point_rec *x = &P->rec[r];
				if (!points_rec_in_flow(x, proto, &t->cli, t->cport, &t->srv, t->sport) ||
				    x->match[k] == POINTS_NONE)
					continue;
				const struct point_rec *y = &P->rec[x->match[k]];
				bool c2s = addr_eq(&x->src, &t->cli) && x->sport == t->cport;
				struct tuple nt = { c2s ? y->src : y->dst, c2s ? y->dst : y->src, c2s ? y->sport : y->dport,
						    c2s ? y->dport : y->sport };
				tuple_add(&at[k], &nt);
			}
		}
	}
	if (!at[k].n) /* nothing matched: the same addresses, if it is there at all */
		at[k].t[at[k].n++] = at[0].t[0];
}

static int cross_cmp(const void *a, const void *b)
{
	const struct points_cross *x = a, *y = b;
	return x->t0 < y->t0 ? -1 : x->t0 > y->t0;
}

/* The points that are places on the path (not pflog), in the given order. */
static unsigned path_of(const struct points *P, unsigned *path)
{
	unsigned n = 0;
	for (unsigned i = 0; i < P->n; i++)
		if (!P->p[i].pflog)
			path[n++] = i;
	return n;
}

/* Which end of the path the client is at: 0 toward the first point, 1
 * toward the last. From TTLs (higher is nearer the sender), else from a
 * client packet seen at one end only. */
static int client_side(const struct points *P, const struct points_view *w, const unsigned *path, unsigned np)
{
	for (unsigned i = 0; i < w->ncross; i++) {
		const struct points_cross *c = &w->c[i];
		if (c->dir != DIR_C2S)
			continue;
		for (unsigned a = 0; a < np; a++)
			for (unsigned b = a + 1; b < np; b++) {
				uint32_t ra = c->rec[path[a]], rb = c->rec[path[b]];
				if (ra == POINTS_NONE || rb == POINTS_NONE || P->rec[ra].ttl == P->rec[rb].ttl)
					continue;
				return P->rec[ra].ttl > P->rec[rb].ttl ? 0 : 1;
			}
	}
	for (unsigned i = 0; i < w->ncross; i++) {
		const struct points_cross *c = &w->c[i];
		unsigned f = path[0], l = path[np - 1];
		if (c->dir != DIR_C2S || !c->judged[f] || !c->judged[l])
			continue;
		bool sf = c->rec[f] != POINTS_NONE, sl = c->rec[l] != POINTS_NONE;
		if (sf != sl)
			return sf ? 0 : 1;
	}
	return 0;
}

/* Position (in path order) after which the firewall sits: the first pair
 * of neighbouring points with a router hop between them; -1 unknown. */
static int firewall_pos(const struct points *P, const unsigned *path, unsigned np)
{
	for (unsigned i = 0; i + 1 < np; i++)
		if (P->hops[path[i]][path[i + 1]] > 0)
			return (int)i;
	return -1;
}

static unsigned pos_of(const unsigned *path, unsigned np, unsigned pt)
{
	for (unsigned i = 0; i < np; i++)
		if (path[i] == pt)
			return i;
	return 0;
}

/* Follow crossing c along the path in its direction of travel. */
static void judge(struct points_cross *c, const unsigned *path, unsigned np, int side)
{
	bool forward = (c->dir == DIR_C2S) == (side == 0);
	int last_seen = -1;
	for (unsigned s = 0; s < np; s++) {
		unsigned pt = path[forward ? s : np - 1 - s];
		if (c->rec[pt] != POINTS_NONE) {
			last_seen = (int)pt;
			continue;
		}
		if (last_seen < 0 || !c->judged[pt])
			continue;
		/* missing here: a loss, unless a point further on saw it (then
		 * this capture missed it) */
		bool later = false;
		for (unsigned u = s + 1; u < np; u++)
			if (c->rec[path[forward ? u : np - 1 - u]] != POINTS_NONE)
				later = true;
		if (!later) {
			c->lost = true;
			c->lost_from = (unsigned)last_seen;
			c->lost_to = pt;
		}
		return;
	}
}

static const char *who(int dir)
{
	return dir == DIR_C2S ? "client's" : "server's";
}

/* "lan and wan", the points of mask in path order */
static void names_of(const struct points *P, unsigned mask, const unsigned *path, unsigned np, char *out,
		     size_t len)
{
	size_t o = 0;
	unsigned total = 0, done = 0;
	out[0] = 0;
	for (unsigned i = 0; i < np; i++)
		total += (mask >> path[i]) & 1;
	for (unsigned i = 0; i < np && o < len; i++) {
		if (!((mask >> path[i]) & 1))
			continue;
		done++;
		o += (size_t)say(out + o, len - o, "%s%s", done == 1 ? "" : done == total ? " and " : ", ",
				      P->p[path[i]].name);
	}
}

static unsigned seen_mask_of(const struct points_cross *c, unsigned n)
{
	unsigned m = 0;
	for (unsigned k = 0; k < n; k++)
		if (c->rec[k] != POINTS_NONE)
			m |= 1u << k;
	return m;
}

static void pf_of(const struct points *P, const struct points_cross *c, struct points_view *w)
{
	for (unsigned k = 0; k < P->n; k++)
		if (P->p[k].pflog && c->rec[k] != POINTS_NONE && P->rec[c->rec[k]].pf.present &&
		    P->rec[c->rec[k]].pf.action == 1) {
			w->pf_block = true;
			w->pf = P->rec[c->rec[k]].pf;
			return;
		}
}

static void conclude_loss(const struct points *P, struct points_view *w, const unsigned *path, unsigned np,
			  int fw)
{
	const struct points_cross *c = &w->c[w->key];
	unsigned from = c->lost_from, to = c->lost_to;
	unsigned pf = pos_of(path, np, from), pt = pos_of(path, np, to);
	unsigned lo = pf < pt ? pf : pt, hi = pf < pt ? pt : pf;
	const char *place = "between";
	if (fw >= 0 && lo <= (unsigned)fw && hi >= (unsigned)fw + 1)
		place = "inside";
	else if (fw >= 0)
		/* upstream of the firewall in the packet's direction, or downstream */
		place = ((pf < pt) == (hi <= (unsigned)fw)) ? "before" : "beyond";
	w->place = place;
	say(w->lost_between, sizeof w->lost_between, "%s,%s", P->p[from].name, P->p[to].name);
	say(w->direction, sizeof w->direction, "%s->%s", P->p[from].name, P->p[to].name);
	char seen[160];
	names_of(P, seen_mask_of(c, P->n), path, np, seen, sizeof seen);
	uint32_t first = c->rec[from];
	char where[96];
	if (!strcmp(place, "inside"))
		say(where, sizeof where, "inside the firewall");
	else if (!strcmp(place, "between"))
		say(where, sizeof where, "between %s and %s", P->p[from].name, P->p[to].name);
	else
		say(where, sizeof where, "%s the firewall, between %s and %s", place, P->p[from].name,
			 P->p[to].name);
	int n = say(w->conclusion, sizeof w->conclusion,
			 "the %s %s appears on %s (frame %llu) and never on %s: dropped %s, in the %s\xe2\x86\x92%s "
			 "direction",
			 who(c->dir), c->what, seen, first != POINTS_NONE ? (unsigned long long)P->rec[first].frame : 0ull,
			 P->p[to].name, where, P->p[from].name, P->p[to].name);
	if (w->nlost > 1 && n > 0 && (size_t)n < sizeof w->conclusion)
		n += say(w->conclusion + n, sizeof w->conclusion - (size_t)n, " (%u packets of the flow lost there)",
			      w->nlost);
	if (w->pf_block && n > 0 && (size_t)n < sizeof w->conclusion)
		say(w->conclusion + n, sizeof w->conclusion - (size_t)n, "; pf blocked it by rule %u on %s",
			 w->pf.rulenr, w->pf.ifname);
}

static void conclude_beyond(const struct points *P, struct points_view *w, const unsigned *path, unsigned np,
			    int fw, int side)
{
	const struct points_cross *c = &w->c[w->key];
	char seen[160];
	names_of(P, seen_mask_of(c, P->n), path, np, seen, sizeof seen);
	if (c->dir == DIR_S2C) {
		/* the server had the last word and it crossed: the path between
		 * the points is not where this failed */
		say(w->conclusion, sizeof w->conclusion,
		    "nothing was lost between the points: the last packet, the server's %s, appears on %s; "
		    "what failed is not between them",
		    c->what, seen);
		return;
	}
	bool forward = (c->dir == DIR_C2S) == (side == 0);
	unsigned far = path[forward ? np - 1 : 0];
	unsigned far_pos = pos_of(path, np, far);
	bool passed_fw = false;
	if (fw >= 0)
		passed_fw = c->rec[path[fw]] != POINTS_NONE && c->rec[path[fw + 1]] != POINTS_NONE;
	bool fw_behind = fw >= 0 && (forward ? far_pos > (unsigned)fw : far_pos <= (unsigned)fw);
	w->place = fw_behind || fw < 0 ? "beyond" : "before";
	say(w->lost_between, sizeof w->lost_between, "%s,beyond", P->p[far].name);
	say(w->direction, sizeof w->direction, "%s->beyond", P->p[far].name);
	char beyond[80];
	if (fw_behind)
		say(beyond, sizeof beyond, "beyond the firewall");
	else
		say(beyond, sizeof beyond, "beyond %s", P->p[far].name);
	bool syn = (c->what[0] == 'S' && !strcmp(c->what, "SYN"));
	say(w->conclusion, sizeof w->conclusion,
		 "the %s %s appears on %s: %s; no %s came back to %s: %s", who(c->dir), c->what, seen,
		 passed_fw ? "it left the firewall" : "nothing was lost between the points",
		 syn ? "SYN-ACK" : "answer", P->p[far].name, beyond);
}

bool points_explain(const struct points *P, const struct verdict *v, struct points_view *w)
{
	memset(w, 0, sizeof *w);
	w->key = -1;
	w->place = "none";
	if (!P || !v->proto || !v->client.family)
		return false;
	struct flow_at at[POINTS_MAX];
	memset(at, 0, sizeof at);
	struct tuple t0 = { v->client, v->server, v->cport, v->sport };
	at[0].t[at[0].n++] = t0;
	for (unsigned k = 1; k < P->n; k++)
		resolve(P, v->proto, at, k);
	w->c = malloc(POINTS_CROSS_MAX * sizeof *w->c);
	if (!w->c)
		return false;
	for (unsigned p = 0; p < P->n; p++) {
		for (unsigned i = 0; i < at[p].n; i++) {
			const struct tuple *t = &at[p].t[i];
			uint32_t r = points_flow_first(P, p, v->proto, &t->cli, t->cport, &t->srv, t->sport);
			for (; r != POINTS_NONE && w->ncross < POINTS_CROSS_MAX; r = P->rec[r].flow_next) {
				const struct point_rec *x = &P->rec[r];
				int dir;
				if (x->dup || !points_rec_in_flow(x, v->proto, &t->cli, t->cport, &t->srv, t->sport))
					continue;
				/* a packet already met at an earlier point */
				bool earlier = false;
				for (unsigned q = 0; q < p && !earlier; q++)
					earlier = x->match[q] != POINTS_NONE && tuple_has(&at[q], v->proto,
											  &P->rec[x->match[q]], NULL);
				if (earlier || !tuple_has(&at[p], v->proto, x, &dir))
					continue;
				struct points_cross *c = &w->c[w->ncross++];
				memset(c, 0, sizeof *c);
				c->t0 = points_time0(P, p, x->ts);
				c->dir = dir;
				memcpy(c->what, x->what, sizeof c->what);
				for (unsigned k = 0; k < P->n; k++) {
					c->rec[k] = k == p ? r : x->match[k];
					if (c->rec[k] != POINTS_NONE && !tuple_has(&at[k], v->proto, &P->rec[c->rec[k]], NULL))
						c->rec[k] = POINTS_NONE;
					c->judged[k] = !P->p[k].pflog && points_capturing(P, k, c->t0);
				}
			}
		}
	}
	if (!w->ncross) {
		points_view_free(w);
		return false;
	}
	qsort(w->c, w->ncross, sizeof *w->c, cross_cmp);
	unsigned path[POINTS_MAX];
	unsigned np = path_of(P, path);
	if (np < 2) {
		points_view_free(w);
		return false;
	}
	int side = client_side(P, w, path, np);
	for (unsigned i = 0; i < w->ncross; i++) {
		w->seen_mask |= seen_mask_of(&w->c[i], P->n);
		judge(&w->c[i], path, np, side);
		if (w->c[i].lost) {
			w->nlost++;
			if (w->key < 0)
				w->key = (int)i;
		}
	}
	int fw = firewall_pos(P, path, np);
	char seen[160];
	if (w->key >= 0) {
		pf_of(P, &w->c[w->key], w);
		conclude_loss(P, w, path, np, fw);
	} else if (v->sev != SEV_OK) {
		w->key = (int)w->ncross - 1;
		conclude_beyond(P, w, path, np, fw, side);
	} else {
		names_of(P, w->seen_mask, path, np, seen, sizeof seen);
		say(w->conclusion, sizeof w->conclusion, "seen on %s; nothing lost between them", seen);
	}
	return true;
}

void points_view_free(struct points_view *w)
{
	free(w->c);
	w->c = NULL;
	w->ncross = 0;
}

void points_annotate(struct verdict *v, void *arg)
{
	const struct points *P = arg;
	struct points_view w;
	if (!points_explain(P, v, &w))
		return;
	char seen[160] = "";
	size_t o = 0;
	for (unsigned k = 0; k < P->n; k++)
		if ((w.seen_mask >> k) & 1 && o < sizeof seen)
			o += (size_t)say(seen + o, sizeof seen - o, "%s%s", o ? "," : "", P->p[k].name);
	verdict_str(v, "seen_at", "%s", seen);
	if (w.lost_between[0]) {
		verdict_str(v, "lost_between", "%s", w.lost_between);
		verdict_str(v, "loss_direction", "%s", w.direction);
	}
	verdict_str(v, "loss_place", "%s", w.place);
	verdict_int(v, "lost_packets", w.nlost);
	verdict_str(v, "points_conclusion", "%s", w.conclusion);
	if (w.pf_block && catalog_allows(v->vid, "pf_rule"))
		verdict_pflog(v, &w.pf);
	points_view_free(&w);
}
