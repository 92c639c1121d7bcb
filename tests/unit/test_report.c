/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_report.c - the text report's count of flows with and without a
 * verdict: a verdict before or after its flow's end row, one naming the
 * flow's endpoints the other way round, one about the endpoints only (ESP
 * between two hosts, a later flow of the same peers), and enough of them
 * that the judged pairs are merged many times while flows wait; past the
 * bound, the counts say they are partial. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/verdict.h"
#include "ui/output.h"

static FILE *out;

static void start(int verbose)
{
	setenv("COLUMNS", "1000", 1); /* the flows line on one line */
	verdict_clear_sinks();
	verdict_reset_counts();
	out = tmpfile();
	assert_non_null(out);
	report_attach(out, verbose, true);
}

/* The report as printed at the summary, flows the run's count. */
static char *finish(uint64_t flows)
{
	struct run_summary sum;
	memset(&sum, 0, sizeof sum);
	sum.flows = flows;
	verdict_emit_summary(&sum);
	verdict_clear_sinks();
	long n = ftell(out);
	assert_true(n > 0);
	char *s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	rewind(out);
	assert_int_equal(fread(s, 1, (size_t)n, out), (size_t)n);
	fclose(out);
	return s;
}

static void expect_flows(const char *report, unsigned flows, unsigned with, unsigned without)
{
	char want[128];
	snprintf(want, sizeof want, "flows: %u, %u with a verdict, %u without one (", flows, with, without);
	if (!strstr(report, want))
		fail_msg("want \"%s\" in:\n%s", want, report);
	assert_null(strstr(report, "counts are partial"));
}

/* Flow i: UDP (or proto) 10.a.b.c:(1024 + i % 30000) -> 192.0.2.1:500. */
static void flow_ends(struct driver_flow_row *r, uint64_t id, uint8_t proto, uint32_t i, const char *phase)
{
	memset(r, 0, sizeof *r);
	r->id = id;
	r->proto = proto;
	r->client.family = 4;
	r->client.b[0] = 10;
	r->client.b[1] = (uint8_t)(i >> 16);
	r->client.b[2] = (uint8_t)(i >> 8);
	r->client.b[3] = (uint8_t)i;
	r->server.family = 4;
	r->server.b[0] = 192;
	r->server.b[2] = 2;
	r->server.b[3] = 1;
	r->cport = proto == IPPROTO_NUM_ESP ? 0 : (uint16_t)(1024 + i % 30000);
	r->sport = proto == IPPROTO_NUM_ESP ? 0 : 500;
	snprintf(r->phase, sizeof r->phase, "%s", phase);
}

static void end_one(uint64_t id, uint8_t proto, uint32_t i, const char *phase)
{
	struct driver_flow_row r;
	flow_ends(&r, id, proto, i, phase);
	report_note_ended(&r, 1);
}

/* A verdict naming flow id (0: none) and the endpoints of flow i, as an
 * IKE SA's verdict does; swapped names the server as the client. */
static void verdict_about(uint64_t id, uint8_t proto, uint32_t i, bool swapped)
{
	struct driver_flow_row r;
	flow_ends(&r, id, proto, i, "");
	struct verdict v;
	verdict_begin(&v, proto == IPPROTO_NUM_ESP ? V_ESP_ONE_WAY : V_IKE_OK,
		      proto == IPPROTO_NUM_ESP ? SEV_FAIL : SEV_OK, NULL);
	if (swapped)
		verdict_endpoints(&v, proto, &r.server, r.sport, &r.client, r.cport);
	else
		verdict_endpoints(&v, proto, &r.client, r.cport, &r.server, r.sport);
	v.flow_id = id;
	verdict_emit(&v);
}

/* One event of a run: flow i's end row ('e'), or a verdict about it ('v',
 * 's' with its endpoints swapped). */
struct step {
	char what;
	uint64_t id;
	uint8_t proto;
	uint32_t i;
};

static void replay(const struct step *s, size_t n, unsigned with, unsigned without)
{
	start(0);
	for (size_t k = 0; k < n; k++)
		if (s[k].what == 'e')
			end_one(s[k].id, s[k].proto, s[k].i, "");
		else
			verdict_about(s[k].id, s[k].proto, s[k].i, s[k].what == 's');
	char *r = finish(with + without);
	expect_flows(r, with + without, with, without);
	free(r);
}

static void test_verdict_before_and_after_end(void **state)
{
	(void)state;
	const struct step s[] = {
		{ 'v', 1, IPPROTO_NUM_UDP, 1 }, /* judged while open */
		{ 'e', 1, IPPROTO_NUM_UDP, 1 },
		{ 'e', 2, IPPROTO_NUM_UDP, 2 }, /* its SA judged after the flow timed out */
		{ 'e', 3, IPPROTO_NUM_UDP, 3 }, /* never judged */
		{ 'v', 2, IPPROTO_NUM_UDP, 2 },
		{ 'e', 4, IPPROTO_NUM_UDP, 4 }, /* judged the other way round */
		{ 's', 4, IPPROTO_NUM_UDP, 4 },
	};
	replay(s, sizeof s / sizeof s[0], 3, 1);
}

static void test_judged_by_endpoints(void **state)
{
	(void)state;
	const struct step s[] = {
		/* ESP between two hosts: one verdict about the pair, no flow
		 * id, judges the ESP flows (every SPI) before and after it */
		{ 'e', 1, IPPROTO_NUM_ESP, 7 },
		{ 'v', 0, IPPROTO_NUM_ESP, 7 },
		{ 'e', 2, IPPROTO_NUM_ESP, 7 },
		/* a later flow of the same peers (the first timed out): judged
		 * by the verdict about the first */
		{ 'v', 3, IPPROTO_NUM_UDP, 8 },
		{ 'e', 3, IPPROTO_NUM_UDP, 8 },
		{ 'e', 4, IPPROTO_NUM_UDP, 8 },
		/* the same addresses and ports in another protocol: not judged */
		{ 'e', 5, IPPROTO_NUM_TCP, 8 },
	};
	replay(s, sizeof s / sizeof s[0], 4, 1);
}

/* 60000 flows: the even ones get a verdict, a quarter of them just before
 * their end row, a quarter 9000 flows before it and half 9000 flows after
 * it (thousands of pairs merged in between); the odd ones none. */
static void test_many_flows_early_and_late_verdicts(void **state)
{
	(void)state;
	start(0);
	const uint32_t n = 60000, lag = 9000;
	for (uint32_t i = 4; i < lag; i += 8)
		verdict_about(i + 1, IPPROTO_NUM_UDP, i, false);
	for (uint32_t i = 0; i < n; i++) {
		if (i + lag < n && (i + lag) % 8 == 4)
			verdict_about(i + lag + 1, IPPROTO_NUM_UDP, i + lag, false);
		if (i % 8 == 0)
			verdict_about(i + 1, IPPROTO_NUM_UDP, i, i % 16 == 0);
		end_one(i + 1, IPPROTO_NUM_UDP, i, "");
		if (i >= lag && (i - lag) % 4 == 2)
			verdict_about(i - lag + 1, IPPROTO_NUM_UDP, i - lag, false);
	}
	for (uint32_t i = n - lag; i < n; i++)
		if (i % 4 == 2)
			verdict_about(i + 1, IPPROTO_NUM_UDP, i, false);
	char *r = finish(n);
	expect_flows(r, n, n / 2, n / 2);
	free(r);
}

/* As many flows waiting for a verdict as are remembered (2^20): counted
 * exactly; one more, and the counts say they are partial. */
static void test_bound_says_partial(void **state)
{
	(void)state;
	const uint32_t n = 1u << 20;
	for (uint32_t more = 0; more <= 1; more++) {
		start(0);
		for (uint32_t i = 0; i < n + more; i++)
			end_one(i + 1, IPPROTO_NUM_UDP, i, "");
		char *r = finish(n + more);
		if (more)
			assert_non_null(strstr(r, "; more flows than could be remembered: counts are partial"));
		else
			expect_flows(r, n, 0, n);
		free(r);
	}
}

/* -v lists exactly the flows without a verdict, also when the verdict
 * came after the end row. */
static void test_verbose_lists_unjudged(void **state)
{
	(void)state;
	start(1);
	end_one(1, IPPROTO_NUM_UDP, 1, "judged late");
	end_one(2, IPPROTO_NUM_UDP, 2, "never judged");
	verdict_about(1, IPPROTO_NUM_UDP, 1, false);
	verdict_about(3, IPPROTO_NUM_UDP, 3, false);
	end_one(3, IPPROTO_NUM_UDP, 3, "judged early");
	char *r = finish(3);
	expect_flows(r, 3, 2, 1);
	assert_non_null(strstr(r, "NOT JUDGED 1 flows without a verdict"));
	assert_non_null(strstr(r, "udp 10.0.0.2:1026 -> 192.0.2.1:500: never judged"));
	assert_null(strstr(r, "judged late"));
	assert_null(strstr(r, "judged early"));
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_before_and_after_end),
		cmocka_unit_test(test_judged_by_endpoints),
		cmocka_unit_test(test_many_flows_early_and_late_verdicts),
		cmocka_unit_test(test_verbose_lists_unjudged),
		cmocka_unit_test(test_bound_says_partial),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
