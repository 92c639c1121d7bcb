/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_cursor.c - capture/cursor.h: every accessor at the end of its
 * window and one byte past it, the latching of `bad`, sub-cursors and
 * peeks. Buffers are heap copies of exactly the bytes under test, so a
 * read past the end shows up under ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/cursor.h"

static const uint8_t BYTES[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

/* A heap copy of the first n test bytes (NULL for n == 0). */
static uint8_t *dup_n(size_t n)
{
	if (!n)
		return NULL;
	uint8_t *b = malloc(n);
	assert_non_null(b);
	memcpy(b, BYTES, n);
	return b;
}

static void test_make(void **state)
{
	(void)state;
	struct cursor c = cursor_make(NULL, 5); /* no buffer: no bytes */
	assert_int_equal(c.len, 0);
	assert_int_equal(cursor_left(&c), 0);
	assert_true(cursor_ok(&c));
	assert_int_equal(cursor_u8(&c), 0);
	assert_false(cursor_ok(&c));

	uint8_t *b = dup_n(3);
	c = cursor_make(b, 3);
	assert_int_equal(cursor_left(&c), 3);
	assert_ptr_equal(cursor_here(&c), b);
	assert_true(cursor_has(&c, 3));
	assert_true(cursor_ok(&c));
	assert_false(cursor_has(&c, 4)); /* asking too much latches bad */
	assert_false(cursor_ok(&c));
	free(b);
}

/* Each fixed-size reader: succeeds with exactly its size left, then fails
 * (zero, offset unchanged, bad) when one byte short. */
enum rd { RD_U8, RD_BE16, RD_BE24, RD_BE32, RD_BE64, RD_LE16, RD_LE32 };

static uint64_t read_one(struct cursor *c, enum rd r)
{
	switch (r) {
	case RD_U8:
		return cursor_u8(c);
	case RD_BE16:
		return cursor_be16(c);
	case RD_BE24:
		return cursor_be24(c);
	case RD_BE32:
		return cursor_be32(c);
	case RD_BE64:
		return cursor_be64(c);
	case RD_LE16:
		return cursor_le16(c);
	case RD_LE32:
		return cursor_le32(c);
	}
	return 0;
}

static void test_fixed_readers(void **state)
{
	(void)state;
	static const struct {
		enum rd r;
		size_t size;
		uint64_t want;
	} cases[] = {
		{ RD_U8, 1, 0x01 },
		{ RD_BE16, 2, 0x0123 },
		{ RD_BE24, 3, 0x012345 },
		{ RD_BE32, 4, 0x01234567 },
		{ RD_BE64, 8, 0x0123456789abcdefull },
		{ RD_LE16, 2, 0x2301 },
		{ RD_LE32, 4, 0x67452301 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* exactly enough */
		uint8_t *b = dup_n(cases[i].size);
		struct cursor c = cursor_make(b, cases[i].size);
		assert_true(read_one(&c, cases[i].r) == cases[i].want);
		assert_true(cursor_ok(&c));
		assert_int_equal(c.off, cases[i].size);
		assert_int_equal(cursor_left(&c), 0);
		/* and nothing more */
		assert_true(read_one(&c, cases[i].r) == 0);
		assert_false(cursor_ok(&c));
		assert_int_equal(c.off, cases[i].size);
		free(b);

		/* one byte short */
		b = dup_n(cases[i].size - 1);
		c = cursor_make(b, cases[i].size - 1);
		assert_true(read_one(&c, cases[i].r) == 0);
		assert_false(cursor_ok(&c));
		assert_int_equal(c.off, 0);
		free(b);
	}
}

static void test_be64_short(void **state)
{
	(void)state;
	/* 7 bytes: enough for a 32-bit half, not for the whole: nothing is
	 * read, not even the first half */
	uint8_t *b = dup_n(7);
	struct cursor c = cursor_make(b, 7);
	assert_true(cursor_be64(&c) == 0);
	assert_false(cursor_ok(&c));
	assert_int_equal(c.off, 0);
	free(b);
}

static void test_bad_latches(void **state)
{
	(void)state;
	uint8_t *b = dup_n(4);
	struct cursor c = cursor_make(b, 4);
	assert_int_equal(cursor_be16(&c), 0x0123);
	assert_int_equal(cursor_be32(&c), 0); /* 2 left: fails */
	assert_false(cursor_ok(&c));
	/* later reads that fit still work, but the cursor stays bad */
	assert_int_equal(cursor_u8(&c), 0x45);
	assert_int_equal(cursor_u8(&c), 0x67);
	assert_false(cursor_ok(&c));
	assert_int_equal(cursor_left(&c), 0);
	free(b);
}

static void test_bytes_copy_skip(void **state)
{
	(void)state;
	uint8_t *b = dup_n(6);
	struct cursor c = cursor_make(b, 6);
	const uint8_t *p = cursor_bytes(&c, 2);
	assert_ptr_equal(p, b);
	uint8_t dst[4] = { 0xee, 0xee, 0xee, 0xee };
	assert_true(cursor_copy(&c, dst, 3));
	assert_memory_equal(dst, BYTES + 2, 3);
	assert_int_equal(dst[3], 0xee);
	assert_true(cursor_skip(&c, 1));
	assert_int_equal(cursor_left(&c), 0);
	assert_true(cursor_ok(&c));
	/* zero-length requests at the end are fine */
	assert_non_null(cursor_bytes(&c, 0));
	assert_true(cursor_skip(&c, 0));
	assert_true(cursor_ok(&c));
	/* past the end: NULL, no copy, no move */
	memset(dst, 0xee, sizeof dst);
	assert_null(cursor_bytes(&c, 1));
	assert_false(cursor_copy(&c, dst, 1));
	assert_int_equal(dst[0], 0xee);
	assert_false(cursor_skip(&c, 1));
	assert_int_equal(c.off, 6);
	assert_false(cursor_ok(&c));
	free(b);

	/* a huge skip cannot wrap the offset */
	b = dup_n(2);
	c = cursor_make(b, 2);
	cursor_u8(&c);
	assert_false(cursor_skip(&c, SIZE_MAX));
	assert_int_equal(c.off, 1);
	assert_int_equal(cursor_u8(&c), 0x23);
	free(b);
}

static void test_sub(void **state)
{
	(void)state;
	uint8_t *b = dup_n(8);
	struct cursor c = cursor_make(b, 8);
	cursor_u8(&c);
	struct cursor s = cursor_sub(&c, 3);
	assert_true(cursor_ok(&c));
	assert_true(cursor_ok(&s));
	assert_int_equal(c.off, 4); /* the parent moved past the sub-range */
	assert_int_equal(s.len, 3);
	assert_int_equal(cursor_be24(&s), 0x234567);
	assert_int_equal(cursor_u8(&s), 0); /* the child stops at its own end */
	assert_false(cursor_ok(&s));
	assert_true(cursor_ok(&c)); /* ... without hurting the parent */
	assert_int_equal(cursor_be32(&c), 0x89abcdef);

	/* an empty sub-cursor at the very end */
	s = cursor_sub(&c, 0);
	assert_true(cursor_ok(&c));
	assert_int_equal(s.len, 0);
	assert_int_equal(cursor_u8(&s), 0);
	assert_false(cursor_ok(&s));

	/* longer than what is left: both bad, the child covers the rest only */
	c = cursor_make(b, 8);
	cursor_skip(&c, 5);
	s = cursor_sub(&c, 10);
	assert_false(cursor_ok(&c));
	assert_false(cursor_ok(&s));
	assert_int_equal(c.off, 8);
	assert_int_equal(s.len, 3);
	assert_ptr_equal(s.p, b + 5);
	assert_int_equal(cursor_be16(&s), 0xabcd); /* what is there can be read */
	assert_int_equal(cursor_be16(&s), 0);      /* not a byte more */
	assert_int_equal(s.off, 2);

	/* a sub-cursor of a sub-cursor */
	c = cursor_make(b, 8);
	struct cursor outer = cursor_sub(&c, 6);
	cursor_u8(&outer);
	struct cursor inner = cursor_sub(&outer, 10);
	assert_int_equal(inner.len, 5);
	assert_false(cursor_ok(&outer));
	assert_true(cursor_ok(&c));
	assert_int_equal(cursor_be16(&c), 0xcdef);
	free(b);
}

static void test_peek(void **state)
{
	(void)state;
	uint8_t *b = dup_n(4);
	struct cursor c = cursor_make(b, 4);
	cursor_u8(&c);
	uint8_t v[3] = { 0 };
	assert_true(cursor_peek(&c, 0, v, 3));
	assert_memory_equal(v, BYTES + 1, 3);
	assert_true(cursor_peek(&c, 2, v, 1));
	assert_int_equal(v[0], 0x67);
	assert_true(cursor_peek(&c, 3, v, 0)); /* nothing, exactly at the end */
	memset(v, 0xee, sizeof v);
	assert_false(cursor_peek(&c, 2, v, 2)); /* one beyond */
	assert_false(cursor_peek(&c, 4, v, 0)); /* starts beyond */
	assert_false(cursor_peek(&c, SIZE_MAX, v, 1));
	assert_false(cursor_peek(&c, 1, v, SIZE_MAX)); /* no wrap-around */
	assert_int_equal(v[0], 0xee);
	/* peeking never moves nor latches */
	assert_int_equal(c.off, 1);
	assert_true(cursor_ok(&c));
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_make),
		cmocka_unit_test(test_fixed_readers),
		cmocka_unit_test(test_be64_short),
		cmocka_unit_test(test_bad_latches),
		cmocka_unit_test(test_bytes_copy_skip),
		cmocka_unit_test(test_sub),
		cmocka_unit_test(test_peek),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
