/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report.c - the default text report: verdicts grouped by severity, each
 * with its evidence, details and remediation, then a summary line. Every
 * string of a verdict goes through sanitize.h on its way out: the only
 * control bytes the report writes are its own newlines. */
#include "output.h"
#include "analyzer/points.h"
#include "capture/sanitize.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_MAX_FULL 1000
#define REPORT_MAX_OK 500
#define REPORT_MAX_CAPTURE 64 /* capture.* verdicts kept beyond REPORT_MAX_FULL */

static struct {
	FILE *out;
	int verbose;
	unsigned char **full; /* packed (see pack()) */
	size_t nfull, capfull;
	char (*ok)[200];
	size_t nok;
	uint64_t dropped_full, dropped_ok;
} R;

/* A kept verdict takes only what it uses: the fixed part, its evidence,
 * and its summary and detail strings (a struct verdict is ~9.4 KiB, most
 * of it unused string space). */
static void put(unsigned char **p, const void *src, size_t n)
{
	memcpy(*p, src, n);
	*p += n;
}

static void take(const unsigned char **p, void *dst, size_t n)
{
	memcpy(dst, *p, n);
	*p += n;
}

static unsigned char *pack(const struct verdict *v)
{
	const size_t head = offsetof(struct verdict, ev), dhead = offsetof(struct verdict_detail, s);
	size_t n = head + v->nevidence * sizeof v->ev[0] + strlen(v->summary) + 1 + sizeof v->ndetails +
		   sizeof v->remediation;
	for (unsigned i = 0; i < v->ndetails; i++)
		n += dhead + strlen(v->details[i].s) + 1;
	unsigned char *b = malloc(n), *p = b;
	if (!b)
		return NULL;
	put(&p, v, head);
	put(&p, v->ev, v->nevidence * sizeof v->ev[0]);
	put(&p, v->summary, strlen(v->summary) + 1);
	put(&p, &v->ndetails, sizeof v->ndetails);
	for (unsigned i = 0; i < v->ndetails; i++) {
		put(&p, &v->details[i], dhead);
		put(&p, v->details[i].s, strlen(v->details[i].s) + 1);
	}
	put(&p, &v->remediation, sizeof v->remediation);
	return b;
}

static void unpack(const unsigned char *b, struct verdict *v)
{
	const size_t head = offsetof(struct verdict, ev), dhead = offsetof(struct verdict_detail, s);
	const unsigned char *p = b;
	take(&p, v, head);
	take(&p, v->ev, v->nevidence * sizeof v->ev[0]);
	size_t l = strlen((const char *)p) + 1;
	take(&p, v->summary, l);
	take(&p, &v->ndetails, sizeof v->ndetails);
	for (unsigned i = 0; i < v->ndetails; i++) {
		take(&p, &v->details[i], dhead);
		l = strlen((const char *)p) + 1;
		take(&p, v->details[i].s, l);
	}
	take(&p, &v->remediation, sizeof v->remediation);
	v->brief = false;
}

static void report_verdict(const struct verdict *v, void *arg)
{
	(void)arg;
	if (v->sev == SEV_OK && !R.verbose) {
		if (R.nok >= REPORT_MAX_OK) {
			R.dropped_ok++;
			return;
		}
		if (!R.ok && !(R.ok = calloc(REPORT_MAX_OK, sizeof *R.ok))) {
			R.dropped_ok++;
			return;
		}
		char line[160];
		expect_line(v, line, sizeof line);
		snprintf(R.ok[R.nok++], sizeof R.ok[0], "%s", line + 3);
		return;
	}
	/* capture.* verdicts (drops, full tables) say how far to trust the
	 * rest: a flood of other verdicts must not push them out */
	bool capture = catalog_get(v->vid)->cat == CAT_CAPTURE;
	if (R.nfull >= REPORT_MAX_FULL + (capture ? REPORT_MAX_CAPTURE : 0)) {
		R.dropped_full++;
		return;
	}
	if (R.nfull == R.capfull) {
		size_t n = R.capfull ? R.capfull * 2 : 16;
		unsigned char **p = realloc(R.full, n * sizeof *p);
		if (!p) {
			R.dropped_full++;
			return;
		}
		R.full = p;
		R.capfull = n;
	}
	unsigned char *b = pack(v);
	if (!b) {
		R.dropped_full++;
		return;
	}
	R.full[R.nfull++] = b;
}

/* Print text word-wrapped at about 100 columns, each line indented. */
static void print_wrapped(FILE *o, const char *lead, const char *raw)
{
	const int width = 100;
	size_t cap = SANITIZE_GROWTH * strlen(raw) + 1;
	char *text = malloc(cap);
	if (!text) {
		fputs(lead, o);
		sanitize_fputs(o, raw);
		fputc('\n', o);
		return;
	}
	sanitize_text(raw, text, cap);
	int col = fprintf(o, "%s", lead);
	const int indent = col;
	const char *p = text;
	while (*p) {
		const char *sp = strchr(p, ' ');
		int wl = sp ? (int)(sp - p) : (int)strlen(p);
		if (col > indent && col + 1 + wl > width) {
			fprintf(o, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', o);
			col++;
		}
		fwrite(p, 1, (size_t)wl, o);
		col += wl;
		p += wl;
		while (*p == ' ')
			p++;
	}
	fputc('\n', o);
	free(text);
}

/* --points: the flow's packets with the frame that shows each at every
 * point ("--" not seen, ".." that point was not capturing then). */
#define LADDER_ROWS 40

static void print_ladder_row(FILE *o, const struct points *P, const struct points_cross *c, ts_usec t0)
{
	const char *arrow = c->dir == DIR_C2S ? "  -->" : "<--  ";
	fprintf(o, "       %+9.3fs  %s  %-16.16s", (double)((int64_t)c->t0 - (int64_t)t0) / 1e6, arrow, c->what);
	for (unsigned k = 0; k < P->n; k++) {
		char cell[24];
		if (c->rec[k] != POINTS_NONE)
			snprintf(cell, sizeof cell, "#%llu", (unsigned long long)P->rec[c->rec[k]].frame);
		else
			snprintf(cell, sizeof cell, "%s", c->judged[k] || P->p[k].pflog ? "--" : "..");
		fprintf(o, " %-10s", cell);
	}
	if (c->lost)
		fprintf(o, " lost %s->%s", P->p[c->lost_from].name, P->p[c->lost_to].name);
	fputc('\n', o);
}

static void print_points_ladder(FILE *o, const struct verdict *v)
{
	const struct points *P = points_active();
	struct points_view w;
	if (!P || !points_explain(P, v, &w))
		return;
	fprintf(o, "     where (client <-> server; frame at each point, -- not seen, .. not capturing):\n");
	fprintf(o, "       %10s  %5s  %-16s", "", "", "");
	for (unsigned k = 0; k < P->n; k++) {
		fputc(' ', o);
		sanitize_fputs(o, P->p[k].name);
		fprintf(o, "%*s", (int)(strlen(P->p[k].name) < 10 ? 10 - strlen(P->p[k].name) : 0), "");
	}
	fputc('\n', o);
	ts_usec t0 = w.c[0].t0;
	for (unsigned i = 0; i < w.ncross; i++) {
		if (w.ncross > LADDER_ROWS && i == LADDER_ROWS / 2) {
			fprintf(o, "       ... %u packets ...\n", w.ncross - LADDER_ROWS);
			i = w.ncross - LADDER_ROWS / 2;
		}
		print_ladder_row(o, P, &w.c[i], t0);
	}
	print_wrapped(o, "     where: ", w.conclusion);
	points_view_free(&w);
}

/* --points: the points, what each captured, and its clock offset. */
static void print_points_header(FILE *o)
{
	const struct points *P = points_active();
	if (!P)
		return;
	fprintf(o, "POINTS %u captures of the same traffic (the first is analysed):\n", P->n);
	for (unsigned k = 0; k < P->n; k++) {
		const struct point *p = &P->p[k];
		char a[40], b[40];
		fputs("     ", o);
		sanitize_fputs(o, p->name);
		fputs(" = ", o);
		sanitize_fputs(o, p->path);
		fprintf(o, "%s: %llu IP packets, %s .. %s", p->pflog ? " (pflog)" : "", (unsigned long long)p->ip_packets,
			p->n ? ts_iso(p->first_ts, a, sizeof a) : "-", p->n ? ts_iso(p->last_ts, b, sizeof b) : "-");
		if (k == 0)
			fprintf(o, "; the reference clock");
		else if (p->offset_samples)
			fprintf(o, "; clock %+.6f s from %s (%u packets matched once at both)", (double)p->offset / 1e6,
				P->p[0].name, p->offset_samples);
		else
			fprintf(o, "; clock offset unknown (no packet matched)");
		if (p->duplicates)
			fprintf(o, "; %llu duplicates ignored", (unsigned long long)p->duplicates);
		if (p->not_kept)
			fprintf(o, "; %llu packets past the limit not compared", (unsigned long long)p->not_kept);
		fputc('\n', o);
	}
	fputc('\n', o);
}

static void print_verdict(FILE *o, const struct verdict *v)
{
	static const char *const tag[] = { "OK  ", "INFO", "WARN", "FAIL" };
	char line[200];
	expect_line(v, line, sizeof line);
	const char *flow = strchr(line, ' ');
	flow = flow ? strchr(flow + 1, ' ') : NULL;
	fprintf(o, "%s %s%s\n", tag[v->sev], v->id, flow ? flow : "");
	print_wrapped(o, "     ", v->summary);
	if (v->nevidence) {
		/* a ladder: client on the left, server on the right */
		fprintf(o, "     evidence (client <-> server):\n");
		ts_usec t0 = v->ev[0].ts;
		for (unsigned i = 0; i < v->nevidence; i++) {
			const struct evidence *e = &v->ev[i];
			const char *arrow = e->dir == DIR_C2S ? "  -->" : e->dir == DIR_S2C ? "<--  " : " ~~~ ";
			char when[32];
			snprintf(when, sizeof when, "+%.3fs", (double)(e->ts - t0) / 1e6);
			fprintf(o, "       #%-7llu %10s  %s  ", (unsigned long long)e->frame, when, arrow);
			sanitize_fwrite(o, e->what, sizeof e->what);
			fputc('\n', o);
		}
	}
	print_points_ladder(o, v);
	if (v->ndetails) {
		fprintf(o, "     details:");
		int col = 14;
		for (unsigned i = 0; i < v->ndetails; i++) {
			const struct verdict_detail *d = &v->details[i];
			char val[SANITIZE_GROWTH * VERDICT_VALUE_LEN + 8];
			switch (d->kind) {
			case DETAIL_STR:
				sanitize_text_n(d->s, sizeof d->s, val, sizeof val);
				break;
			case DETAIL_INT:
				snprintf(val, sizeof val, "%lld", d->i);
				break;
			case DETAIL_NUM:
				snprintf(val, sizeof val, "%.3f", d->d);
				break;
			default:
				snprintf(val, sizeof val, "%s", d->i ? "yes" : "no");
			}
			int w = (int)(strlen(d->key) + strlen(val) + 2);
			if (col + w > 110) {
				fprintf(o, "\n              ");
				col = 14;
			}
			fprintf(o, " %s=%s", d->key, val);
			col += w;
		}
		fputc('\n', o);
	}
	if (v->remediation && v->sev != SEV_OK)
		print_wrapped(o, "     fix: ", v->remediation);
	fputc('\n', o);
}

static void report_summary(const struct run_summary *s, void *arg)
{
	(void)arg;
	FILE *o = R.out;
	static struct verdict v; /* one unpacked at a time */
	print_points_header(o);
	for (int sev = SEV_FAIL; sev >= SEV_OK; sev--)
		for (size_t i = 0; i < R.nfull; i++) {
			unpack(R.full[i], &v);
			if ((int)v.sev == sev)
				print_verdict(o, &v);
		}
	if (R.nok) {
		fprintf(o, "OK   %zu healthy flows:\n", R.nok + (size_t)R.dropped_ok);
		for (size_t i = 0; i < R.nok; i++)
			fprintf(o, "     %s\n", R.ok[i]);
		if (R.dropped_ok)
			fprintf(o, "     ... and %llu more\n", (unsigned long long)R.dropped_ok);
		fputc('\n', o);
	}
	if (R.dropped_full)
		fprintf(o, "(%llu more verdicts not shown: use --json for all of them)\n",
			(unsigned long long)R.dropped_full);
	uint64_t drops = s->drops_kernel + s->drops_iface;
	fputs("shakedown: ", o);
	sanitize_fputs(o, s->source ? s->source : "");
	fprintf(o, ": %llu packets, %llu flows, %llu dropped by the capture%s; verdicts: %llu fail, %llu "
		"warn, %llu info, %llu ok\n",
		(unsigned long long)s->packets, (unsigned long long)s->flows,
		(unsigned long long)drops, drops ? " (verdicts about missing packets are suspect)" : "",
		(unsigned long long)s->counts[SEV_FAIL], (unsigned long long)s->counts[SEV_WARN],
		(unsigned long long)s->counts[SEV_INFO], (unsigned long long)s->counts[SEV_OK]);
	/* the bounded tables that were full (each has its verdict above) */
	const char *sep = "shakedown: limits reached: ";
	for (int i = 0; i < LIMIT_COUNT; i++) {
		if (!s->limits[i].times)
			continue;
		const struct limit_info *li = limit_info((enum limit_table)i);
		fprintf(o, "%s%s %llu times (limit %llu%s%s)", sep, li->table, (unsigned long long)s->limits[i].times,
			(unsigned long long)s->limits[i].limit, li->option ? ", " : "", li->option ? li->option : "");
		sep = "; ";
	}
	if (sep[0] == ';')
		fputc('\n', o);
	fflush(o);
	for (size_t i = 0; i < R.nfull; i++)
		free(R.full[i]);
	free(R.full);
	free(R.ok);
	memset(&R, 0, sizeof R);
}

void report_attach(FILE *out, int verbose)
{
	memset(&R, 0, sizeof R);
	R.out = out;
	R.verbose = verbose;
	/* without -v an ok verdict is one line: id and endpoints */
	struct verdict_sink s = { report_verdict, report_summary, NULL };
	verdict_add_sink_brief(&s, verbose ? 0 : 1u << SEV_OK);
}
