/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report.c - the default text report: verdicts grouped by severity, each
 * with its time (absolute, UTC or local, and relative to the capture's
 * start), its source file, evidence, details and remediation; then the
 * flows without a verdict and a summary. Every line fits the report's
 * width (the terminal's, COLUMNS, or 80): text wraps at spaces, and a word
 * wider than the line is cut with "..." (JSON keeps it whole). Every
 * string of a verdict goes through sanitize.h on its way out: the only
 * control bytes the report writes are its own newlines. */
#include "output.h"
#include "analyzer/points.h"
#include "points-ladder.h"
#include "provenance.h"
#include "capture/capture.h"
#include "capture/sanitize.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define REPORT_MAX_FULL 1000
#define REPORT_MAX_OK 500
#define REPORT_MAX_CAPTURE 64 /* capture.* verdicts kept beyond REPORT_MAX_FULL */
#define REPORT_MIN_WIDTH 40
#define REPORT_MAX_WIDTH 1000
#define REPORT_MAX_KEYS (1u << 20) /* judged pairs, and flows waiting for one, remembered */
#define REPORT_FRESH 4096          /* judged pairs gathered before they join the sorted ones */
#define REPORT_MAX_ROWS 2000       /* ended flows whose line is kept (-v) */
#define REPORT_MAX_LISTED 200      /* of them listed */
#define UNIT_SEP '\x1f'          /* between units that wrap as one (details) */

/* The endpoint pairs (pair_key) that had a verdict, for the whole run: a
 * later flow between the same endpoints counts as judged too. Sorted and
 * distinct, 8 bytes a pair and no slack for a hash table's empty slots;
 * the pairs new since the last merge wait in a small open-addressing set
 * (2 x REPORT_FRESH slots, 0 empty: a pair key has its top bit set). */
struct pair_set {
	uint64_t *v;
	size_t n, cap;
	uint64_t *fresh;
	size_t nfresh;
	bool lost; /* a pair not kept: REPORT_MAX_KEYS reached, or no memory */
};

/* An ended flow's line for -v: what it was doing, and its pair. */
struct ended_row {
	uint64_t pair;
	char line[160];
};

static struct {
	FILE *out;
	FILE *copy; /* --bundle's report.txt */
	int verbose;
	int width;
	bool localtime;
	unsigned char **full; /* packed (see pack()) */
	int *full_src;
	size_t nfull, capfull;
	char (*ok)[200];
	size_t nok;
	uint64_t dropped_full, dropped_ok;
	/* flows with and without a verdict */
	bool flows;
	struct pair_set judged; /* endpoint pairs with a verdict */
	uint64_t nended;        /* flows that left the table */
	/* the pairs of those that had no verdict when they ended: a verdict
	 * may still come (an IKE SA judged after its UDP flow timed out) */
	uint64_t *waiting;
	size_t nwaiting, capwaiting;
	uint64_t waiting_lost;  /* not kept: counted without a verdict */
	struct ended_row *rows; /* the first REPORT_MAX_ROWS ended, shown (-v) */
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

/* ---------- width ---------- */

static int report_width(void)
{
	const char *c = getenv("COLUMNS");
	int w = 0;
	if (c && *c) {
		char *end;
		long n = strtol(c, &end, 10);
		if (!*end && n > 0)
			w = n > REPORT_MAX_WIDTH ? REPORT_MAX_WIDTH : (int)n;
	}
	struct winsize ws;
	if (!w && isatty(fileno(R.out)) && ioctl(fileno(R.out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		w = ws.ws_col;
	if (!w)
		w = 80;
	return w < REPORT_MIN_WIDTH ? REPORT_MIN_WIDTH : w;
}

/* Columns of n bytes of sanitized text (UTF-8: continuation bytes take none). */
static int columns(const char *s, size_t n)
{
	int c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* Bytes of s that fill at most cols columns, not cutting a character. */
static size_t bytes_for(const char *s, size_t n, int cols)
{
	size_t i = 0;
	int c = 0;
	while (i < n) {
		size_t j = i + 1;
		while (j < n && ((unsigned char)s[j] & 0xc0) == 0x80)
			j++;
		if (c + 1 > cols)
			break;
		c++;
		i = j;
	}
	return i;
}

/* Write already-sanitized text after lead, wrapped at the report's width
 * with later lines indented as far as lead; units are separated by sep. */
static void wrap_clean(FILE *o, const char *lead, const char *text, char sep)
{
	const int width = R.width;
	fputs(lead, o);
	const int indent = columns(lead, strlen(lead));
	int col = indent;
	const char *p = text;
	while (*p == sep)
		p++;
	while (*p) {
		const char *end = strchr(p, sep);
		size_t wl = end ? (size_t)(end - p) : strlen(p);
		int wc = columns(p, wl);
		if (col > indent && col + 1 + wc > width) {
			fprintf(o, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', o);
			col++;
		}
		int room = width - col;
		if (wc > room) {
			/* a word wider than the line: cut it, show that it was */
			size_t keep = bytes_for(p, wl, room > 3 ? room - 3 : 0);
			fwrite(p, 1, keep, o);
			fputs("...", o);
			col += columns(p, keep) + 3;
		} else {
			fwrite(p, 1, wl, o);
			col += wc;
		}
		p += wl;
		while (*p == sep)
			p++;
	}
	fputc('\n', o);
}

/* Sanitize raw (from outside) and wrap it. */
static void print_wrapped(FILE *o, const char *lead, const char *raw)
{
	size_t cap = SANITIZE_GROWTH * strlen(raw) + 1;
	char *text = malloc(cap);
	if (!text) {
		fputs(lead, o);
		sanitize_fputs(o, raw);
		fputc('\n', o);
		return;
	}
	sanitize_text(raw, text, cap);
	wrap_clean(o, lead, text, ' ');
	free(text);
}

/* ---------- times ---------- */

/* ISO 8601 with microseconds: UTC ("...Z"), or local time with its offset
 * ("...+01:00") under --localtime. */
static const char *report_time(ts_usec t, char *buf, size_t len)
{
	if (!R.localtime)
		return ts_iso(t, buf, len);
	time_t sec = (time_t)(t / 1000000);
	struct tm tm;
	localtime_r(&sec, &tm);
	char b[32], z[8];
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(z, sizeof z, "%z", &tm);
	snprintf(buf, len, "%s.%06u%.3s:%.2s", b, (unsigned)(t % 1000000), z, z[0] ? z + 3 : "00");
	return buf;
}

/* ---------- flows with and without a verdict ---------- */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* The unordered endpoint pair of a flow or verdict, hashed; the top bit is
 * set so it never equals a flow id. */
static uint64_t pair_key(uint8_t proto, const struct addr *a, uint16_t ap, const struct addr *b, uint16_t bp)
{
	uint64_t ha = 1469598103934665603ull, hb = ha;
	const uint8_t *pa = (const uint8_t *)a, *pb = (const uint8_t *)b;
	for (size_t i = 0; i < sizeof *a; i++) {
		ha = (ha ^ pa[i]) * 1099511628211ull;
		hb = (hb ^ pb[i]) * 1099511628211ull;
	}
	ha = mix(ha ^ ap);
	hb = mix(hb ^ bp);
	return mix((ha ^ hb) + proto) | (1ull << 63);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The slot of k in the fresh set: where it is, or the empty one where it
 * would go. */
static size_t fresh_slot(const struct pair_set *p, uint64_t k)
{
	size_t mask = 2 * REPORT_FRESH - 1, i = (size_t)mix(k) & mask;
	while (p->fresh[i] && p->fresh[i] != k)
		i = (i + 1) & mask;
	return i;
}

static bool pairs_has(const struct pair_set *p, uint64_t k)
{
	if (p->fresh && p->fresh[fresh_slot(p, k)] == k)
		return true;
	return p->n && bsearch(&k, p->v, p->n, sizeof k, cmp_u64);
}

/* The fresh pairs join the sorted ones; the flows waiting for one of them
 * have their verdict and wait no longer. */
static void pairs_merge(struct pair_set *p)
{
	if (!p->nfresh)
		return;
	size_t kept = 0;
	for (size_t i = 0; i < R.nwaiting; i++)
		if (p->fresh[fresh_slot(p, R.waiting[i])] != R.waiting[i])
			R.waiting[kept++] = R.waiting[i];
	R.nwaiting = kept;
	/* the fresh pairs, sorted, at the front of their set */
	size_t k = 0;
	for (size_t i = 0; i < 2 * REPORT_FRESH; i++)
		if (p->fresh[i])
			p->fresh[k++] = p->fresh[i];
	qsort(p->fresh, k, sizeof *p->fresh, cmp_u64);
	if (p->n + k > p->cap) {
		size_t cap = p->cap + p->cap / 2 > p->n + k ? p->cap + p->cap / 2 : p->n + k;
		if (cap > REPORT_MAX_KEYS)
			cap = REPORT_MAX_KEYS;
		uint64_t *v = cap >= p->n + k ? realloc(p->v, cap * sizeof *v) : NULL;
		if (v) {
			p->v = v;
			p->cap = cap;
		} else {
			p->lost = true;
			k = 0;
		}
	}
	/* merge from the back: none of them is among the sorted ones yet */
	size_t i = p->n, j = k, o = p->n + k;
	while (j > 0)
		p->v[--o] = i > 0 && p->v[i - 1] > p->fresh[j - 1] ? p->v[--i] : p->fresh[--j];
	p->n += k;
	memset(p->fresh, 0, 2 * REPORT_FRESH * sizeof *p->fresh);
	p->nfresh = 0;
}

static void pairs_add(struct pair_set *p, uint64_t k)
{
	if (!p->fresh && !(p->fresh = calloc(2 * REPORT_FRESH, sizeof *p->fresh))) {
		p->lost = true;
		return;
	}
	size_t i = fresh_slot(p, k);
	if (p->fresh[i] || (p->n && bsearch(&k, p->v, p->n, sizeof k, cmp_u64)))
		return;
	p->fresh[i] = k;
	if (++p->nfresh == REPORT_FRESH)
		pairs_merge(p);
}

/* A verdict about a flow names that flow's endpoints (verdict_begin copies
 * them; an IKE SA's are those of the UDP flow it was first seen on), so the
 * pair alone tells which flows had a verdict: a flow's own verdicts, before
 * or after its end row, and those about its endpoints (ESP between two
 * hosts, a later attempt of the same peers). No flow id is kept. */
static void note_judged(const struct verdict *v)
{
	if (R.flows && v->client.family)
		pairs_add(&R.judged, pair_key(v->proto, &v->client, v->cport, &v->server, v->sport));
}

/* A flow that ended before any verdict about its pair: kept until one comes. */
static void waiting_add(uint64_t pair)
{
	if (R.nwaiting == R.capwaiting) {
		size_t cap = R.capwaiting ? R.capwaiting + R.capwaiting / 2 : 1024;
		if (cap > REPORT_MAX_KEYS)
			cap = REPORT_MAX_KEYS;
		uint64_t *w = cap > R.capwaiting ? realloc(R.waiting, cap * sizeof *w) : NULL;
		if (!w) {
			R.waiting_lost++;
			return;
		}
		R.waiting = w;
		R.capwaiting = cap;
	}
	R.waiting[R.nwaiting++] = pair;
}

void report_note_ended(const struct driver_flow_row *rows, size_t n)
{
	if (!R.flows)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct driver_flow_row *f = &rows[i];
		uint64_t k = R.nended++, pair = pair_key(f->proto, &f->client, f->cport, &f->server, f->sport);
		/* most flows had their verdict by now and leave nothing behind */
		if (!pairs_has(&R.judged, pair))
			waiting_add(pair);
		/* the lines are listed with -v only */
		if (!R.verbose || k >= REPORT_MAX_ROWS || (!R.rows && !(R.rows = calloc(REPORT_MAX_ROWS, sizeof *R.rows))))
			continue;
		char c[64], s[64];
		const char *pn = f->proto == IPPROTO_NUM_TCP ? "tcp" : f->proto == IPPROTO_NUM_UDP ? "udp" : "esp";
		R.rows[k].pair = pair;
		snprintf(R.rows[k].line, sizeof R.rows[k].line, "%s %s -> %s: %s", pn,
			 endpoint_str(&f->client, f->cport, c, sizeof c), endpoint_str(&f->server, f->sport, s, sizeof s),
			 f->phase);
	}
}

/* ---------- collecting ---------- */

static void report_verdict(const struct verdict *v, void *arg)
{
	(void)arg;
	note_judged(v);
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
		int *s = realloc(R.full_src, n * sizeof *s);
		if (!s) {
			R.dropped_full++;
			return;
		}
		R.full_src = s;
		R.capfull = n;
	}
	R.full_src[R.nfull] = provenance_of_verdict(v);
	unsigned char *b = pack(v);
	if (!b) {
		R.dropped_full++;
		return;
	}
	R.full[R.nfull++] = b;
	/* from here on only capture.* verdicts are kept: the others need not
	 * be formatted */
	if (R.nfull == REPORT_MAX_FULL)
		verdict_sink_full(report_verdict, ~0u);
}

/* ---------- printing ---------- */

/* "at <time> (+12.345s into the capture), file F, frames 3-9" */
static void print_when(FILE *o, const struct verdict *v, int src, ts_usec t0)
{
	char line[1024] = "", when[48];
	size_t n = 0;
	if (v->first_ts) {
		n += (size_t)snprintf(line + n, sizeof line - n, "at %s", report_time(v->first_ts, when, sizeof when));
		if (t0 && v->first_ts >= t0)
			n += (size_t)snprintf(line + n, sizeof line - n, " (+%.3fs into the capture)",
					      (double)(v->first_ts - t0) / 1e6);
		if (!v->nevidence && v->last_ts > v->first_ts)
			n += (size_t)snprintf(line + n, sizeof line - n, " to %s",
					      report_time(v->last_ts, when, sizeof when));
	}
	const char *name = provenance_count() > 1 || provenance_live() ? provenance_name(src) : NULL;
	if (name) {
		char clean[SANITIZE_GROWTH * 512 + 1];
		sanitize_text(name, clean, sizeof clean);
		snprintf(line + n, sizeof line - n, "%s%s %.700s", n ? ", " : "",
			 provenance_live() ? "interface" : "file", clean);
		n = strlen(line);
	}
	if (n)
		wrap_clean(o, "     ", line, ' ');
}

static void print_details(FILE *o, const struct verdict *v)
{
	size_t cap = (size_t)v->ndetails * (SANITIZE_GROWTH * VERDICT_VALUE_LEN + 64) + 1;
	char *text = malloc(cap);
	if (!text)
		return;
	size_t n = 0;
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
		n += (size_t)snprintf(text + n, cap - n, "%c%s=%s", UNIT_SEP, d->key, val);
	}
	wrap_clean(o, "     details: ", text, UNIT_SEP);
	free(text);
}

/* --points: the flow's packets with the frame that shows each at every
 * point (ui/points-ladder.c), and where the packet was lost. */
static void print_ladder_line(void *arg, const char *s)
{
	fprintf(arg, "     %s\n", s);
}

static void print_points_ladder(FILE *o, const struct verdict *v)
{
	char conclusion[VERDICT_VALUE_LEN];
	if (points_ladder(v, print_ladder_line, o, conclusion, sizeof conclusion))
		print_wrapped(o, "     where: ", conclusion);
}

/* --points: the points, what each captured, and its clock offset. */
static void print_points_header(FILE *o)
{
	const struct points *P = points_active();
	if (!P)
		return;
	if (P->live)
		fprintf(o, "POINTS %u interfaces on one clock (the first is analysed):\n", P->n);
	else
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
		else if (P->live)
			fprintf(o, "; the same clock");
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
	if (P->restarts)
		fprintf(o, "     the table of %u packets filled %llu times and started over: older packets not compared\n",
			POINTS_LIVE_RECORDS, (unsigned long long)P->restarts);
	fputc('\n', o);
}

static void print_verdict(FILE *o, const struct verdict *v, int src, ts_usec t0)
{
	static const char *const tag[] = { "OK   ", "INFO ", "WARN ", "FAIL " };
	char line[200];
	expect_line(v, line, sizeof line);
	const char *flow = strchr(line, ' '); /* after the severity: "id proto a -> b" */
	print_wrapped(o, tag[v->sev], flow ? flow + 1 : v->id);
	print_when(o, v, src, t0);
	print_wrapped(o, "     ", v->summary);
	if (v->nevidence) {
		/* a ladder: client on the left, server on the right */
		fprintf(o, "     evidence (client <-> server):\n");
		ts_usec e0 = v->ev[0].ts;
		for (unsigned i = 0; i < v->nevidence; i++) {
			const struct evidence *e = &v->ev[i];
			const char *arrow = e->dir == DIR_C2S ? "  -->" : e->dir == DIR_S2C ? "<--  " : " ~~~ ";
			char when[32], lead[96], what[SANITIZE_GROWTH * sizeof e->what + 256];
			snprintf(when, sizeof when, "+%.3fs", (double)(e->ts - e0) / 1e6);
			snprintf(lead, sizeof lead, "       #%-7llu %10s  %s  ", (unsigned long long)e->frame, when, arrow);
			sanitize_text_n(e->what, sizeof e->what, what, sizeof what);
			int esrc = provenance_of_evidence(v, e);
			if (esrc != src && provenance_name(esrc)) {
				/* a frame of another -r file */
				size_t l = strlen(what);
				char clean[SANITIZE_GROWTH * 512 + 1];
				sanitize_text(provenance_name(esrc), clean, sizeof clean);
				snprintf(what + l, sizeof what - l, " (in %.200s)", clean);
			}
			wrap_clean(o, lead, what, ' ');
		}
	}
	print_points_ladder(o, v);
	if (v->ndetails)
		print_details(o, v);
	if (v->remediation && v->sev != SEV_OK)
		print_wrapped(o, "     fix: ", v->remediation);
	fputc('\n', o);
}

static void print_flows(FILE *o, const struct run_summary *s)
{
	if (!R.flows)
		return;
	pairs_merge(&R.judged); /* the last verdicts' pairs: who still waits has none */
	uint64_t unjudged = R.nwaiting + R.waiting_lost, listed = 0;
	if (R.verbose && unjudged) {
		fprintf(o, "NOT JUDGED %llu flows without a verdict (what each was doing when it ended):\n",
			(unsigned long long)unjudged);
		for (size_t i = 0; i < R.nended && i < REPORT_MAX_ROWS && R.rows && listed < REPORT_MAX_LISTED; i++)
			if (!pairs_has(&R.judged, R.rows[i].pair)) {
				char clean[SANITIZE_GROWTH * sizeof R.rows[i].line + 1];
				sanitize_text_n(R.rows[i].line, sizeof R.rows[i].line, clean, sizeof clean);
				wrap_clean(o, "     ", clean, ' ');
				listed++;
			}
		if (unjudged > listed)
			fprintf(o, "     ... and %llu more\n", (unsigned long long)(unjudged - listed));
		fputc('\n', o);
	}
	char line[512];
	snprintf(line, sizeof line, "flows: %llu, %llu with a verdict, %llu without one (healthy or too short to judge%s)%s",
		 (unsigned long long)s->flows, (unsigned long long)(R.nended - unjudged), (unsigned long long)unjudged,
		 R.verbose || !unjudged ? "" : "; -v lists them",
		 R.waiting_lost || R.judged.lost ? "; more flows than could be remembered: counts are partial" : "");
	wrap_clean(o, "", line, ' ');
}

/* The BPF filter, first in the report: as written, or widened to the
 * ICMP errors and fragments about the flows it selects (see capture/). */
static void print_filter(FILE *o, const struct run_summary *s)
{
	if (!s->filter)
		return;
	size_t cap = SANITIZE_GROWTH * strlen(s->filter) + 512;
	char *line = malloc(cap);
	if (!line)
		return;
	size_t n = sanitize_text(s->filter, line, cap);
	if (s->filter_mode == CAPTURE_FILTER_EXTENDED)
		snprintf(line + n, cap - n,
			 ", widened to the ICMP errors and IP fragments about the flows it selects (%llu packets "
			 "read for that, %llu of them analysed; --strict-filter reads only what it names)",
			 (unsigned long long)s->filter_widened, (unsigned long long)s->filter_widened_used);
	else if (s->filter_mode == CAPTURE_FILTER_STRICT)
		snprintf(line + n, cap - n, ", as written (--strict-filter: ICMP errors and fragments it does not name are "
					    "not read, and the verdicts they decide are missing)");
	else if (s->filter_mode == CAPTURE_FILTER_UNEXTENDED)
		snprintf(line + n, cap - n, ", %s", s->filter_note);
	wrap_clean(o, "filter: ", line, ' ');
	fputc('\n', o);
	free(line);
}

static void report_print(FILE *o, const struct run_summary *s)
{
	ts_usec t0, t1;
	uint64_t last_frame;
	provenance_span(&t0, &t1, &last_frame);
	static struct verdict v; /* one unpacked at a time */
	print_filter(o, s);
	print_points_header(o);
	for (int sev = SEV_FAIL; sev >= SEV_OK; sev--)
		for (size_t i = 0; i < R.nfull; i++) {
			unpack(R.full[i], &v);
			if ((int)v.sev == sev)
				print_verdict(o, &v, R.full_src[i], t0);
		}
	if (R.nok) {
		fprintf(o, "OK   %zu healthy flows:\n", R.nok + (size_t)R.dropped_ok);
		for (size_t i = 0; i < R.nok; i++)
			print_wrapped(o, "     ", R.ok[i]);
		if (R.dropped_ok)
			fprintf(o, "     ... and %llu more\n", (unsigned long long)R.dropped_ok);
		fputc('\n', o);
	}
	if (R.dropped_full)
		print_wrapped(o, "", "(more verdicts not shown: use --json for all of them)");
	print_flows(o, s);
	if (t0) {
		char a[48], b[48], line[160];
		snprintf(line, sizeof line, "capture: %s to %s (%.3f s)", report_time(t0, a, sizeof a),
			 report_time(t1, b, sizeof b), (double)(t1 - t0) / 1e6);
		wrap_clean(o, "", line, ' ');
	}
	uint64_t drops = s->drops_kernel + s->drops_iface;
	size_t cap = SANITIZE_GROWTH * strlen(s->source ? s->source : "") + 512;
	char *line = malloc(cap);
	if (line) {
		size_t n = sanitize_text(s->source ? s->source : "", line, cap);
		snprintf(line + n, cap - n,
			 ": %llu packets, %llu flows, %llu dropped by the capture%s%s; verdicts: %llu fail, %llu warn, "
			 "%llu info, %llu ok",
			 (unsigned long long)s->packets, (unsigned long long)s->flows, (unsigned long long)drops,
			 drops ? " (verdicts about missing packets are suspect)" : "",
			 s->filter_mode == CAPTURE_FILTER_EXTENDED ? "; filter widened to ICMP errors and fragments" : "",
			 (unsigned long long)s->counts[SEV_FAIL], (unsigned long long)s->counts[SEV_WARN],
			 (unsigned long long)s->counts[SEV_INFO], (unsigned long long)s->counts[SEV_OK]);
		wrap_clean(o, "shakedown: ", line, ' ');
		free(line);
	}
	/* the bounded tables that were full (each has its verdict above) */
	char lim[1024];
	size_t ln = 0;
	for (int i = 0; i < LIMIT_COUNT && ln < sizeof lim; i++) {
		if (!s->limits[i].times)
			continue;
		const struct limit_info *li = limit_info((enum limit_table)i);
		ln += (size_t)snprintf(lim + ln, sizeof lim - ln, "%s%s %llu times (limit %llu%s%s)",
				       ln ? "; " : "limits reached: ", li->table, (unsigned long long)s->limits[i].times,
				       (unsigned long long)s->limits[i].limit, li->option ? ", " : "",
				       li->option ? li->option : "");
	}
	if (ln)
		wrap_clean(o, "shakedown: ", lim, ' ');
	fflush(o);
}

static void report_summary(const struct run_summary *s, void *arg)
{
	(void)arg;
	report_print(R.out, s);
	if (R.copy)
		report_print(R.copy, s);
	for (size_t i = 0; i < R.nfull; i++)
		free(R.full[i]);
	free(R.full);
	free(R.full_src);
	free(R.ok);
	free(R.judged.v);
	free(R.judged.fresh);
	free(R.waiting);
	free(R.rows);
	memset(&R, 0, sizeof R);
}

void report_copy_to(FILE *out)
{
	R.copy = out;
}

void report_set_localtime(bool local)
{
	R.localtime = local;
}

void report_attach(FILE *out, int verbose, bool flows)
{
	bool local = R.localtime;
	memset(&R, 0, sizeof R);
	R.out = out;
	R.verbose = verbose;
	/* without -v an ok verdict is one line: id and endpoints */
	R.localtime = local;
	R.width = report_width();
	R.flows = flows;
	struct verdict_sink s = { report_verdict, report_summary, NULL };
	verdict_add_sink_brief(&s, verbose ? 0 : 1u << SEV_OK);
}
