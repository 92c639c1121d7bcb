/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verdict.c - building verdicts and fanning them out to the sinks. */
#include "verdict.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SINKS 6

static struct verdict_sink sinks[MAX_SINKS];
static unsigned nsinks;
/* severities (bit 1u << sev) that every sink takes brief; see verdict_sink */
static unsigned brief_all = ~0u;
/* the same once full sinks are counted (verdict_sink_full): for every
 * verdict but the capture.* ones */
static unsigned brief_full = ~0u;
static unsigned sink_brief[MAX_SINKS], sink_full_brief[MAX_SINKS];
static uint64_t counts[4];
static void (*annotator)(struct verdict *v, void *arg);
static void *annotator_arg;

static const char *const sev_names[] = { "ok", "info", "warn", "fail" };

const char *severity_name(enum severity s)
{
	return (unsigned)s < 4 ? sev_names[s] : "?";
}

bool severity_parse(const char *s, enum severity *out)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, sev_names[i])) {
			*out = (enum severity)i;
			return true;
		}
	return false;
}

void verdict_begin(struct verdict *v, enum verdict_id id, enum severity sev, const struct flow *f)
{
	/* the evidence and detail arrays are filled in order and bounded by their
	 * counts: only the header needs clearing (a verdict is ~9 KiB) */
	memset(v, 0, offsetof(struct verdict, ev));
	v->summary[0] = 0;
	v->ndetails = 0;
	const struct catalog_entry *c = catalog_get(id);
	assert(c);
	v->vid = id;
	v->id = c->id;
	v->remediation = c->remedy;
	v->sev = sev;
	unsigned brief = c->cat == CAT_CAPTURE ? brief_all : brief_full;
	v->brief = (brief >> ((unsigned)sev & 31u)) & 1u;
	if (f) {
		v->proto = f->proto;
		v->client = flow_cli(f);
		v->server = flow_srv(f);
		v->cport = f->cport;
		v->sport = f->sport;
		v->flow_id = f->id;
	}
}

void verdict_endpoints(struct verdict *v, uint8_t proto, const struct addr *cli, uint16_t cport,
		       const struct addr *srv, uint16_t sport)
{
	v->proto = proto;
	v->client = *cli;
	v->cport = cport;
	v->server = *srv;
	v->sport = sport;
}

/* Evidence and details a verdict had no room for. */
static struct limit_hit evidence_full = { .limit = VERDICT_MAX_EVIDENCE },
			details_full = { .limit = VERDICT_MAX_DETAILS };

void verdict_fill_limits(struct run_summary *sum)
{
	sum->limits[LIMIT_EVIDENCE] = evidence_full;
	sum->limits[LIMIT_DETAILS] = details_full;
}

/* The next evidence slot for frame, or NULL (no frame, or no room). */
static struct evidence *evidence_slot(struct verdict *v, uint64_t frame, ts_usec ts, int dir)
{
	if (!frame)
		return NULL;
	if (v->nevidence >= VERDICT_MAX_EVIDENCE) {
		limit_note(&evidence_full, ts, frame);
		return NULL;
	}
	struct evidence *e = &v->ev[v->nevidence++];
	e->frame = frame;
	e->ts = ts;
	e->dir = (int8_t)dir;
	e->what[0] = 0;
	return e;
}

/* What snprintf(dst, cap, "%s", s) leaves in dst, without printf. */
static void copy_cut(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

/* fmt is "%s": the one argument copied as is (the common case, and the
 * cheap one). A NULL argument goes to printf, which has its own word. */
static const char *plain_arg(const char *fmt, va_list ap)
{
	if (fmt[0] != '%' || fmt[1] != 's' || fmt[2])
		return NULL;
	va_list aq;
	va_copy(aq, ap);
	const char *s = va_arg(aq, const char *);
	va_end(aq);
	return s;
}

void verdict_evidence(struct verdict *v, uint64_t frame, ts_usec ts, int dir, const char *fmt, ...)
{
	struct evidence *e = evidence_slot(v, frame, ts, dir);
	if (!e || v->brief)
		return;
	va_list ap;
	va_start(ap, fmt);
	const char *s = plain_arg(fmt, ap);
	if (s)
		copy_cut(e->what, sizeof e->what, s, strlen(s));
	else
		vsnprintf(e->what, sizeof e->what, fmt, ap);
	va_end(ap);
}

void verdict_evidence_label(struct verdict *v, uint64_t frame, ts_usec ts, int dir, const char *label, size_t n)
{
	struct evidence *e = evidence_slot(v, frame, ts, dir);
	if (e && !v->brief)
		copy_cut(e->what, sizeof e->what, label, n);
}

void verdict_add_evidence(struct verdict *v, const struct evidence *e, unsigned n)
{
	for (unsigned i = 0; i < n && v->nevidence < VERDICT_MAX_EVIDENCE; i++) {
		bool seen = false;
		for (unsigned j = 0; j < v->nevidence; j++)
			if (v->ev[j].frame == e[i].frame)
				seen = true;
		if (!seen)
			v->ev[v->nevidence++] = e[i];
	}
	/* what did not fit (duplicates of listed frames are no loss) */
	for (unsigned i = 0; i < n && v->nevidence >= VERDICT_MAX_EVIDENCE; i++) {
		bool seen = false;
		for (unsigned j = 0; j < v->nevidence; j++)
			if (v->ev[j].frame == e[i].frame)
				seen = true;
		if (!seen)
			limit_note(&evidence_full, e[i].ts, e[i].frame);
	}
}

void verdict_summary(struct verdict *v, const char *fmt, ...)
{
	if (v->brief)
		return;
	va_list ap;
	va_start(ap, fmt);
	const char *s = plain_arg(fmt, ap);
	if (s)
		copy_cut(v->summary, sizeof v->summary, s, strlen(s));
	else
		vsnprintf(v->summary, sizeof v->summary, fmt, ap);
	va_end(ap);
}

static struct verdict_detail *detail_slot(struct verdict *v, const char *key)
{
	/* the catalog must declare every key a verdict carries */
	assert(catalog_allows(v->vid, key));
	if (v->brief)
		return NULL;
	for (unsigned i = 0; i < v->ndetails; i++)
		if (v->details[i].key[0] == key[0] && !strcmp(v->details[i].key, key))
			return &v->details[i];
	if (v->ndetails >= VERDICT_MAX_DETAILS) {
		limit_note(&details_full, v->last_ts, 0);
		return NULL;
	}
	struct verdict_detail *d = &v->details[v->ndetails++];
	d->key = key;
	return d;
}

void verdict_str(struct verdict *v, const char *key, const char *fmt, ...)
{
	struct verdict_detail *d = detail_slot(v, key);
	if (!d)
		return;
	d->kind = DETAIL_STR;
	va_list ap;
	va_start(ap, fmt);
	const char *s = plain_arg(fmt, ap);
	if (s)
		copy_cut(d->s, sizeof d->s, s, strlen(s));
	else
		vsnprintf(d->s, sizeof d->s, fmt, ap);
	va_end(ap);
}

void verdict_int(struct verdict *v, const char *key, long long val)
{
	struct verdict_detail *d = detail_slot(v, key);
	if (d)
		d->kind = DETAIL_INT, d->i = val;
}

void verdict_num(struct verdict *v, const char *key, double val)
{
	struct verdict_detail *d = detail_slot(v, key);
	if (d)
		d->kind = DETAIL_NUM, d->d = val;
}

void verdict_bool(struct verdict *v, const char *key, bool val)
{
	struct verdict_detail *d = detail_slot(v, key);
	if (d)
		d->kind = DETAIL_BOOL, d->i = val;
}

void verdict_remedy(struct verdict *v, enum verdict_remedy r)
{
	enum verdict_id owner = V__COUNT;
	const char *text = catalog_remedy_text(r, &owner);
	/* a variant belongs to one verdict */
	assert(text && owner == v->vid);
	if (text)
		v->remediation = text;
}

/* Evidence in frame order, equal frames kept in the order they were added
 * (as glibc's merge-sorting qsort did): a stable insertion sort, since the
 * list is short (VERDICT_MAX_EVIDENCE) and nearly always in order already. */
static void ev_sort(struct evidence *ev, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		if (ev[i - 1].frame <= ev[i].frame)
			continue;
		struct evidence e = ev[i];
		unsigned j = i;
		for (; j > 0 && ev[j - 1].frame > e.frame; j--)
			ev[j] = ev[j - 1];
		ev[j] = e;
	}
}

void verdict_emit(struct verdict *v)
{
	/* evidence in frame order, and the verdict's times from it */
	ev_sort(v->ev, v->nevidence);
	for (unsigned i = 0; i < v->nevidence; i++) {
		if (!v->first_ts || v->ev[i].ts < v->first_ts)
			v->first_ts = v->ev[i].ts;
		if (v->ev[i].ts > v->last_ts)
			v->last_ts = v->ev[i].ts;
	}
	if (annotator)
		annotator(v, annotator_arg);
	counts[v->sev]++;
	for (unsigned i = 0; i < nsinks; i++)
		if (sinks[i].on_verdict)
			sinks[i].on_verdict(v, sinks[i].arg);
}

void verdict_add_sink_brief(const struct verdict_sink *s, unsigned brief)
{
	if (nsinks < MAX_SINKS) {
		sink_brief[nsinks] = brief;
		sink_full_brief[nsinks] = 0;
		sinks[nsinks++] = *s;
		brief_all &= brief;
		brief_full &= brief;
	}
}

void verdict_sink_full(void (*on_verdict)(const struct verdict *v, void *arg), unsigned brief)
{
	brief_full = ~0u;
	for (unsigned i = 0; i < nsinks; i++) {
		if (sinks[i].on_verdict == on_verdict)
			sink_full_brief[i] |= brief;
		brief_full &= sink_brief[i] | sink_full_brief[i];
	}
}

void verdict_add_sink(const struct verdict_sink *s)
{
	verdict_add_sink_brief(s, 0);
}

void verdict_set_annotator(void (*fn)(struct verdict *v, void *arg), void *arg)
{
	annotator = fn;
	annotator_arg = arg;
}

void verdict_clear_sinks(void)
{
	nsinks = 0;
	brief_all = ~0u;
	brief_full = ~0u;
}

void verdict_counts(uint64_t out[4])
{
	memcpy(out, counts, sizeof counts);
}

void verdict_reset_counts(void)
{
	memset(counts, 0, sizeof counts);
	memset(&evidence_full, 0, sizeof evidence_full);
	memset(&details_full, 0, sizeof details_full);
	evidence_full.limit = VERDICT_MAX_EVIDENCE;
	details_full.limit = VERDICT_MAX_DETAILS;
}

void verdict_emit_summary(const struct run_summary *s)
{
	for (unsigned i = 0; i < nsinks; i++)
		if (sinks[i].on_summary)
			sinks[i].on_summary(s, sinks[i].arg);
}

const char *pf_reason_name(uint8_t r)
{
	static const char *const names[] = { "match",	     "bad-offset",  "fragment",	      "short",
					     "normalize",    "memory",	    "bad-timestamp",  "congestion",
					     "ip-option",    "proto-cksum", "state-mismatch", "state-insert",
					     "state-limit",  "src-limit",   "synproxy",	      "map-failed" };
	return r < sizeof names / sizeof names[0] ? names[r] : "?";
}

const char *pf_action_name(uint8_t a)
{
	static const char *const names[] = { "pass", "block", "scrub", "no-scrub", "nat", "no-nat",
					     "binat", "no-binat", "rdr", "no-rdr", "synproxy-drop", "defer" };
	return a < sizeof names / sizeof names[0] ? names[a] : "?";
}

void verdict_pflog(struct verdict *v, const struct pflog_meta *pf)
{
	if (!pf->present)
		return;
	verdict_int(v, "pf_rule", pf->rulenr);
	verdict_str(v, "pf_action", "%s", pf_action_name(pf->action));
	verdict_str(v, "pf_reason", "%s", pf_reason_name(pf->reason));
	verdict_str(v, "pf_interface", "%s", pf->ifname);
	verdict_str(v, "pf_direction", "%s", pf->dir == 1 ? "in" : pf->dir == 2 ? "out" : "?");
}

void verdict_pflog_note(struct verdict *v, const struct pflog_meta *pf)
{
	if (!pf->present || pf->action != 1)
		return;
	if (v->brief)
		return;
	size_t l = strlen(v->summary);
	snprintf(v->summary + l, sizeof v->summary - l, "; pf logged it blocked by rule %u on %s", pf->rulenr,
		 pf->ifname);
}

const char *ts_iso(ts_usec t, char *buf, size_t len)
{
	time_t sec = (time_t)(t / 1000000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	char b[32];
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06uZ", b, (unsigned)(t % 1000000));
	return buf;
}
