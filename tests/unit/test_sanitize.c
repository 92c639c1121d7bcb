/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_sanitize.c - the escaping rule of ui/sanitize.h, byte pattern by
 * byte pattern, in its text and JSON forms; truncation never cuts an
 * escape; the UTF-8 check refuses what RFC 3629 refuses. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/sanitize.h"

struct pair {
	const char *in, *text, *json;
};

/* Each hostile pattern of tests/gen/gen-hostile.py and its two forms. */
static const struct pair pairs[] = {
	{ "a\x1b]52;c;SGVsbG8=\x07z", "a\\x1b]52;c;SGVsbG8=\\x07z", "\"a\\u001b]52;c;SGVsbG8=\\u0007z\"" },
	{ "\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07", "\"\\u001b]0;pwned\\u0007\"" },
	{ "\x1b[2J", "\\x1b[2J", "\"\\u001b[2J\"" },
	{ "\x08\t\r\nFAIL x", "\\x08\\x09\\x0d\\x0aFAIL x", "\"\\u0008\\u0009\\u000d\\u000aFAIL x\"" },
	{ "\x7f", "\\x7f", "\"\\u007f\"" },
	{ "\x9b", "\\x9b", "\"\\u009b\"" },
	{ "\xc2\x9b\xc2\x9d", "\\u009b\\u009d", "\"\\u009b\\u009d\"" },
	{ "\xe0\x80\x80", "\\xe0\\x80\\x80", "\"\\u00e0\\u0080\\u0080\"" },
	{ "\xed\xa0\x80", "\\xed\\xa0\\x80", "\"\\u00ed\\u00a0\\u0080\"" },
	{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", "\"\\u00f4\\u0090\\u0080\\u0080\"" },
	{ "\xe2\x82", "\\xe2\\x82", "\"\\u00e2\\u0082\"" },
	{ "\xc0\xaf\xf5\xff", "\\xc0\\xaf\\xf5\\xff", "\"\\u00c0\\u00af\\u00f5\\u00ff\"" },
	{ "\xe2\x80\xae\xe2\x80\xa8", "\\u202e\\u2028", "\"\\u202e\\u2028\"" },
	/* kept as they are: valid UTF-8 that is not a control */
	{ "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\x91", "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\x91",
	  "\"caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\x91\"" },
	{ "\xc2\xa0\xef\xbf\xbd\xf4\x8f\xbf\xbf", "\xc2\xa0\xef\xbf\xbd\xf4\x8f\xbf\xbf",
	  "\"\xc2\xa0\xef\xbf\xbd\xf4\x8f\xbf\xbf\"" },
	/* a backslash doubles in text, so "\x1b" typed on the wire stays apart */
	{ "\\x1b \"q\"", "\\\\x1b \"q\"", "\"\\\\x1b \\\"q\\\"\"" },
	{ "", "", "\"\"" },
};

static void test_text_and_json(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		char out[256];
		size_t n = sanitize_text(pairs[i].in, out, sizeof out);
		assert_string_equal(out, pairs[i].text);
		assert_int_equal(n, strlen(pairs[i].text));
		assert_true(sanitize_is_clean(out, n, NULL));

		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		assert_non_null(f);
		sanitize_json(f, pairs[i].in);
		fclose(f);
		assert_string_equal(buf, pairs[i].json);
		assert_true(sanitize_is_clean(buf, len, NULL));
		free(buf);

		f = open_memstream(&buf, &len);
		sanitize_fputs(f, pairs[i].in);
		fclose(f);
		assert_string_equal(buf, pairs[i].text);
		free(buf);
	}
}

static void test_truncation_keeps_escapes_whole(void **state)
{
	(void)state;
	const char *in = "ab\x1b[2J\xc2\x9b\xe2\x86\x92z";
	char full[64];
	size_t n = sanitize_text(in, full, sizeof full);
	for (size_t cap = 1; cap <= n + 1; cap++) {
		char out[64];
		memset(out, 'X', sizeof out);
		size_t k = sanitize_text(in, out, cap);
		assert_true(k < cap);
		assert_int_equal(out[k], 0);
		/* a prefix of the full form that ends at a unit boundary */
		assert_memory_equal(out, full, k);
		assert_true(sanitize_is_clean(out, k, NULL));
		/* "ab" "\x1b" "[2J" "\u009b" then the arrow's 3 bytes, "z" */
		static const size_t cuts[] = { 0, 1, 2, 6, 7, 8, 9, 15, 18, 19 };
		bool at_cut = false;
		for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
			at_cut |= k == cuts[c];
			if (cuts[c] < cap) /* and the longest that fits */
				assert_true(cuts[c] <= k);
		}
		assert_true(at_cut);
	}
	/* a length bound, and a NUL inside it */
	char out[64];
	assert_int_equal(sanitize_text_n("abc\x1b", 3, out, sizeof out), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(sanitize_text_n("a\0\x1b", 3, out, sizeof out), 1);
	assert_int_equal(sanitize_text(NULL, out, sizeof out), 0);
	assert_string_equal(out, "");
}

static void test_utf8_len(void **state)
{
	(void)state;
	uint32_t cp;
	assert_int_equal(sanitize_utf8_len((const unsigned char *)"\xc2\x80", 2, &cp), 2);
	assert_int_equal(cp, 0x80);
	assert_int_equal(sanitize_utf8_len((const unsigned char *)"\xe0\xa0\x80", 3, &cp), 3);
	assert_int_equal(cp, 0x800);
	assert_int_equal(sanitize_utf8_len((const unsigned char *)"\xed\x9f\xbf", 3, &cp), 3);
	assert_int_equal(cp, 0xd7ff);
	assert_int_equal(sanitize_utf8_len((const unsigned char *)"\xf0\x90\x80\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x10000);
	assert_int_equal(sanitize_utf8_len((const unsigned char *)"\xf4\x8f\xbf\xbf", 4, &cp), 4);
	assert_int_equal(cp, 0x10ffff);
	static const char *const bad[] = { "\xc0\x80", "\xc1\xbf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
					   "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\x80", "\xbf",
					   "\xfe", "\xff", "\xe2\x82", "\xc2" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(sanitize_utf8_len((const unsigned char *)bad[i], strlen(bad[i]), &cp), 0);
	/* a valid sequence cut by the length bound */
	assert_int_equal(sanitize_utf8_len((const unsigned char *)"\xe2\x86\x92", 2, &cp), 0);
}

static void test_is_clean(void **state)
{
	(void)state;
	assert_true(sanitize_is_clean("a\tb\n", 4, "\n\t"));
	assert_false(sanitize_is_clean("a\tb\n", 4, "\n"));
	assert_false(sanitize_is_clean("a\x1b", 2, "\n\t"));
	assert_false(sanitize_is_clean("a\0b", 3, "\n\t"));
	assert_false(sanitize_is_clean("\x7f", 1, NULL));
	assert_false(sanitize_is_clean("\xc2\x9b", 2, NULL));
	assert_false(sanitize_is_clean("\x9b", 1, NULL));
	assert_false(sanitize_is_clean("\xed\xa0\x80", 3, NULL));
	assert_true(sanitize_is_clean("caf\xc3\xa9", 5, NULL));
}

/* The in-memory JSON form (ui/json.c's line buffer): every byte class at
 * every offset of the eight-byte fast path, and output cut anywhere keeps
 * units whole and resumes where it stopped. */
static void test_json_mem(void **state)
{
	(void)state;
	static const struct {
		char in;
		const char *json;
	} cls[] = {
		{ '"', "\\\"" }, { '\\', "\\\\" }, { 0x1f, "\\u001f" }, { 0x7f, "\\u007f" },
		{ (char)0x80, "\\u0080" }, { (char)0xff, "\\u00ff" }, { 0x01, "\\u0001" },
		{ ' ', " " }, { '~', "~" }, { '!', "!" }, { '#', "#" }, { '[', "[" }, { ']', "]" },
	};
	for (size_t c = 0; c < sizeof cls / sizeof cls[0]; c++)
		for (size_t at = 0; at < 20; at++) {
			char in[21], want[40], out[128];
			memset(in, 'a', 20);
			in[20] = 0;
			in[at] = cls[c].in;
			snprintf(want, sizeof want, "%.*s%s%.*s", (int)at, in, cls[c].json, (int)(19 - at), in + at + 1);
			size_t used = 0, n = sanitize_json_mem(in, 20, &used, out, sizeof out);
			assert_int_equal(used, 20);
			assert_int_equal(n, strlen(want));
			assert_memory_equal(out, want, n);
		}
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		const char *in = pairs[i].in;
		size_t inlen = strlen(in);
		/* the whole: sanitize_json's literal without its quotes */
		const char *want = pairs[i].json + 1;
		size_t wantlen = strlen(want) - 1;
		for (size_t cap = SANITIZE_JSON_UNIT; cap <= wantlen + 8; cap++) {
			char out[512];
			size_t o = 0, at = 0;
			while (at < inlen) {
				size_t used = 0, n = sanitize_json_mem(in + at, inlen - at, &used, out + o, cap);
				assert_true(n <= cap);
				assert_true(used > 0);
				o += n;
				at += used;
			}
			assert_int_equal(o, wantlen);
			assert_memory_equal(out, want, o);
		}
	}
	/* no room for the next escape: nothing taken */
	char out[8];
	size_t used = 9;
	assert_int_equal(sanitize_json_mem("\x1b", 1, &used, out, SANITIZE_JSON_UNIT - 1), 0);
	assert_int_equal(used, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_json),
		cmocka_unit_test(test_truncation_keeps_escapes_whole),
		cmocka_unit_test(test_utf8_len),
		cmocka_unit_test(test_is_clean),
		cmocka_unit_test(test_json_mem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
