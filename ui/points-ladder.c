/* SPDX-License-Identifier: GPL-2.0-or-later */
/* points-ladder.c - a verdict's per-point ladder as text lines (--points):
 * every packet of its flow with the frame that shows it at each point.
 * The text report prints the lines; the live view keeps them with the
 * verdict and draws them in its detail pane. */
#include "points-ladder.h"
#include "analyzer/points.h"
#include "capture/sanitize.h"

#include <stdio.h>
#include <string.h>

#define LINE_LEN 512

/* Append to a line that may be cut at its end. */
static size_t add(char *buf, size_t o, const char *fmt, const char *s, int n)
{
	if (o >= LINE_LEN)
		return o;
	int k = n >= 0 ? snprintf(buf + o, LINE_LEN - o, fmt, n, s) : snprintf(buf + o, LINE_LEN - o, fmt, s);
	return k < 0 ? o : o + (size_t)k;
}

static void row(const struct points *P, const struct points_cross *c, ts_usec t0,
		void (*line)(void *arg, const char *s), void *arg)
{
	char buf[LINE_LEN], cell[24];
	int o = snprintf(buf, sizeof buf, "  %+9.3fs  %s  %-16.16s", (double)((int64_t)c->t0 - (int64_t)t0) / 1e6,
			 c->dir == DIR_C2S ? "  -->" : "<--  ", c->what);
	size_t n = o < 0 ? 0 : (size_t)o;
	for (unsigned k = 0; k < P->n; k++) {
		if (c->rec[k] != POINTS_NONE)
			snprintf(cell, sizeof cell, "#%llu", (unsigned long long)P->rec[c->rec[k]].frame);
		else
			snprintf(cell, sizeof cell, "%s", c->judged[k] || P->p[k].pflog ? "--" : "..");
		n = add(buf, n, " %-10s", cell, -1);
	}
	if (c->lost) {
		char from[POINTS_NAME_LEN * 4], to[POINTS_NAME_LEN * 4];
		sanitize_text(P->p[c->lost_from].name, from, sizeof from);
		sanitize_text(P->p[c->lost_to].name, to, sizeof to);
		n = add(buf, n, " lost %s", from, -1);
		add(buf, n, "->%s", to, -1);
	}
	line(arg, buf);
}

bool points_ladder(const struct verdict *v, void (*line)(void *arg, const char *s), void *arg, char *conclusion,
		   size_t len)
{
	const struct points *P = points_active();
	struct points_view w;
	if (!P || !points_explain(P, v, &w))
		return false;
	line(arg, "where (client <-> server; frame at each point, -- not seen, .. not capturing):");
	char buf[LINE_LEN];
	int o = snprintf(buf, sizeof buf, "  %10s  %5s  %-16s", "", "", "");
	size_t n = o < 0 ? 0 : (size_t)o;
	for (unsigned k = 0; k < P->n; k++) {
		char name[POINTS_NAME_LEN * 4];
		sanitize_text(P->p[k].name, name, sizeof name);
		/* pad to 10 columns by the raw name's length, as the cells are */
		size_t raw = strlen(P->p[k].name);
		n = add(buf, n, " %s", name, -1);
		n = add(buf, n, "%*s", "", raw < 10 ? (int)(10 - raw) : 0);
	}
	line(arg, buf);
	ts_usec t0 = w.c[0].t0;
	for (unsigned i = 0; i < w.ncross; i++) {
		if (w.ncross > POINTS_LADDER_ROWS && i == POINTS_LADDER_ROWS / 2) {
			snprintf(buf, sizeof buf, "  ... %u packets ...", w.ncross - POINTS_LADDER_ROWS);
			line(arg, buf);
			i = w.ncross - POINTS_LADDER_ROWS / 2;
		}
		row(P, &w.c[i], t0, line, arg);
	}
	snprintf(conclusion, len, "%s", w.conclusion);
	points_view_free(&w);
	return true;
}
