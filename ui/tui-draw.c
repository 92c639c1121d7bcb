/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tui-draw.c - painting the live view: header, verdict list, flows list,
 * detail pane with the ladder diagram, help overlay, footer. Everything
 * here reads the state in T and the store; nothing changes either. */
#define NCURSES_WIDECHAR 1
#include "tui-int.h"

#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

struct glyphs {
	const char *vbar, *hbar, *rhead, *lhead, *dots, *arrow, *times, *g_first, *g_mid, *g_last, *sep, *more;
};

static const struct glyphs G_UTF8 = { "│", "─", "▶", "◀", "┄", "→", "×", "┌", "│", "└", "│", "…" };
static const struct glyphs G_ASCII = { "|", "-", ">", "<", "~", "->", "x", "+", "|", "`", "|", "~" };

static const struct glyphs *gl(void)
{
	return T.utf8 ? &G_UTF8 : &G_ASCII;
}

/* ---------- attributes ---------- */

static attr_t sev_attr(int sev)
{
	if (T.color) {
		switch (sev) {
		case SEV_FAIL:
			return COLOR_PAIR(PAIR_FAIL) | A_BOLD;
		case SEV_WARN:
			return COLOR_PAIR(PAIR_WARN) | A_BOLD;
		case SEV_INFO:
			return COLOR_PAIR(PAIR_INFO);
		case SEV_OK:
			return COLOR_PAIR(PAIR_OK);
		default:
			return A_NORMAL;
		}
	}
	switch (sev) {
	case SEV_FAIL:
		return A_BOLD;
	case SEV_WARN:
		return A_UNDERLINE;
	case SEV_OK:
		return A_DIM;
	default:
		return A_NORMAL;
	}
}

static attr_t bar_attr(void)
{
	return T.color ? COLOR_PAIR(PAIR_BAR) | A_BOLD : A_REVERSE;
}

static attr_t alert_attr(void)
{
	return T.color ? COLOR_PAIR(PAIR_ALERT) | A_BOLD : A_REVERSE | A_BOLD;
}

static const char *sev_tag(int sev)
{
	static const char *const tag[] = { "OK", "INFO", "WARN", "FAIL" };
	return sev >= 0 && sev < 4 ? tag[sev] : "";
}

/* ---------- text ---------- */

/* Columns a string takes, counting every character as one column (the
 * view's own glyphs are all narrow; wire text is sanitised on output). */
static int ucols(const char *s)
{
	int n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Draw s at (y,x) in at most w columns; control and undecodable
 * characters become '?'. Returns the columns used. */
static int put(int y, int x, int w, attr_t a, const char *s)
{
	if (w <= 0 || !s)
		return 0;
	wchar_t buf[1024];
	int n = 0, cols = 0;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	while (*s && n < (int)(sizeof buf / sizeof buf[0]) - 1) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		if (k == 0)
			break;
		if (k == (size_t)-1 || k == (size_t)-2) {
			wc = L'?';
			k = 1;
			memset(&st, 0, sizeof st);
		}
		int cw = wcwidth(wc);
		if (cw < 1 || wc < 0x20 || (wc >= 0x7f && wc < 0xa0)) {
			wc = L'?';
			cw = 1;
		}
		if (cols + cw > w)
			break;
		buf[n++] = wc;
		cols += cw;
		s += k;
	}
	buf[n] = 0;
	attron(a);
	mvaddnwstr(y, x, buf, n);
	attroff(a);
	return cols;
}

static void fill(int y, int x, int w, attr_t a)
{
	attron(a);
	for (int i = 0; i < w; i++)
		mvaddch(y, x + i, ' ');
	attroff(a);
}

static void put_pad(int y, int x, int w, attr_t a, const char *s)
{
	int used = put(y, x, w, a, s);
	fill(y, x + used, w - used, a);
}

/* Draws s then returns the x after it (for lines made of pieces). */
static int seg(int y, int x, int maxx, attr_t a, const char *s)
{
	return x + put(y, x, maxx - x, a, s);
}

/* The end of s that fits in cols columns, with a mark where it was cut. */
static void tail_fit(const char *s, int cols, char *out, size_t len)
{
	int have = ucols(s);
	if (have <= cols || cols < 2) {
		snprintf(out, len, "%s", s);
		return;
	}
	const char *p = s;
	while (have > cols - 1) {
		p++;
		while (((unsigned char)*p & 0xC0) == 0x80)
			p++;
		have--;
	}
	snprintf(out, len, "%s%s", gl()->more, p);
}

enum { CLK_SHORT, CLK_TIME, CLK_DATE };

/* Packet time in UTC: "17:16:56", "17:16:56.487 UTC", or with the date. */
static void clock_text(ts_usec t, int style, char *buf, size_t len)
{
	if (!t) {
		snprintf(buf, len, "--:--:--");
		return;
	}
	time_t sec = (time_t)(t / 1000000);
	unsigned ms = (unsigned)(t % 1000000 / 1000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	if (style == CLK_DATE)
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%03u UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	else if (style == CLK_TIME)
		snprintf(buf, len, "%02d:%02d:%02d.%03u UTC", tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	else
		snprintf(buf, len, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* v with a k/M/G prefix: "779", "1.2k"; with a gap and a unit,
 * "779 bit/s", "172.9 kbit/s". */
static void scaled(double v, const char *gap, const char *unit, char *buf, size_t len)
{
	static const char *const prefix[] = { "", "k", "M", "G" };
	int p = 0;
	while (v >= 1000 && p < 3) {
		v /= 1000;
		p++;
	}
	snprintf(buf, len, p ? "%.1f%s%s%s" : "%.0f%s%s%s", v, gap, prefix[p], unit);
}

static void human(double v, char *buf, size_t len)
{
	scaled(v, "", "", buf, len);
}

static void seconds_text(ts_usec d, char *buf, size_t len)
{
	double s = (double)d / 1e6;
	if (s < 60)
		snprintf(buf, len, "%.1fs", s);
	else if (s < 3600)
		snprintf(buf, len, "%ldm%02lds", (long)s / 60, (long)s % 60);
	else
		snprintf(buf, len, "%.1fh", s / 3600);
}

/* ---------- header and footer ---------- */

static void draw_header(int W)
{
	const struct glyphs *g = gl();
	attr_t bar = bar_attr();
	char clock[48], right[96], left[700], src[300];
	clock_text(T.now, W >= 100 ? CLK_DATE : CLK_TIME, clock, sizeof clock);
	snprintf(right, sizeof right, "%s%s ", T.paused ? "PAUSED  " : T.finished ? "END OF INPUT  " : "", clock);
	int rw = ucols(right);
	fill(0, 0, W, bar);
	int room = W - rw - 2;
	int bpf_cols = T.bpf[0] ? ucols(T.bpf) : 4;
	int src_room = room - 21 - (bpf_cols < room / 3 ? bpf_cols : room / 3);
	tail_fit(T.source, src_room > 12 ? src_room : 12, src, sizeof src);
	snprintf(left, sizeof left, " shakedown %s %s %s bpf: %s", g->sep, src, g->sep, T.bpf[0] ? T.bpf : "none");
	put(0, 0, room, bar, left);
	if (rw < W)
		put(0, W - rw, rw, T.paused ? alert_attr() : bar, right);

	/* traffic, drops, flows */
	char b[160], n1[24], n2[24], n3[24];
	int x = 0;
	human((double)T.pkts, n1, sizeof n1);
	if (T.pps > 0 && T.pps < 10)
		snprintf(n2, sizeof n2, "%.1f", T.pps); /* a quiet link: 0.3 pkt/s, not 0 */
	else
		human(T.pps, n2, sizeof n2);
	scaled(T.bps, " ", "bit/s", n3, sizeof n3);
	snprintf(b, sizeof b, " pkts %s %s %s pkt/s %s%s %s ", n1, g->sep, n2, n3, T.finished ? " avg" : "",
		 g->sep);
	fill(1, 0, W, A_NORMAL);
	if (!T.pkts && T.iface[0] && !T.finished)
		snprintf(b, sizeof b, " waiting for packets on %s %s ", T.iface, g->sep);
	x = seg(1, x, W, A_NORMAL, b);
	snprintf(b, sizeof b, "drops %llu", (unsigned long long)T.drops);
	x = seg(1, x, W, T.drops ? alert_attr() : A_NORMAL, b);
	char f1[24], f2[24], f3[24];
	human((double)T.flows_active, f1, sizeof f1);
	human((double)T.flows_seen, f2, sizeof f2);
	human((double)T.evicted, f3, sizeof f3);
	if (T.finished)
		snprintf(b, sizeof b, " %s flows %s, %s evicted", g->sep, f2, f3);
	else
		snprintf(b, sizeof b, " %s flows %s now, %s seen, %s evicted", g->sep, f1, f2, f3);
	x = seg(1, x, W, A_NORMAL, b);

	/* verdict counts, view tabs, sort, filter */
	fill(2, 0, W, A_NORMAL);
	x = 1;
	for (int s = SEV_FAIL; s >= SEV_OK; s--) {
		snprintf(b, sizeof b, "%s %llu", sev_tag(s), (unsigned long long)T.counts[s]);
		x = seg(2, x, W, T.counts[s] ? sev_attr(s) : A_NORMAL, b);
		x = seg(2, x, W, A_NORMAL, "  ");
	}
	snprintf(b, sizeof b, "%s ", g->sep);
	x = seg(2, x, W, A_NORMAL, b);
	x = seg(2, x, W, T.view == VIEW_VERDICTS ? A_REVERSE : A_NORMAL, "Verdicts");
	x = seg(2, x, W, A_NORMAL, " ");
	x = seg(2, x, W, T.view == VIEW_FLOWS ? A_REVERSE : A_NORMAL, "Flows");
	if (T.view == VIEW_VERDICTS)
		snprintf(b, sizeof b, " %s sort: %s", g->sep, T.sort == SORT_SEVERITY ? "severity" : "newest");
	else
		snprintf(b, sizeof b, " %s sort: %s", g->sep, T.fsort == FSORT_RECENT ? "recent" : "quiet");
	x = seg(2, x, W, A_NORMAL, b);
	uint64_t dropped = store_dropped();
	if (dropped) {
		snprintf(b, sizeof b, " %s %llu not kept", g->sep, (unsigned long long)dropped);
		x = seg(2, x, W, A_NORMAL, b);
	}
	if (T.filter.nwords) {
		snprintf(b, sizeof b, " %s filter: ", g->sep);
		x = seg(2, x, W, A_NORMAL, b);
		seg(2, x, W, A_BOLD, T.filter.text);
	}
}

static void draw_footer(int H, int W)
{
	attr_t bar = bar_attr();
	char b[400];
	if (T.editing) {
		fill(H - 1, 0, W, A_NORMAL);
		snprintf(b, sizeof b, "/%s", T.edit);
		int x = put(H - 1, 0, W, A_BOLD, b);
		if (x < W)
			put(H - 1, x, 1, A_REVERSE, " ");
		if (x + 3 < W)
			put(H - 1, x + 2, W - x - 2, A_DIM, "Enter keep, Esc cancel; fail warn+ tcp text -word");
		return;
	}
	if (T.help)
		snprintf(b, sizeof b, " any key closes the help");
	else if (T.detail)
		snprintf(b, sizeof b, " %s%s j k scroll  %s%s [ ] other verdicts of the row  Esc q back  ? help",
			 T.utf8 ? "↑" : "", T.utf8 ? "↓" : "", T.utf8 ? "←" : "", T.utf8 ? "→" : "");
	else
		snprintf(b, sizeof b, " %s%s j k move  Enter open  Tab view  / filter  s sort  p %s  F1 ? help  F10 q quit",
			 T.utf8 ? "↑" : "", T.utf8 ? "↓" : "", T.paused ? "resume" : "pause");
	put_pad(H - 1, 0, W, bar, b);
}

/* ---------- wrapped text and the detail lines ---------- */

struct dline {
	attr_t a;
	char s[640];
};

static struct dline *DL;
static int ndl, capdl;

static void dl_add(attr_t a, const char *s)
{
	if (ndl == capdl) {
		int n = capdl ? capdl * 2 : 128;
		struct dline *p = realloc(DL, (size_t)n * sizeof *p);
		if (!p)
			return;
		DL = p;
		capdl = n;
	}
	DL[ndl].a = a;
	snprintf(DL[ndl].s, sizeof DL[ndl].s, "%s", s);
	ndl++;
}

/* Cut s into lines of at most width columns at spaces, each after indent
 * spaces (the first after first_prefix instead when given). */
static void dl_wrap(attr_t a, const char *s, int width, int indent, const char *first_prefix)
{
	if (width < 8)
		width = 8;
	char line[640];
	const char *p = s;
	bool first = true;
	do {
		int pre = first && first_prefix ? (int)strlen(first_prefix) : indent;
		int room = width - pre;
		if (room < 4)
			room = 4;
		/* take characters up to room columns, breaking at the last space */
		const char *q = p, *cut = NULL;
		int cols = 0;
		while (*q && *q != '\n' && cols < room) {
			if (*q == ' ')
				cut = q;
			q++;
			while (((unsigned char)*q & 0xC0) == 0x80)
				q++;
			cols++;
		}
		const char *end = q;
		if (*q && *q != '\n' && cut && cut > p)
			end = cut;
		if (first && first_prefix)
			snprintf(line, sizeof line, "%s%.*s", first_prefix, (int)(end - p), p);
		else
			snprintf(line, sizeof line, "%*s%.*s", pre, "", (int)(end - p), p);
		dl_add(a, line);
		p = end;
		while (*p == ' ')
			p++;
		if (*p == '\n')
			p++;
		first = false;
	} while (*p);
}

static void dl_blank(void)
{
	dl_add(A_NORMAL, "");
}

/* One packet of the ladder: time, the arrow between the two bars with the
 * label on it, frame number. */
static void ladder_line(const struct evidence *e, ts_usec t0, bool long_run, int lane)
{
	const struct glyphs *g = gl();
	char t[24], fr[24], mid[1200], line[1400];
	double rel = (double)(e->ts >= t0 ? e->ts - t0 : 0) / 1e6;
	snprintf(t, sizeof t, long_run ? "%+11.3f" : "%+11.6f", rel);
	snprintf(fr, sizeof fr, "#%llu", (unsigned long long)e->frame);
	char what[64];
	snprintf(what, sizeof what, " %s%s ", e->what, e->dir < 0 ? " (other host)" : "");
	int inner = lane - 2; /* between the bars */
	int wl = ucols(what);
	if (wl > inner - 4) {
		what[inner - 4 > 4 ? inner - 4 : 4] = 0;
		wl = ucols(what);
	}
	int dashes = inner - 1 - wl; /* one cell for the arrow head */
	if (e->dir < 0)
		dashes = inner - wl;
	int lft = dashes / 2, rgt = dashes - lft;
	const char *fill_glyph = e->dir < 0 ? g->dots : g->hbar;
	size_t n = 0;
	n += (size_t)snprintf(mid + n, sizeof mid - n, "%s", g->vbar);
	if (e->dir == DIR_S2C)
		n += (size_t)snprintf(mid + n, sizeof mid - n, "%s", g->lhead);
	for (int i = 0; i < lft && n < sizeof mid - 8; i++)
		n += (size_t)snprintf(mid + n, sizeof mid - n, "%s", fill_glyph);
	n += (size_t)snprintf(mid + n, sizeof mid - n, "%s", what);
	for (int i = 0; i < rgt && n < sizeof mid - 8; i++)
		n += (size_t)snprintf(mid + n, sizeof mid - n, "%s", fill_glyph);
	if (e->dir == DIR_C2S)
		n += (size_t)snprintf(mid + n, sizeof mid - n, "%s", g->rhead);
	snprintf(mid + n, sizeof mid - n, "%s", g->vbar);
	snprintf(line, sizeof line, "%s  %s  %s", t, mid, fr);
	dl_add(A_NORMAL, line);
}

static void build_ladder(const struct ts_rec *m, int W)
{
	if (!m->nev) {
		dl_add(A_DIM, "  (no packets named as evidence)");
		return;
	}
	int lane = W - 11 - 2 - 2 - 8;
	if (lane > 64)
		lane = 64;
	if (lane < 24)
		lane = 24;
	char ce[80], se[80], line[300];
	if (m->client.family) {
		snprintf(line, sizeof line, "%11s  %-*s%*s", "", lane / 2, "client", lane - lane / 2, "server");
		dl_add(A_BOLD, line);
		endpoint_text(&m->client, m->cport, ce, sizeof ce);
		endpoint_text(&m->server, m->sport, se, sizeof se);
		int pad = lane - ucols(ce) - ucols(se);
		snprintf(line, sizeof line, "%11s  %s%*s%s", "", ce, pad > 1 ? pad : 1, "", se);
		dl_add(A_NORMAL, line);
	}
	ts_usec t0 = m->ev[0].ts;
	bool long_run = m->ev[m->nev - 1].ts - t0 >= 1000ull * 1000000;
	for (unsigned i = 0; i < m->nev; i++)
		ladder_line(&m->ev[i], t0, long_run, lane);
}

/* Under a Zeek-style TCP history (analyzer/tcp.c): what its letters say. */
static void history_legend(int W, int indent)
{
	dl_wrap(A_DIM,
		"S SYN, H SYN-ACK, A ACK, D data, F FIN, R reset, T retransmission, W zero window, C bad checksum, "
		"Q data or FIN without ACK; upper case: the client (initiator), lower case: the server; each letter "
		"once per side, in the order first seen",
		W - 1, indent, NULL);
}

static void build_verdict_body(const struct ts_rec *m, int W)
{
	dl_wrap(A_NORMAL, m->summary ? m->summary : "", W - 1, 0, NULL);
	dl_blank();
	dl_add(A_BOLD | A_UNDERLINE, "Evidence");
	build_ladder(m, W);
	if (m->ladder) {
		/* --points: the frame of each packet at each point */
		dl_blank();
		dl_add(A_BOLD | A_UNDERLINE, "Capture points");
		char line[640];
		for (const char *p = m->ladder; *p;) {
			const char *nl = strchr(p, '\n');
			size_t l = nl ? (size_t)(nl - p) : strlen(p);
			snprintf(line, sizeof line, "  %.*s", (int)l, p);
			dl_add(strstr(line, " lost ") ? A_BOLD : A_NORMAL, line);
			p += l + (nl != NULL);
		}
		if (m->where)
			dl_wrap(A_BOLD, m->where, W - 1, 9, "  where: ");
	}
	if (m->details && m->details[0]) {
		dl_blank();
		dl_add(A_BOLD | A_UNDERLINE, "Details");
		int kw = 0;
		for (const char *p = m->details; *p;) {
			const char *tab = strchr(p, '\t'), *nl = strchr(p, '\n');
			if (!tab || !nl)
				break;
			if (tab - p > kw)
				kw = (int)(tab - p);
			p = nl + 1;
		}
		if (kw > 24)
			kw = 24;
		for (const char *p = m->details; *p;) {
			const char *tab = strchr(p, '\t'), *nl = strchr(p, '\n');
			if (!tab || !nl || tab > nl)
				break;
			char key[64], val[VERDICT_VALUE_LEN + 8];
			snprintf(key, sizeof key, "  %-*.*s  ", kw, (int)(tab - p), p);
			snprintf(val, sizeof val, "%.*s", (int)(nl - tab - 1), tab + 1);
			dl_wrap(A_NORMAL, val, W - 1, kw + 4, key);
			if (!strncmp(p, "history\t", 8))
				history_legend(W, kw + 4);
			p = nl + 1;
		}
	}
	if (m->remediation) {
		dl_blank();
		dl_add(A_BOLD | A_UNDERLINE, "What to do");
		dl_wrap(A_NORMAL, m->remediation, W - 1, 0, NULL);
	}
}

static void build_verdict_detail(int W)
{
	const struct glyphs *g = gl();
	const struct ts_row *r = store_row(T.d_slot, T.d_gen);
	const struct ts_rec *m = store_row_member(r, T.d_seq);
	char line[700], ep[200], a[48], b[48];
	if (!m) {
		dl_add(A_BOLD, "This verdict is no longer kept (the view keeps the newest and the most severe).");
		return;
	}
	snprintf(line, sizeof line, "%s  %s", sev_tag(m->sev), m->id);
	dl_add(sev_attr(m->sev) | A_BOLD, line);
	endpoints_text(&m->client, m->cport, &m->server, m->sport, g->arrow, ep, sizeof ep);
	if (m->client.family && m->flow_id)
		snprintf(line, sizeof line, "%s  %s   flow %llu", proto_label(m->proto), ep,
			 (unsigned long long)m->flow_id);
	else if (m->client.family)
		snprintf(line, sizeof line, "%s  %s", proto_label(m->proto), ep);
	else
		snprintf(line, sizeof line, "%s", ep);
	dl_add(A_NORMAL, line);
	clock_text(m->first_ts, CLK_DATE, a, sizeof a);
	clock_text(m->last_ts, CLK_DATE, b, sizeof b);
	snprintf(line, sizeof line, "from %s to %s", a, b);
	dl_add(A_DIM, line);
	if (r->count > 1) {
		snprintf(line, sizeof line, "this row: %llu verdicts; %u kept, showing #%u (%s/%s or [ ] steps)",
			 (unsigned long long)r->count, r->kept, store_row_position(r, m->seq), T.utf8 ? "←" : "left",
			 T.utf8 ? "→" : "right");
		dl_add(A_BOLD, line);
	}
	dl_blank();
	build_verdict_body(m, W);
}

/* At the end of input the phases are as the last look at the table saw
 * them; say so rather than pass an old "waiting 0.1 s" off as final. */
static bool phase_stale(const struct ts_flow *f)
{
	return T.finished && f->phase_ts + 1000000 < T.list_now;
}

static void build_flow_detail(int W)
{
	const struct glyphs *g = gl();
	const struct ts_flow *f = &T.d_flow;
	char line[700], ep[200], a[48], b[48], idle[24];
	endpoints_text(&f->client, f->cport, &f->server, f->sport, g->arrow, ep, sizeof ep);
	snprintf(line, sizeof line, "FLOW %llu  %s  %s", (unsigned long long)f->id, proto_label(f->proto), ep);
	dl_add(A_BOLD, line);
	char when[24];
	clock_text(f->phase_ts, CLK_TIME, when, sizeof when);
	if (!f->phase[0])
		snprintf(line, sizeof line, "phase: (never seen in the flow table)");
	else
		snprintf(line, sizeof line, "phase: %s%s%s%s", f->phase, phase_stale(f) ? " (as of " : "",
			 phase_stale(f) ? when : "", phase_stale(f) ? ")" : "");
	dl_add(A_NORMAL, line);
	snprintf(line, sizeof line, "client %s server: %llu packets, %llu bytes   server %s client: %llu packets, %llu bytes",
		 g->arrow, (unsigned long long)f->pkts[0], (unsigned long long)f->bytes[0], g->arrow,
		 (unsigned long long)f->pkts[1], (unsigned long long)f->bytes[1]);
	dl_wrap(A_NORMAL, line, W - 1, 2, NULL);
	clock_text(f->first_ts, CLK_DATE, a, sizeof a);
	clock_text(f->last_ts, CLK_DATE, b, sizeof b);
	seconds_text(T.list_now > f->last_ts ? T.list_now - f->last_ts : 0, idle, sizeof idle);
	snprintf(line, sizeof line, "first packet %s, last %s (quiet for %s)", a, b, idle);
	dl_wrap(A_DIM, line, W - 1, 2, NULL);
	const struct ts_rec *v[64];
	size_t nv = store_flow_verdicts(f->id, v, 64);
	dl_blank();
	snprintf(line, sizeof line, "Verdicts on this flow (%zu kept)", nv);
	dl_add(A_BOLD | A_UNDERLINE, line);
	if (!nv)
		dl_add(A_DIM, "  none yet");
	for (size_t i = 0; i < nv; i++) {
		snprintf(line, sizeof line, "  %-4s %s", sev_tag(v[i]->sev), v[i]->id);
		dl_add(sev_attr(v[i]->sev), line);
	}
	if (nv) {
		dl_blank();
		snprintf(line, sizeof line, "%s %s", sev_tag(v[0]->sev), v[0]->id);
		dl_add(sev_attr(v[0]->sev) | A_BOLD, line);
		build_verdict_body(v[0], W);
	}
}

static void draw_detail(int H, int W)
{
	ndl = 0;
	if (T.detail_view == VIEW_VERDICTS)
		build_verdict_detail(W);
	else
		build_flow_detail(W);
	int top = 3, rows = H - 4;
	T.d_lines = ndl;
	if (T.d_scroll > ndl - rows)
		T.d_scroll = ndl - rows;
	if (T.d_scroll < 0)
		T.d_scroll = 0;
	for (int i = 0; i < rows; i++) {
		int k = T.d_scroll + i;
		fill(top + i, 0, W, A_NORMAL);
		if (k < ndl)
			put(top + i, 1, W - 1, DL[k].a, DL[k].s);
	}
	if (ndl > rows) {
		char b[32];
		snprintf(b, sizeof b, " %d/%d ", T.d_scroll + rows < ndl ? T.d_scroll + rows : ndl, ndl);
		put(H - 2, W - ucols(b), ucols(b), A_REVERSE, b);
	}
}

/* ---------- the two lists ---------- */

int tui_list_height(void)
{
	int H, W;
	getmaxyx(stdscr, H, W);
	(void)W;
	return H - 7 > 1 ? H - 7 : 1;
}

static void keep_in_view(size_t n, int rows)
{
	size_t *sel = &T.sel[T.view], *top = &T.top[T.view];
	if (n == 0) {
		*sel = *top = 0;
		return;
	}
	if (*sel >= n)
		*sel = n - 1;
	if (*sel < *top)
		*top = *sel;
	if (*sel >= *top + (size_t)rows)
		*top = *sel - (size_t)rows + 1;
	if (*top + (size_t)rows > n)
		*top = n > (size_t)rows ? n - (size_t)rows : 0;
}

static void summary_lines(int H, int W, const char *text, attr_t a)
{
	ndl = 0;
	if (text && *text)
		dl_wrap(a, text, W - 2, 1, NULL);
	for (int i = 0; i < 2; i++) {
		fill(H - 3 + i, 0, W, A_NORMAL);
		if (i < ndl) {
			char b[700];
			snprintf(b, sizeof b, "%s%s", DL[i].s, i == 1 && ndl > 2 ? gl()->more : "");
			put(H - 3 + i, 0, W, DL[i].a, b);
		}
	}
}

/* Clear line y for entry k of a list of n. Returns false when there is
 * no such entry (the first line of an empty list says `empty`); else
 * sets *base to the entry's attribute, reversed when it is selected. */
static bool list_line(int y, int W, size_t k, size_t n, size_t sel, const char *empty, attr_t *base)
{
	fill(y, 0, W, k == sel && k < n ? A_REVERSE : A_NORMAL);
	if (k >= n) {
		if (k == 0)
			put(y, 2, W - 2, A_DIM, empty);
		return false;
	}
	*base = k == sel ? A_REVERSE : A_NORMAL;
	return true;
}

/* The flow of a row in at most w columns: "tcp client → server", then
 * without the protocol, then without the client's (ephemeral) port. */
static void flow_fit(const struct ts_row *r, int w, char *buf, size_t len)
{
	const char *arrow = gl()->arrow;
	char ep[200];
	if (!r->client.family) {
		endpoints_text(&r->client, 0, &r->server, 0, arrow, buf, len);
		return;
	}
	endpoints_text(&r->client, r->cport, &r->server, r->sport, arrow, ep, sizeof ep);
	snprintf(buf, len, "%s %s", proto_label(r->proto), ep);
	if (ucols(buf) <= w)
		return;
	snprintf(buf, len, "%s", ep);
	if (ucols(buf) <= w)
		return;
	char c[64], s[80];
	addr_str(&r->client, c, sizeof c);
	endpoint_text(&r->server, r->sport, s, sizeof s);
	snprintf(buf, len, r->client.family == 6 ? "[%s] %s %s" : "%s %s %s", c, arrow, s);
}

/* An empty list's line: live before the first packet, say what it waits
 * for rather than that nothing is wrong. */
static const char *empty_text(const char *otherwise)
{
	static char b[160];
	if (T.pkts || !T.iface[0] || T.finished)
		return otherwise;
	snprintf(b, sizeof b, "waiting for packets on %s: nothing captured yet (check the interface and the filter)",
		 T.iface);
	return b;
}

/* A problem still developing (no verdict yet) on line y: its growing
 * wait, in the verdict list's columns, above the verdicts. */
static void draw_developing(int y, int W, const struct ts_flow *fl, int x_id, int x_flow, int x_sum, bool with_sum)
{
	char t[16], ep[200];
	fill(y, 0, W, A_NORMAL);
	clock_text(fl->phase_ts, CLK_SHORT, t, sizeof t);
	put(y, 1, 8, A_NORMAL, t);
	put(y, 10, 4, sev_attr(SEV_WARN), "WAIT");
	put(y, x_id, x_flow - x_id - 1, A_NORMAL, "developing");
	if (!with_sum) {
		put(y, x_flow, W - x_flow, A_BOLD, fl->problem);
		return;
	}
	endpoints_text(&fl->client, fl->cport, &fl->server, fl->sport, gl()->arrow, ep, sizeof ep);
	put(y, x_flow, x_sum - x_flow - 1, A_NORMAL, ep);
	put(y, x_sum, W - x_sum, A_BOLD, fl->problem);
}

#define DEV_LINES 3 /* developing problems shown above the verdicts */

static void draw_verdicts(int H, int W)
{
	const struct glyphs *g = gl();
	int rows = H - 7, y0 = 4;
	const struct ts_flow *dev[DEV_LINES];
	size_t ndev = T.finished ? 0 : store_developing(dev, DEV_LINES);
	while (ndev && rows - (int)ndev < 3)
		ndev--;
	rows -= (int)ndev;
	y0 += (int)ndev;
	keep_in_view(T.nrows, rows);
	/* column widths: the id column fits the longest id with its count */
	int idw = 10;
	for (size_t i = 0; i < T.nrows; i++) {
		int l = (int)strlen(T.rows[i].r.id);
		if (T.rows[i].r.count > 1) {
			char c[24];
			l += snprintf(c, sizeof c, " %s%llu", g->times, (unsigned long long)T.rows[i].r.count) -
			     (T.utf8 ? 1 : 0);
		}
		if (l > idw)
			idw = l;
	}
	if (idw > 30)
		idw = 30;
	int x_time = 1, x_sev = 10, x_id = 15, x_flow = x_id + idw + 1;
	int fw_need = 8;
	char ep[200];
	for (int i = 0; i < rows && T.top[0] + (size_t)i < T.nrows; i++) {
		flow_fit(&T.rows[T.top[0] + (size_t)i].r, 1000, ep, sizeof ep);
		if (ucols(ep) > fw_need)
			fw_need = ucols(ep);
	}
	for (size_t i = 0; i < ndev; i++) {
		endpoints_text(&dev[i]->client, dev[i]->cport, &dev[i]->server, dev[i]->sport, g->arrow, ep, sizeof ep);
		if (ucols(ep) > fw_need)
			fw_need = ucols(ep);
	}
	int avail = W - x_flow;
	int fw = avail;
	bool with_sum = avail >= fw_need + 20;
	if (with_sum)
		fw = fw_need;
	int x_sum = x_flow + fw + 1;

	fill(3, 0, W, A_BOLD | A_UNDERLINE);
	put(3, x_time, 8, A_BOLD | A_UNDERLINE, "time");
	put(3, x_sev, 4, A_BOLD | A_UNDERLINE, "sev");
	put(3, x_id, idw, A_BOLD | A_UNDERLINE, "verdict");
	put(3, x_flow, fw, A_BOLD | A_UNDERLINE, "flow");
	if (with_sum)
		put(3, x_sum, W - x_sum, A_BOLD | A_UNDERLINE, "summary");
	for (size_t i = 0; i < ndev; i++)
		draw_developing(4 + (int)i, W, dev[i], x_id, x_flow, x_sum, with_sum);

	for (int i = 0; i < rows; i++) {
		int y = y0 + i;
		size_t k = T.top[0] + (size_t)i;
		attr_t base;
		if (!list_line(y, W, k, T.nrows, T.sel[0],
			       T.filter.nwords ? "no verdict matches the filter" : empty_text("no verdicts yet"), &base))
			continue;
		const struct ts_view_row *v = &T.rows[k];
		const struct ts_row *r = &v->r;
		const char *mark = v->mark == 'f' ? g->g_first : v->mark == 'm' ? g->g_mid : v->mark == 'l' ? g->g_last : " ";
		put(y, 0, 1, base, mark);
		char t[16], idc[96], e2[220];
		clock_text(r->last_ts, CLK_SHORT, t, sizeof t);
		put(y, x_time, 8, base, t);
		put(y, x_sev, 4, base | sev_attr(r->sev), sev_tag(r->sev));
		if (r->count > 1)
			snprintf(idc, sizeof idc, "%s %s%llu", r->id, g->times, (unsigned long long)r->count);
		else
			snprintf(idc, sizeof idc, "%s", r->id);
		put(y, x_id, idw, base | sev_attr(r->sev), idc);
		flow_fit(r, fw, e2, sizeof e2);
		put(y, x_flow, fw, base, e2);
		if (with_sum) {
			const struct ts_rec *m = store_row_member(store_row(v->slot, v->gen), r->last_seq);
			put(y, x_sum, W - x_sum, base, m && m->summary ? m->summary : "");
		}
	}
	const char *sum = NULL;
	if (T.sel[0] < T.nrows) {
		const struct ts_view_row *v = &T.rows[T.sel[0]];
		const struct ts_rec *m = store_row_member(store_row(v->slot, v->gen), v->r.last_seq);
		sum = m ? m->summary : "(no longer kept)";
	}
	summary_lines(H, W, sum, A_NORMAL);
}

static void draw_flows(int H, int W)
{
	const struct glyphs *g = gl();
	int rows = H - 7, y0 = 4;
	keep_in_view(T.nflows, rows);
	bool wide = W >= 120;
	int fw_need = 12;
	char ep[200], b[640], h1[24], h2[24];
	for (int i = 0; i < rows && T.top[1] + (size_t)i < T.nflows; i++) {
		const struct ts_flow *f = &T.flows[T.top[1] + (size_t)i];
		endpoints_text(&f->client, f->cport, &f->server, f->sport, g->arrow, ep, sizeof ep);
		if (ucols(ep) > fw_need)
			fw_need = ucols(ep);
	}
	if (fw_need > 48)
		fw_need = 48;
	/* narrow: mark, proto, endpoints, phase; wide adds packets, bytes, quiet */
	int x_proto = 2, x_ep = 8, x_pk = x_ep + fw_need + 1, x_by = x_pk + 12, x_idle = x_by + 8;
	int x_ph = wide ? x_idle + 8 : x_pk;
	attr_t th = A_BOLD | A_UNDERLINE;
	fill(3, 0, W, th);
	put(3, x_proto, 5, th, "proto");
	put(3, x_ep, fw_need, th, "client > server");
	if (wide) {
		put(3, x_pk, 11, th, "  pkts c/s");
		put(3, x_by, 7, th, "  bytes");
		put(3, x_idle, 7, th, "  quiet");
	}
	put(3, x_ph, W - x_ph, th, T.finished ? "phase (as last seen)" : "phase");
	for (int i = 0; i < rows; i++) {
		int y = y0 + i;
		size_t k = T.top[1] + (size_t)i;
		attr_t base;
		if (!list_line(y, W, k, T.nflows, T.sel[1],
			       T.filter.nwords ? "no flow matches the filter" : empty_text("no flows yet"), &base))
			continue;
		const struct ts_flow *f = &T.flows[k];
		const char *m = f->worst == SEV_FAIL   ? "F"
				: f->worst == SEV_WARN ? "W"
				: f->worst == SEV_INFO ? "I"
				: f->worst == SEV_OK   ? "o"
						       : " ";
		put(y, 0, 1, base | (f->worst >= 0 ? sev_attr(f->worst) : A_NORMAL), m);
		put(y, x_proto, 5, base, proto_label(f->proto));
		endpoints_text(&f->client, f->cport, &f->server, f->sport, g->arrow, ep, sizeof ep);
		put(y, x_ep, fw_need, base, ep);
		if (wide) {
			human((double)f->pkts[0], h1, sizeof h1);
			human((double)f->pkts[1], h2, sizeof h2);
			snprintf(b, sizeof b, "%5s/%-5s", h1, h2);
			put(y, x_pk, 11, base, b);
			human((double)(f->bytes[0] + f->bytes[1]), h1, sizeof h1);
			snprintf(b, sizeof b, "%7s", h1);
			put(y, x_by, 7, base, b);
			seconds_text(T.list_now > f->last_ts ? T.list_now - f->last_ts : 0, h1, sizeof h1);
			snprintf(b, sizeof b, "%7s", h1);
			put(y, x_idle, 7, base, b);
		}
		if (T.finished && f->last_id)
			snprintf(b, sizeof b, "ended with %s; last seen: %s", f->last_id, f->phase);
		else if (wide && f->last_id)
			snprintf(b, sizeof b, "%s  [%s]", f->phase, f->last_id);
		else
			snprintf(b, sizeof b, "%s", f->phase);
		put(y, x_ph, W - x_ph, base | (phase_stale(f) ? A_DIM : A_NORMAL), b);
	}
	b[0] = 0;
	if (T.sel[1] < T.nflows) {
		const struct ts_flow *f = &T.flows[T.sel[1]];
		char idle[24], when[24], verd[160];
		seconds_text(T.list_now > f->last_ts ? T.list_now - f->last_ts : 0, idle, sizeof idle);
		endpoints_text(&f->client, f->cport, &f->server, f->sport, g->arrow, ep, sizeof ep);
		clock_text(f->phase_ts, CLK_SHORT, when, sizeof when);
		if (f->nverdicts)
			snprintf(verd, sizeof verd, "%u verdict%s, worst %s, last %s", f->nverdicts,
				 f->nverdicts == 1 ? "" : "s", severity_name((enum severity)f->worst), f->last_id);
		else
			snprintf(verd, sizeof verd, "no verdict yet");
		snprintf(b, sizeof b, "flow %llu %s %s, %llu/%llu pkts: %s%s%s; quiet %s; %s", (unsigned long long)f->id,
			 proto_label(f->proto), ep, (unsigned long long)f->pkts[0], (unsigned long long)f->pkts[1],
			 phase_stale(f) ? "at " : "", phase_stale(f) ? when : "", f->phase, idle, verd);
	}
	summary_lines(H, W, b, A_NORMAL);
}

/* ---------- help ---------- */

static void draw_help(int H, int W)
{
	static const char *const lines[] = {
		"shakedown live view: keys",
		"",
		"Up Down  j k    move (PgUp PgDn, Home End, g G)",
		"Enter           open the selected verdict or flow",
		"Esc  q          back; in the list q quits, Esc clears the filter",
		"F10             quit",
		"Tab             switch between the Verdicts and Flows lists",
		"/               filter: words that must all match",
		"                  fail warn info ok  that severity; warn+ = or worse",
		"                  tcp udp esp icmp   that protocol",
		"                  other words        text in id, hosts, summary, phase",
		"                  -word              must not match",
		"s               sort: most severe / newest (flows: recent / quiet)",
		"p               pause the display; the capture keeps running",
		"Left Right [ ]  in a verdict: the other verdicts of its row",
		"? F1 h          this help (h in the lists only)",
		"",
		"A row is one verdict id between two hosts; xN counts repeats.",
		"Rows about the same two hosts are bracketed together on the left.",
	};
	int n = (int)(sizeof lines / sizeof lines[0]);
	int w = 0;
	for (int i = 0; i < n; i++)
		if ((int)strlen(lines[i]) > w)
			w = (int)strlen(lines[i]);
	w += 4;
	if (w > W)
		w = W;
	int h = n + 2;
	if (h > H)
		h = H;
	int y0 = (H - h) / 2, x0 = (W - w) / 2;
	for (int i = 0; i < h; i++)
		fill(y0 + i, x0, w, A_REVERSE);
	for (int i = 0; i < n && i + 1 < h - 1; i++)
		put(y0 + 1 + i, x0 + 2, w - 4, i == 0 ? A_REVERSE | A_BOLD : A_REVERSE, lines[i]);
}

void tui_draw(void)
{
	int H, W;
	getmaxyx(stdscr, H, W);
	erase();
	if (H < 12 || W < 40) {
		put(0, 0, W, A_BOLD, "too small: 40x12 needed");
		refresh();
		return;
	}
	draw_header(W);
	if (T.detail) {
		draw_detail(H, W);
	} else if (T.view == VIEW_VERDICTS) {
		draw_verdicts(H, W);
	} else {
		draw_flows(H, W);
	}
	draw_footer(H, W);
	if (T.help)
		draw_help(H, W);
	refresh();
}
