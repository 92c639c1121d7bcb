/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_expect.c - ui/expect.c, the .expect grammar of --check: reading our
 * own JSON verdict lines back, the exact-line form with * for the ephemeral
 * port, strict parsing with line numbers, the `# args:` allow-list, and the
 * judgement of require/forbid/count/detail rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ui/expect.h"

static const char *const SLOW =
	"{\"schema\":1,\"type\":\"verdict\",\"id\":\"ssh.slow_handshake\",\"severity\":\"warn\",\"proto\":\"tcp\","
	"\"client\":{\"ip\":\"192.0.2.10\",\"port\":48692},\"server\":{\"ip\":\"198.51.100.20\",\"port\":22},"
	"\"frames\":[1,2],\"evidence\":[{\"frame\":1,\"what\":\"SYN\"}],\"summary\":\"s \\\"q\\\"\","
	"\"details\":{\"waiting_on\":\"the server\",\"kex\":\"sntrup761x25519-sha512\",\"banner_wait_s\":6.012472,"
	"\"note\":\"caf\\u00e9\"}}";
static const char *const V6 =
	"{\"schema\":1,\"type\":\"verdict\",\"id\":\"tcp.ok\",\"severity\":\"ok\",\"proto\":\"tcp\","
	"\"client\":{\"ip\":\"2001:db8::10\",\"port\":500},\"server\":{\"ip\":\"2001:db8::20\",\"port\":443},"
	"\"details\":{}}";
static const char *const WIDE =
	"{\"schema\":1,\"type\":\"verdict\",\"id\":\"capture.bad_checksums\",\"severity\":\"info\",\"proto\":null,"
	"\"client\":{\"ip\":null,\"port\":0},\"server\":{\"ip\":null,\"port\":0},\"details\":{\"n\":3}}";

/* An .expect from a string, through a pipe as check.c hands it a descriptor. */
static bool load(const char *text, struct expect_file *e, char *err, size_t errlen)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	fputs(text, f);
	fflush(f);
	rewind(f);
	int fd = dup(fileno(f));
	fclose(f);
	return expect_file_load(fd, e, err, errlen);
}

static void test_verdict_parse(void **state)
{
	(void)state;
	struct expect_verdict v;
	char line[256];
	assert_true(expect_verdict_parse(SLOW, &v));
	assert_string_equal(v.id, "ssh.slow_handshake");
	assert_string_equal(v.cport, "48692");
	assert_int_equal(v.ndetails, 4);
	assert_string_equal(v.dval[2], "6.012472");
	assert_string_equal(v.dval[3], "caf\xc3\xa9");
	expect_verdict_line(&v, false, line, sizeof line);
	assert_string_equal(line, "warn ssh.slow_handshake tcp 192.0.2.10:48692 -> 198.51.100.20:22");
	expect_verdict_line(&v, true, line, sizeof line);
	assert_string_equal(line, "warn ssh.slow_handshake tcp 192.0.2.10:* -> 198.51.100.20:22");
	expect_verdict_free(&v);
	assert_true(expect_verdict_parse(V6, &v));
	expect_verdict_line(&v, true, line, sizeof line); /* 500 is not ephemeral */
	assert_string_equal(line, "ok tcp.ok tcp [2001:db8::10]:500 -> [2001:db8::20]:443");
	expect_verdict_free(&v);
	assert_true(expect_verdict_parse(WIDE, &v));
	expect_verdict_line(&v, true, line, sizeof line);
	assert_string_equal(line, "info capture.bad_checksums");
	expect_verdict_free(&v);
	assert_false(expect_verdict_parse("{\"schema\":1,\"type\":\"summary\",\"packets\":3}", &v));
	assert_false(expect_verdict_parse("{\"type\":\"verdict\",\"id\":\"x\"", &v));
}

static void test_syntax_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "ok tcp.ok\nfail tcp.refused tcp 1.2.3.4:* 5.6.7.8:22\n", ":2: syntax error: bad flow" },
		{ "# c\nsevere tcp.ok\n", ":2: syntax error: expected a severity" },
		{ "warn+ tcp.ok\n", ":1: syntax error: expected a severity" }, /* + only in require/forbid */
		{ "require x warn tcp.ok\n", ":1: syntax error: expected a severity" },
		{ "require 3x warn tcp.ok\n", ":1: syntax error: bad count" },
		{ "require warn tcp.ok k=\"v\n", ":1: syntax error: unterminated quote" },
		{ "require warn tcp.ok k=v\n", ":1: syntax error: the value of k must be in double quotes" },
		{ "require warn tcp.ok k~\"(\"\n", ":1: syntax error: bad regular expression" },
		{ "# args: --check /etc\n", ":1: `# args:` may not set '--check'" },
		{ "# args: --write-expect\n", ":1: `# args:` may not set '--write-expect'" },
		{ "# args: --points -r ../x.pcap\n", ":1: `# args:` -r takes [NAME=]FILE, a capture beside this one" },
		{ "# args: --points -r lan=/etc/x.pcap\n", ":1: `# args:` -r takes [NAME=]FILE" },
		{ "# args: --points -r\n", ":1: `# args:` -r takes [NAME=]FILE" },
		{ "# args: --msl abc\n", ":1: `# args:` option --msl needs a number" },
		{ "# args: --msl 1\n# args: --msl 2\n", ":2: a second `# args:` line" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct expect_file e;
		char err[600] = "";
		assert_false(load(bad[i].text, &e, err, sizeof err));
		if (strncmp(err, bad[i].err, strlen(bad[i].err))) {
			print_error("case %zu: got '%s', want '%s...'\n", i, err, bad[i].err);
			fail();
		}
	}
}

static void test_long_comment_and_args(void **state)
{
	(void)state;
	size_t n = 5000;
	char *text = malloc(n + 200);
	assert_non_null(text);
	memset(text, 'x', n);
	memcpy(text, "# ", 2);
	strcpy(text + n, "\n# args: --ssh-timeout 4 --msl=60 tcp port 22\nwarn tcp.ok\n");
	struct expect_file e;
	char err[600] = "";
	assert_true(load(text, &e, err, sizeof err));
	free(text);
	assert_int_equal(e.nrules, 1);
	assert_true(e.exact);
	const char *want[] = { "--ssh-timeout", "4", "--msl=60", "--", "tcp", "port", "22" };
	assert_int_equal(e.nargs, 7);
	for (size_t i = 0; i < 7; i++)
		assert_string_equal(e.args[i], want[i]);
	assert_null(e.args[7]);
	expect_file_free(&e);
}

/* --points in `# args:`: a flag, then -r NAME=FILE pairs beside the capture. */
static void test_points_args(void **state)
{
	(void)state;
	struct expect_file e;
	char err[600] = "";
	assert_true(load("# args: --points -r lan=lan.pcap -r wan.pcap --msl 1\nwarn tcp.ok\n", &e, err, sizeof err));
	const char *want[] = { "--points", "-r", "lan=lan.pcap", "-r", "wan.pcap", "--msl", "1" };
	assert_int_equal(e.nargs, 7);
	for (size_t i = 0; i < 7; i++)
		assert_string_equal(e.args[i], want[i]);
	expect_file_free(&e);
}

/* Judge the three verdicts above against an .expect text. */
static bool judge(const char *text, struct expect_lines *diff)
{
	struct expect_verdict v[3];
	assert_true(expect_verdict_parse(SLOW, &v[0]));
	assert_true(expect_verdict_parse(V6, &v[1]));
	assert_true(expect_verdict_parse(WIDE, &v[2]));
	struct expect_file e;
	char err[600] = "";
	if (!load(text, &e, err, sizeof err)) {
		print_error("%s: %s\n", text, err);
		fail();
	}
	bool ok = expect_file_judge(&e, v, 3, diff);
	expect_file_free(&e);
	for (int i = 0; i < 3; i++)
		expect_verdict_free(&v[i]);
	return ok;
}

static void test_judge(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		bool pass;
	} cases[] = {
		/* exact mode: all three, in any order, globs for ports */
		{ "info capture.bad_checksums\nok tcp.ok tcp [2001:db8::10]:* -> [2001:db8::20]:443\n"
		  "warn ssh.slow_handshake tcp 192.0.2.10:* -> 198.51.100.20:22\n",
		  true },
		{ "warn ssh.slow_handshake tcp 192.0.2.10:* -> 198.51.100.20:22\n", false },
		{ "", false }, /* no rules at all: exact, and nothing was expected */
		/* an exact line without a flow is a capture-wide verdict only */
		{ "info capture.bad_checksums\nok tcp.ok\nwarn ssh.slow_handshake tcp *:* -> *:22\n", false },
		{ "require warn ssh.slow_handshake tcp *:* -> *:22\n", true },
		{ "require warn ssh.slow_handshake tcp *:* -> *:80\n", false },
		{ "require warn ssh.* waiting_on=\"the server\" kex~\"^sntrup\" banner_wait_s=\"6.012472\"\n", true },
		{ "require warn ssh.* waiting_on=\"the client\"\n", false },
		{ "require warn ssh.* missing~\".\"\n", false }, /* no such detail */
		{ "require ok+ *\n", true },
		{ "require 3 ok+ *\n", true },
		{ "require 2 ok+ *\n", false },
		{ "require 2+ ok+ *\n", true },
		{ "require 4+ ok+ *\n", false },
		{ "forbid fail+ *\n", true },
		{ "forbid warn+ ssh.*\n", false },
		{ "forbid info tcp.*\n", true },
		{ "forbid ok tcp.ok tcp [2001:db8::*]:* -> *:443\n", false },
		{ "require fail tcp.refused\n", false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct expect_lines diff = { 0 };
		bool ok = judge(cases[i].text, &diff);
		if (ok != cases[i].pass || ok != (diff.n == 0)) {
			print_error("case %zu (%s): judged %d with %zu diff lines\n", i, cases[i].text, ok, diff.n);
			fail();
		}
		expect_lines_free(&diff);
	}
	struct expect_lines diff = { 0 };
	assert_false(judge("# x\nforbid warn+ ssh.*\nrequire 2 ok tcp.ok\n", &diff));
	assert_int_equal(diff.n, 2);
	assert_string_equal(diff.v[0],
			    "  + line 2: forbidden, produced: warn ssh.slow_handshake tcp 192.0.2.10:48692 -> 198.51.100.20:22");
	assert_string_equal(diff.v[1], "  - line 3: require 2 ok tcp.ok: 1 matching verdict produced");
	expect_lines_free(&diff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_parse),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_long_comment_and_args),
		cmocka_unit_test(test_points_args),
		cmocka_unit_test(test_judge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
