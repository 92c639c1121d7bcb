/* SPDX-License-Identifier: GPL-2.0-or-later */
/* points.h - what several capture points say about a verdict's flow
 * (--points): every packet of the flow with the points that saw it, the
 * first packet lost between two points (place and direction), and one
 * sentence that names it. The matching itself is capture/points.h.
 *
 * The first point is the one analysed; points_explain() looks the
 * verdict's flow up at every point (through the NAT translation learned
 * from its matched packets), points_annotate() adds the `points` detail
 * keys (catalog.def) to each verdict, and the sinks draw the ladder from
 * points_explain() themselves. */
#ifndef SHAKEDOWN_ANALYZER_POINTS_H
#define SHAKEDOWN_ANALYZER_POINTS_H

#include "../capture/points.h"
#include "verdict.h"

/* One packet of the flow and where it was seen. */
struct points_cross {
	ts_usec t0;     /* first sighting, on the first point's clock */
	int dir;        /* DIR_C2S or DIR_S2C */
	char what[24];
	uint32_t rec[POINTS_MAX];  /* its record at each point, POINTS_NONE if not seen */
	bool judged[POINTS_MAX];   /* the point was capturing then (not pflog) */
	bool lost;
	unsigned lost_from, lost_to; /* points: last that saw it, first that did not */
};

#define POINTS_CROSS_MAX 4096

struct points_view {
	unsigned ncross;      /* crossings, in time order */
	struct points_cross *c;
	unsigned seen_mask;   /* points (bits) that saw a packet of the flow */
	unsigned nlost;
	int key;              /* crossing the conclusion is about, or -1 */
	const char *place;    /* "inside", "before", "beyond", "between", "none" */
	char lost_between[2 * POINTS_NAME_LEN + 2];
	char direction[2 * POINTS_NAME_LEN + 4];
	char conclusion[VERDICT_VALUE_LEN];
	bool pf_block;        /* a pflog point logged the key packet blocked */
	struct pflog_meta pf;
};

/* Use P for the verdicts of this run (NULL: none, the default). */
void points_activate(const struct points *P);
const struct points *points_active(void);
/* Explain v's flow. false when v has no flow or no point saw it; else
 * the caller frees out->c with points_view_free. */
bool points_explain(const struct points *P, const struct verdict *v, struct points_view *out);
void points_view_free(struct points_view *out);
/* The verdict annotator (verdict_set_annotator) of a --points run. */
void points_annotate(struct verdict *v, void *arg);

#endif
