/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_verdict.c - brief sinks (verdicts nobody reads in full are not
 * formatted), evidence order, and the digest helper (fetched algorithms, hex). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "analyzer/digest.h"
#include "analyzer/verdict.h"

static struct verdict last;
static int nseen;

static void on_verdict(const struct verdict *v, void *arg)
{
	(void)arg;
	last = *v;
	nseen++;
}

static void emit_two(void)
{
	struct verdict v;
	verdict_begin(&v, V_TCP_OK, SEV_OK, NULL);
	verdict_evidence(&v, 7, 1000, DIR_C2S, "SYN %d", 1);
	verdict_summary(&v, "opened in %.3f s", 0.5);
	verdict_int(&v, "client_bytes", 42);
	verdict_emit(&v);
}

static void test_brief_ok_not_formatted(void **state)
{
	(void)state;
	verdict_clear_sinks();
	struct verdict_sink s = { on_verdict, NULL, NULL };
	verdict_add_sink_brief(&s, 1u << SEV_OK);
	nseen = 0;
	emit_two();
	assert_int_equal(nseen, 1);
	assert_true(last.brief);
	assert_string_equal(last.id, "tcp.ok");
	/* the frame and its time are kept, the text is not */
	assert_int_equal(last.nevidence, 1);
	assert_int_equal(last.ev[0].frame, 7);
	assert_int_equal(last.first_ts, 1000);
	assert_string_equal(last.ev[0].what, "");
	assert_string_equal(last.summary, "");
	assert_int_equal(last.ndetails, 0);
	verdict_clear_sinks();
}

static void test_one_full_sink_formats(void **state)
{
	(void)state;
	verdict_clear_sinks();
	struct verdict_sink s = { on_verdict, NULL, NULL };
	verdict_add_sink_brief(&s, 1u << SEV_OK);
	verdict_add_sink(&s); /* a second sink that reads everything */
	nseen = 0;
	emit_two();
	assert_int_equal(nseen, 2);
	assert_false(last.brief);
	assert_string_equal(last.ev[0].what, "SYN 1");
	assert_string_equal(last.summary, "opened in 0.500 s");
	assert_int_equal(last.ndetails, 1);
	assert_int_equal(last.details[0].i, 42);
	verdict_clear_sinks();
}

/* Evidence is emitted in frame order; entries of the same frame keep the
 * order they were added in. */
static void test_evidence_frame_order(void **state)
{
	(void)state;
	verdict_clear_sinks();
	struct verdict_sink s = { on_verdict, NULL, NULL };
	verdict_add_sink(&s);
	struct verdict v;
	verdict_begin(&v, V_TCP_OK, SEV_OK, NULL);
	static const uint64_t frames[] = { 9, 3, 5, 3, 1, 9, 2 };
	static const char *const what[] = { "a", "b", "c", "d", "e", "f", "g" };
	for (unsigned i = 0; i < 7; i++)
		verdict_evidence(&v, frames[i], (ts_usec)(100 + frames[i]), DIR_C2S, "%s", what[i]);
	verdict_emit(&v);
	static const uint64_t want_frames[] = { 1, 2, 3, 3, 5, 9, 9 };
	static const char *const want_what[] = { "e", "g", "b", "d", "c", "a", "f" };
	assert_int_equal(last.nevidence, 7);
	for (unsigned i = 0; i < 7; i++) {
		assert_int_equal(last.ev[i].frame, want_frames[i]);
		assert_string_equal(last.ev[i].what, want_what[i]);
	}
	assert_int_equal(last.first_ts, 101);
	assert_int_equal(last.last_ts, 109);
	verdict_clear_sinks();
}

static void test_digest_md5_sha1(void **state)
{
	(void)state;
	uint8_t md[DIGEST_MAX];
	char hex[2 * DIGEST_MAX + 1];
	/* RFC 1321 and FIPS 180 test vectors for "abc" */
	assert_int_equal(digest_once(DIGEST_MD5, "abc", 3, md), 16);
	digest_hex(md, 16, hex);
	assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");
	assert_true(digest_begin(DIGEST_SHA1));
	assert_true(digest_update("a", 1));
	assert_true(digest_update("bc", 2));
	assert_int_equal(digest_end(md), 20);
	digest_hex(md, 20, hex);
	assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_brief_ok_not_formatted),
		cmocka_unit_test(test_one_full_sink_formats),
		cmocka_unit_test(test_evidence_frame_order),
		cmocka_unit_test(test_digest_md5_sha1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
