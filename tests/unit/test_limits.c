/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_limits.c - the per-verdict caps (evidence frames, details) count
 * what did not fit, with the first frame that did not, and start from zero
 * with every run; the limit names cover every table. The tables fed by
 * traffic are tested whole by tests/scripts/test-limits.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "analyzer/verdict.h"
#include "capture/limits.h"

static void test_evidence_cap(void **state)
{
	(void)state;
	verdict_reset_counts();
	struct verdict v;
	verdict_begin(&v, V_TCP_SYN_UNANSWERED, SEV_FAIL, NULL);
	for (unsigned i = 1; i <= VERDICT_MAX_EVIDENCE + 6; i++)
		verdict_evidence(&v, i, 1700000000000000 + i, 0, "SYN %u", i);
	assert_int_equal(v.nevidence, VERDICT_MAX_EVIDENCE);
	/* merging frames already listed is no loss; new ones are */
	verdict_add_evidence(&v, v.ev, 3);
	struct evidence extra = v.ev[0];
	extra.frame = 999;
	verdict_add_evidence(&v, &extra, 1);
	struct run_summary sum;
	memset(&sum, 0, sizeof sum);
	verdict_fill_limits(&sum);
	const struct limit_hit *h = &sum.limits[LIMIT_EVIDENCE];
	assert_int_equal(h->times, 7);
	assert_int_equal(h->limit, VERDICT_MAX_EVIDENCE);
	assert_int_equal(h->first_frame, VERDICT_MAX_EVIDENCE + 1);
	assert_int_equal(h->first_ts, 1700000000000000 + VERDICT_MAX_EVIDENCE + 1);
	verdict_reset_counts();
	verdict_fill_limits(&sum);
	assert_int_equal(sum.limits[LIMIT_EVIDENCE].times, 0);
}

struct keys {
	const char *k[64];
	unsigned n;
};

static void collect(const struct catalog_detail *d, void *arg)
{
	struct keys *ks = arg;
	if (ks->n < 64)
		ks->k[ks->n++] = d->key;
}

static void test_details_cap(void **state)
{
	(void)state;
	verdict_reset_counts();
	struct keys ks = { .n = 0 };
	catalog_foreach_detail(V_SSH_AUTH_FAILED_LIKELY, collect, &ks);
	assert_true(ks.n > VERDICT_MAX_DETAILS);
	/* a sink that reads verdicts in full: with none, nothing is formatted */
	verdict_clear_sinks();
	verdict_add_sink(&(struct verdict_sink){ .on_verdict = NULL });
	struct verdict v;
	verdict_begin(&v, V_SSH_AUTH_FAILED_LIKELY, SEV_WARN, NULL);
	for (unsigned i = 0; i < ks.n; i++)
		verdict_int(&v, ks.k[i], i);
	verdict_int(&v, ks.k[0], 5); /* an update needs no new slot */
	assert_int_equal(v.ndetails, VERDICT_MAX_DETAILS);
	struct run_summary sum;
	memset(&sum, 0, sizeof sum);
	verdict_fill_limits(&sum);
	assert_int_equal(sum.limits[LIMIT_DETAILS].times, ks.n - VERDICT_MAX_DETAILS);
	assert_int_equal(sum.limits[LIMIT_DETAILS].limit, VERDICT_MAX_DETAILS);
	verdict_reset_counts();
}

static void test_every_table_named(void **state)
{
	(void)state;
	for (int i = 0; i < LIMIT_COUNT; i++) {
		const struct limit_info *li = limit_info((enum limit_table)i);
		assert_non_null(li->key);
		assert_non_null(li->table);
		assert_non_null(li->unit);
		assert_non_null(li->lost);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(li->key, limit_info((enum limit_table)j)->key);
	}
}

static void test_limit_note_keeps_first(void **state)
{
	(void)state;
	struct limit_hit h = { .limit = 4 };
	limit_note(&h, 100, 7);
	limit_note(&h, 200, 9);
	assert_int_equal(h.times, 2);
	assert_int_equal(h.first_ts, 100);
	assert_int_equal(h.first_frame, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evidence_cap),
		cmocka_unit_test(test_details_cap),
		cmocka_unit_test(test_every_table_named),
		cmocka_unit_test(test_limit_note_keeps_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
