/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_tcp_timewait.c - the TIME_WAIT table (analyzer/tcp-timewait.c) on
 * its own: a record reads back as written, whatever its times (a 16-byte
 * slot holds close times near its epoch, the side pool the rest and the
 * client's reset attempts); four ways a set, the oldest pushed out and
 * counted; memory taken as closes come. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer/tcp-int.h"

#define T0 1700000000123457ull               /* a close time, to the microsecond */
#define YEAR (365ull * 24 * 3600 * 1000000)  /* in microseconds */

/* A TCP flow 192.0.2.10:port -> 198.51.100.20:22 whose set is hash's. */
static struct flow mk(uint16_t port, uint32_t hash)
{
	struct flow f;
	memset(&f, 0, sizeof f);
	f.key.family = 4;
	f.key.proto = 6;
	memcpy(f.key.a, (uint8_t[]){ 192, 0, 2, 10 }, 4);
	memcpy(f.key.b, (uint8_t[]){ 198, 51, 100, 20 }, 4);
	f.key.pa = port;
	f.key.pb = 22;
	f.hash = hash;
	return f;
}

static void start(void)
{
	config_defaults(&sd_cfg);
	tcp_timewait_init();
}

static void assert_same_record(const struct tw_record *got, const struct tw_record *want)
{
	assert_int_equal(got->close_ts, want->close_ts);
	assert_int_equal(got->frame, want->frame);
	assert_int_equal(got->rst_attempt, want->rst_attempt);
	if (!want->rst_attempt)
		return;
	assert_int_equal(got->first_syn_ts, want->first_syn_ts);
	assert_int_equal(got->isn, want->isn);
	assert_int_equal(got->first_syn_frame, want->first_syn_frame);
	assert_int_equal(got->syn_count, want->syn_count);
}

/* Close times to the microsecond: near the first close, ten years after
 * it, six years before it (a clock that jumps), and 0; a reset attempt
 * whole, then a close on its 4-tuple in its place. */
static void test_record_reads_back_exactly(void **st)
{
	(void)st;
	start();
	struct flow f[5];
	struct tw_record want[5] = {
		{ .close_ts = T0, .frame = 7 },
		{ .close_ts = T0 + 10 * YEAR + 1, .frame = 4000000000u },
		{ .close_ts = T0 - 6 * YEAR - 3, .frame = 9 },
		{ .close_ts = 0, .frame = 1 },
		{ .close_ts = T0 + 999999, .frame = 12, .rst_attempt = true, .isn = 0xdeadbeefu,
		  .first_syn_ts = T0 - 1234567, .first_syn_frame = 5, .syn_count = 3 },
	};
	for (int i = 0; i < 5; i++) {
		f[i] = mk((uint16_t)(40000 + i), (uint32_t)i * 7919u);
		tcp_timewait_put(&f[i], &want[i]);
	}
	struct tw_record got;
	for (int i = 0; i < 5; i++) {
		memset(&got, 0xa5, sizeof got);
		assert_true(tcp_timewait_find(&f[i], &got));
		assert_same_record(&got, &want[i]);
	}
	struct flow other = mk(50000, 0); /* f[0]'s set, another 4-tuple */
	assert_false(tcp_timewait_find(&other, &got));

	/* the 4-tuple of the reset attempt closes cleanly later */
	struct tw_record closed = { .close_ts = T0 + 5000000, .frame = 20 };
	tcp_timewait_put(&f[4], &closed);
	assert_true(tcp_timewait_find(&f[4], &got));
	assert_same_record(&got, &closed);
	/* and resets an attempt again: the pool record given back is taken again */
	tcp_timewait_put(&f[4], &want[4]);
	for (int i = 0; i < 5; i++) { /* and the others' records are untouched */
		assert_true(tcp_timewait_find(&f[i], &got));
		assert_same_record(&got, &want[i]);
	}
	tcp_timewait_free();
}

/* Five closes in one set, all in TIME_WAIT: the fifth pushes out the
 * oldest (not the first written), counted once; a close after TIME_WAIT
 * takes a way without counting. */
static void test_set_keeps_four_and_counts(void **st)
{
	(void)st;
	start();
	const ts_usec at[5] = { T0 + 3000000, T0, T0 + 1000000, T0 + 2000000, T0 + 4000000 };
	struct flow f[5];
	struct tw_record got;
	for (int i = 0; i < 5; i++) {
		f[i] = mk((uint16_t)(40000 + i), 0x12345u + ((uint32_t)i << 20)); /* one set */
		tcp_timewait_put(&f[i], &(struct tw_record){ .close_ts = at[i], .frame = (uint32_t)i + 1 });
	}
	assert_int_equal(tcp_timewait_limit().times, 1);
	assert_int_equal(tcp_timewait_limit().limit, 131072);
	assert_int_equal(tcp_timewait_limit().first_frame, 5);
	assert_false(tcp_timewait_find(&f[1], &got)); /* the oldest close */
	for (int i = 0; i < 5; i++)
		if (i != 1) {
			assert_true(tcp_timewait_find(&f[i], &got));
			assert_int_equal(got.close_ts, at[i]);
		}
	struct flow late = mk(41000, 0x12345u);
	tcp_timewait_put(&late, &(struct tw_record){ .close_ts = T0 + 2 * sd_cfg.msl + 5000000, .frame = 6 });
	assert_int_equal(tcp_timewait_limit().times, 1);
	assert_true(tcp_timewait_find(&late, &got));
	tcp_timewait_free();
}

/* Nothing is allocated before the first close; one close takes one 4 KiB
 * block of slots, a reset attempt a block of the pool too. */
static void test_memory_follows_use(void **st)
{
	(void)st;
	start();
	assert_int_equal(tcp_timewait_bytes(), 0);
	struct flow a = mk(40000, 1), b = mk(40001, 2);
	tcp_timewait_put(&a, &(struct tw_record){ .close_ts = T0, .frame = 1 });
	assert_int_equal(tcp_timewait_bytes(), 4096);
	tcp_timewait_put(&b, &(struct tw_record){ .close_ts = T0, .frame = 2, .rst_attempt = true, .isn = 1 });
	assert_int_equal(tcp_timewait_bytes(), 8192);
	tcp_timewait_init(); /* the next run starts empty */
	assert_int_equal(tcp_timewait_bytes(), 0);
	struct tw_record got;
	assert_false(tcp_timewait_find(&a, &got));
	tcp_timewait_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_reads_back_exactly),
		cmocka_unit_test(test_set_keeps_four_and_counts),
		cmocka_unit_test(test_memory_follows_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
