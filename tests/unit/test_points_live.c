/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_points_live.c - the live points table (points_live_add, fed frame
 * by frame in time order as --points -i feeds it) explains a verdict as
 * the table read from the files (points_load) does: the lab's lan and wan
 * captures of points-drop-s2c and points-nat-drop, merged by time as the
 * live source merges two interfaces. Also: the table starts over when
 * full, and counts it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/points.h"

struct held {
	struct capture_frame fr;
	uint8_t *copy;
};

struct frames {
	struct held *f;
	size_t n, cap;
	int file;
};

static void keep(void *arg, const struct capture_frame *fr)
{
	struct frames *F = arg;
	if (F->n == F->cap) {
		F->cap = F->cap ? F->cap * 2 : 64;
		F->f = realloc(F->f, F->cap * sizeof *F->f);
		assert_non_null(F->f);
	}
	struct held *h = &F->f[F->n++];
	h->fr = *fr;
	h->fr.file = F->file;
	h->copy = malloc(fr->caplen ? fr->caplen : 1);
	assert_non_null(h->copy);
	memcpy(h->copy, fr->data, fr->caplen);
	h->fr.data = h->copy;
}

static void read_file(const char *path, struct frames *F, int file)
{
	struct capture_opts o;
	memset(&o, 0, sizeof o);
	o.files = &path;
	o.nfiles = 1;
	char err[256] = "";
	struct capture_source *s = capture_source_open(&o, err, sizeof err);
	assert_non_null(s);
	F->file = file;
	struct capture_sink sink = { keep, NULL, F };
	assert_int_equal(capture_source_run(s, &sink, NULL, err, sizeof err), CAPTURE_OK);
	capture_source_close(s);
}

static int by_time(const void *a, const void *b)
{
	const struct held *x = a, *y = b;
	if (x->fr.ts != y->fr.ts)
		return x->fr.ts < y->fr.ts ? -1 : 1;
	return x->fr.file - y->fr.file;
}

/* The scenario's lan and wan files, offline and live; the verdict is about
 * the first flow at lan, failed. */
static void same_explanation(const char *scenario, const char *place, const char *direction)
{
	char lan[512], wan[512];
	snprintf(lan, sizeof lan, "%s/pcaps/points/%s/lan.pcap", SOURCE_DIR, scenario);
	snprintf(wan, sizeof wan, "%s/pcaps/points/%s/wan.pcap", SOURCE_DIR, scenario);
	char names[2][POINTS_NAME_LEN] = { "lan", "wan" };
	const char *paths[2] = { lan, wan };
	char err[256] = "";
	struct points *F = points_load(2, names, paths, NULL, err, sizeof err);
	assert_non_null(F);
	const char *ifaces[2] = { "if0", "if1" };
	struct points *L = points_live_new(2, names, ifaces, err, sizeof err);
	assert_non_null(L);
	assert_true(L->live);

	struct frames all = { 0 };
	read_file(lan, &all, 0);
	read_file(wan, &all, 1);
	qsort(all.f, all.n, sizeof *all.f, by_time);
	for (size_t i = 0; i < all.n; i++)
		points_live_add(L, &all.f[i].fr);
	/* a last frame of nothing, a second later, settles every packet */
	assert_int_equal(L->nrec, F->nrec);

	struct verdict v;
	memset(&v, 0, sizeof v);
	v.sev = SEV_FAIL;
	v.proto = F->rec[0].proto;
	v.client = F->rec[0].src;
	v.server = F->rec[0].dst;
	v.cport = F->rec[0].sport;
	v.sport = F->rec[0].dport;
	struct points_view a, b;
	assert_true(points_explain(F, &v, &a));
	/* live, both interfaces capture from the first frame to 100 ms before
	 * the newest: packets a file leaves outside its own first-to-last
	 * interval are judged, so at least as many are lost */
	assert_true(points_explain(L, &v, &b));
	assert_true(b.nlost >= a.nlost);
	assert_string_equal(b.place, place);
	points_view_free(&b);
	/* with the files' own intervals, the same explanation */
	for (unsigned k = 0; k < 2; k++) {
		L->p[k].first_ts = F->p[k].first_ts;
		L->p[k].last_ts = F->p[k].last_ts;
	}
	assert_true(points_explain(L, &v, &b));
	assert_string_equal(a.place, place);
	assert_string_equal(a.direction, direction);
	assert_string_equal(b.place, a.place);
	assert_string_equal(b.direction, a.direction);
	assert_string_equal(b.lost_between, a.lost_between);
	assert_int_equal(b.nlost, a.nlost);
	assert_int_equal(b.ncross, a.ncross);
	for (unsigned i = 0; i < a.ncross; i++)
		for (unsigned k = 0; k < 2; k++) {
			uint32_t ra = a.c[i].rec[k], rb = b.c[i].rec[k];
			assert_int_equal(ra == POINTS_NONE, rb == POINTS_NONE);
			if (ra != POINTS_NONE)
				assert_int_equal(F->rec[ra].frame, L->rec[rb].frame);
		}
	assert_string_equal(b.conclusion, a.conclusion);
	assert_int_equal(L->p[1].matched, F->p[1].matched);
	assert_int_equal(L->hops[0][1], F->hops[0][1]);
	points_view_free(&a);
	points_view_free(&b);
	for (size_t i = 0; i < all.n; i++)
		free(all.f[i].copy);
	free(all.f);
	points_free(F);
	points_free(L);
}

static void test_drop_s2c(void **state)
{
	(void)state;
	same_explanation("points-drop-s2c", "inside", "wan->lan");
}

static void test_nat_drop(void **state)
{
	(void)state;
	same_explanation("points-nat-drop", "inside", "lan->wan");
}

/* The live judgement stops 100 ms before the newest frame: a packet seen
 * at lan only, just now, is not (yet) lost. */
static void test_settle(void **state)
{
	(void)state;
	char names[2][POINTS_NAME_LEN] = { "lan", "wan" };
	const char *ifaces[2] = { "if0", "if1" };
	char err[256] = "";
	struct points *L = points_live_new(2, names, ifaces, err, sizeof err);
	assert_non_null(L);
	char lan[512];
	snprintf(lan, sizeof lan, "%s/pcaps/points/points-drop-s2c/lan.pcap", SOURCE_DIR);
	struct frames all = { 0 };
	read_file(lan, &all, 0);
	assert_true(all.n >= 3);
	/* the SYN, at lan only: not judged at wan yet */
	points_live_add(L, &all.f[0].fr);
	assert_false(points_capturing(L, 1, all.f[0].fr.ts));
	/* 150 ms later, anything at lan: now it is */
	all.f[1].fr.ts = all.f[0].fr.ts + 150000;
	points_live_add(L, &all.f[1].fr);
	assert_true(points_capturing(L, 1, all.f[0].fr.ts));
	/* fill the table: it starts over, and counts it */
	for (uint32_t i = L->nrec; i <= POINTS_LIVE_RECORDS; i++) {
		all.f[2].fr.ts = all.f[1].fr.ts + i;
		points_live_add(L, &all.f[2].fr);
	}
	assert_int_equal(L->restarts, 1);
	assert_int_equal(L->nrec, 1);
	for (size_t i = 0; i < all.n; i++)
		free(all.f[i].copy);
	free(all.f);
	points_free(L);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_s2c),
		cmocka_unit_test(test_nat_drop),
		cmocka_unit_test(test_settle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
