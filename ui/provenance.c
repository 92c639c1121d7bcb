/* SPDX-License-Identifier: GPL-2.0-or-later */
/* provenance.c - the inputs of a run and which one a frame came from.
 *
 * Frame numbers restart with every -r file, so a frame number alone does
 * not name its packet. Each input records the range of frame numbers and
 * times it held and the id of the first flow made while it was read. A
 * verdict's flow id then names the file its flow began in; an evidence
 * frame belongs to the first input, from that file on (and no later than
 * the file being read now), whose frame and time ranges hold it. */
#include "provenance.h"

#include <string.h>

static struct {
	struct provenance_input in[PROVENANCE_MAX_FILES];
	int n;
	int cur; /* the input being read */
	bool live;
} P;

void provenance_begin(const char *const *names, int n, bool live)
{
	memset(&P, 0, sizeof P);
	if (n > PROVENANCE_MAX_FILES)
		n = PROVENANCE_MAX_FILES;
	for (int i = 0; i < n; i++) {
		P.in[i].name = names[i];
		P.in[i].linktype = -1;
	}
	P.n = n;
	P.live = live;
}

void provenance_note_frame(const struct capture_frame *fr, uint64_t flows_created)
{
	if (fr->file < 0 || fr->file >= P.n)
		return;
	struct provenance_input *in = &P.in[fr->file];
	P.cur = fr->file;
	if (!in->packets) {
		in->linktype = fr->linktype;
		in->first_flow = flows_created + 1;
		in->first_ts = fr->ts;
	}
	in->packets++;
	if (fr->frame > in->frames)
		in->frames = fr->frame;
	if (fr->ts < in->first_ts)
		in->first_ts = fr->ts;
	if (fr->ts > in->last_ts)
		in->last_ts = fr->ts;
}

int provenance_count(void)
{
	return P.n;
}

bool provenance_live(void)
{
	return P.live;
}

const struct provenance_input *provenance_input(int i)
{
	return i >= 0 && i < P.n ? &P.in[i] : NULL;
}

const char *provenance_name(int i)
{
	return i >= 0 && i < P.n ? P.in[i].name : NULL;
}

/* The input being read when flow id was made; -1 when unknown. */
static int flow_input(uint64_t id)
{
	if (!id)
		return -1;
	for (int i = P.cur; i >= 0; i--)
		if (P.in[i].packets && P.in[i].first_flow <= id)
			return i;
	return -1;
}

static bool holds(const struct provenance_input *in, const struct evidence *e)
{
	return in->packets && e->frame <= in->frames && e->ts >= in->first_ts && e->ts <= in->last_ts;
}

int provenance_of_evidence(const struct verdict *v, const struct evidence *e)
{
	if (P.n <= 1)
		return 0;
	int f = flow_input(v->flow_id);
	if (f >= 0) {
		for (int i = f; i <= P.cur; i++)
			if (holds(&P.in[i], e))
				return i;
		return f;
	}
	/* no flow (an IKE SA, an aggregate): the newest input that fits */
	for (int i = P.cur; i >= 0; i--)
		if (holds(&P.in[i], e))
			return i;
	return P.cur;
}

int provenance_of_verdict(const struct verdict *v)
{
	if (P.n <= 1)
		return 0;
	if (v->nevidence)
		return provenance_of_evidence(v, &v->ev[0]);
	return flow_input(v->flow_id);
}

void provenance_span(ts_usec *first, ts_usec *last, uint64_t *last_frame)
{
	*first = *last = 0;
	*last_frame = 0;
	for (int i = 0; i < P.n; i++) {
		const struct provenance_input *in = &P.in[i];
		if (!in->packets)
			continue;
		if (!*first || in->first_ts < *first)
			*first = in->first_ts;
		if (in->last_ts > *last)
			*last = in->last_ts;
		*last_frame = in->frames;
	}
}
