/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_tcp.c - the TCP tracker's transitions and verdicts, driven through the
 * real pipeline (driver_feed) with packets built here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "analyzer/config.h"
#include "analyzer/verdict.h"
#include "analyzer/driver.h"
#include "analyzer/tcp.h"
#undef R_OK /* access(2)'s, from a system header: tcp-int.h has its own */
#include "analyzer/tcp-int.h"
#include "analyzer/analyzer.h"
#include "analyzer/flow-state.h"
#include "capture/decode.h"

#define MAXV 32

/* the run in progress */
static struct driver *drv;

static struct verdict got[MAXV];
static int ngot;

static void sink(const struct verdict *v, void *arg)
{
	(void)arg;
	if (ngot < MAXV)
		got[ngot++] = *v;
}

static struct capture_opts opts;
static uint8_t next_ttl = 64;     /* TTL of the packets built next */
static uint16_t next_win = 64240; /* window of the segments built next */

static void start(void)
{
	ngot = 0;
	next_ttl = 64;
	next_win = 64240;
	config_defaults(&sd_cfg);
	verdict_clear_sinks();
	struct verdict_sink s = { sink, NULL, NULL };
	verdict_add_sink(&s);
	memset(&opts, 0, sizeof opts);
	opts.max_flows = 1024;
	opts.idle_timeout = SEC(600);
	char err[256];
	drv = driver_begin(&opts, NULL, err, sizeof err);
	assert_non_null(drv);
}

static void finish(void)
{
	struct run_summary sum;
	driver_end(drv, true, &sum);
	drv = NULL;
}

static const struct verdict *find_verdict(const char *id)
{
	for (int i = 0; i < ngot; i++)
		if (!strcmp(got[i].id, id))
			return &got[i];
	return NULL;
}

static int count_severity_at_least(enum severity s)
{
	int n = 0;
	for (int i = 0; i < ngot; i++)
		if (got[i].sev >= s)
			n++;
	return n;
}

static const struct verdict_detail *detail(const struct verdict *v, const char *key)
{
	for (unsigned i = 0; i < v->ndetails; i++)
		if (!strcmp(v->details[i].key, key))
			return &v->details[i];
	return NULL;
}

/* ---- packet building ---- */

#define CLI 0xc000020au /* 192.0.2.10 */
#define SRV 0xc6336414u /* 198.51.100.20 */
#define RTR 0xc6336401u /* 198.51.100.1 */
#define CPORT 40000
#define SPORT 22

static ts_usec now_us = 1700000000000000ull;
static uint16_t ip_id = 1;


static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t csum(const uint8_t *b, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t build_ip(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, size_t l4len)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)(20 + l4len));
	put16(b + 4, ip_id++);
	b[8] = next_ttl;
	b[9] = proto;
	put32(b + 12, src);
	put32(b + 16, dst);
	put16(b + 10, csum(b, 20, 0));
	return 20;
}

static size_t build_tcp(uint8_t *b, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t flags,
			uint32_t seq, uint32_t ack, uint16_t paylen)
{
	size_t l4 = 20 + paylen;
	build_ip(b, src, dst, 6, l4);
	uint8_t *t = b + 20;
	memset(t, 0, l4);
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, next_win);
	for (uint16_t i = 0; i < paylen; i++)
		t[20 + i] = (uint8_t)('a' + i % 26);
	uint8_t ph[12];
	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = 6;
	put16(ph + 10, (uint16_t)l4);
	uint32_t sum = 0;
	for (int i = 0; i < 12; i += 2)
		sum += (uint32_t)ph[i] << 8 | ph[i + 1];
	put16(t + 16, csum(t, l4, sum));
	return 20 + l4;
}

static void feed(const uint8_t *b, size_t len)
{
	driver_feed(drv, LINK_RAW, b, (uint32_t)len, (uint32_t)len, now_us);
}

/* c2s / s2c with the default endpoints; dt in milliseconds before it */
static struct flow *the_flow(void);
static void c2s(double dt_ms, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len)
{
	uint8_t b[1600];
	now_us += (ts_usec)(dt_ms * 1000);
	feed(b, build_tcp(b, CLI, CPORT, SRV, SPORT, flags, seq, ack, len));
}

static void s2c(double dt_ms, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len)
{
	uint8_t b[1600];
	now_us += (ts_usec)(dt_ms * 1000);
	feed(b, build_tcp(b, SRV, SPORT, CLI, CPORT, flags, seq, ack, len));
}

enum { S = 0x02, A = 0x10, F = 0x01, R = 0x04, P = 0x08 };

#define CISN 1000u
#define SISN 5000u

/* handshake, 10 bytes each way */
static void open_and_talk(uint32_t ci, uint32_t si)
{
	c2s(1, S, ci, 0, 0);
	s2c(1, S | A, si, ci + 1, 0);
	c2s(1, A, ci + 1, si + 1, 0);
	c2s(1, P | A, ci + 1, si + 1, 10);
	s2c(1, A, si + 1, ci + 11, 0);
	s2c(1, P | A, si + 1, ci + 11, 10);
	c2s(1, A, ci + 11, si + 11, 0);
}

static void close_cleanly(uint32_t ci, uint32_t si)
{
	c2s(1, F | A, ci + 11, si + 11, 0);
	s2c(1, F | A, si + 11, ci + 12, 0);
	c2s(1, A, ci + 12, si + 12, 0);
}

/* ---- tests ---- */

static void test_clean_connection_is_ok(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	close_cleanly(CISN, SISN);
	finish();
	assert_int_equal(ngot, 1);
	const struct verdict *v = find_verdict("tcp.ok");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_OK);
	assert_int_equal(v->cport, CPORT);
	assert_int_equal(v->sport, SPORT);
	assert_string_equal(detail(v, "pf_state")->s, "FIN_WAIT_2:FIN_WAIT_2");
	assert_string_equal(detail(v, "history")->s, "ShADadFf");
	assert_int_equal(detail(v, "client_bytes")->i, 10);
	assert_int_equal(detail(v, "server_bytes")->i, 10);
}

/* A segment whose IP header claims the largest length (65,535) but that
 * was captured short: its evidence label keeps the whole claimed payload
 * (the 20-bit length field of struct tcp_ev, 16 bytes a record). */
static void test_evidence_keeps_largest_length(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	uint8_t b[1600];
	size_t n = build_tcp(b, CLI, CPORT, SRV, SPORT, P | A, CISN + 11, SISN + 11, 10);
	put16(b + 2, 65535);
	put16(b + 10, 0);
	put16(b + 10, csum(b, 20, 0));
	now_us += 1000;
	driver_feed(drv, LINK_RAW, b, (uint32_t)n, 65535, now_us);
	s2c(1, R | A, SISN + 11, CISN + 11, 0);
	finish();
	const struct verdict *v = find_verdict("tcp.reset");
	assert_non_null(v);
	bool seen = false;
	for (unsigned i = 0; i < v->nevidence; i++)
		if (strstr(v->ev[i].what, "len 65495"))
			seen = strcmp(v->ev[i].what, "PSH,ACK len 65495") == 0;
	assert_true(seen);
	assert_int_equal(sizeof(struct tcp_ev), 16);
}

static void test_syn_retransmitted_unanswered(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	c2s(1000, S, CISN, 0, 0);
	c2s(2000, S, CISN, 0, 0);
	finish();
	const struct verdict *v = find_verdict("tcp.syn_unanswered");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_FAIL);
	assert_int_equal(detail(v, "syn_count")->i, 3);
	assert_string_equal(detail(v, "retransmit_gaps_s")->s, "1.0,2.0");
	assert_string_equal(detail(v, "pf_state")->s, "SYN_SENT:CLOSED");
	assert_int_equal(v->nevidence, 3);
	assert_int_equal(ngot, 1);
}

/* Between its SYNs a half-open connection is held packed (a SYN flood
 * fills the table with them); the answer unpacks it, and what the verdict
 * says is what the full state would have said. */
static void test_half_open_packed_until_answered(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	assert_int_equal(tcp_packed_active(), 1);
	c2s(1000, S, CISN, 0, 0);
	assert_int_equal(tcp_packed_active(), 1);
	c2s(2000, S, CISN, 0, 0); /* a third SYN: the wide compact form */
	assert_int_equal(tcp_packed_active(), 1);
	assert_null(flow_state(the_flow())->tcp);
	finish();
	const struct verdict *v = find_verdict("tcp.syn_unanswered");
	assert_non_null(v);
	assert_int_equal(v->nevidence, 3);

	start();
	c2s(0, S, CISN, 0, 0);
	c2s(1000, S, CISN, 0, 0);
	assert_int_equal(tcp_packed_active(), 1);
	s2c(20, S | A, SISN, CISN + 1, 0);
	assert_int_equal(tcp_packed_active(), 0);
	c2s(20, A, CISN + 1, SISN + 1, 0);
	c2s(1, P | A, CISN + 1, SISN + 1, 10);
	s2c(1, P | A, SISN + 1, CISN + 11, 10);
	c2s(1, A, CISN + 11, SISN + 11, 0);
	close_cleanly(CISN, SISN);
	finish();
	v = find_verdict("tcp.slow_handshake");
	assert_non_null(v);
	assert_int_equal(detail(v, "syn_sent")->i, 2);
	assert_string_equal(detail(v, "history")->s, "STh"); /* as of the handshake */
}

/* A client retrying into a blocked port: its seven SYNs stay compact
 * between packets, its verdict given, and the evidence lists every SYN
 * with its own frame and time, as the full state would; an eighth fills
 * the evidence's head, a ninth goes to its tail ring and leaves the compact
 * form. */
static void test_retried_syn_stays_compact(void **st)
{
	(void)st;
	start();
	uint32_t gaps_ms[] = { 0, 1000, 2000, 4000, 8000, 16000, 16000 };
	for (unsigned i = 0; i < 7; i++) {
		c2s(gaps_ms[i], S, CISN, 0, 0);
		assert_null(flow_state(the_flow())->tcp);
		assert_int_equal(tcp_packed_active(), 1);
	}
	/* the verdict came while it was compact, and did not unpack it */
	assert_int_equal(ngot, 1);
	assert_non_null(find_verdict("tcp.syn_unanswered"));
	struct verdict ev;
	memset(&ev, 0, sizeof ev);
	tcp_add_evidence(the_flow(), &ev);
	assert_int_equal(ev.nevidence, 7);
	ts_usec at = ev.ev[0].ts;
	for (unsigned i = 0; i < 7; i++) {
		at += (ts_usec)gaps_ms[i] * 1000;
		assert_int_equal(ev.ev[i].ts, at);
		assert_true(i == 0 || ev.ev[i].frame == ev.ev[i - 1].frame + 1);
	}
	finish();
	int n = 0;
	for (int k = 0; k < ngot; k++)
		n += strcmp(got[k].id, "tcp.syn_unanswered") == 0;
	assert_int_equal(n, 1); /* given once, not again at the end */
	assert_int_equal(tcp_packed_active(), 0);

	start();
	for (unsigned i = 0; i < 7; i++)
		c2s(gaps_ms[i], S, CISN, 0, 0);
	c2s(16000, S, CISN, 0, 0);
	assert_int_equal(tcp_packed_active(), 1); /* eight: the head is full */
	c2s(1000, S, CISN, 0, 0);
	assert_int_equal(tcp_packed_active(), 0); /* nine: the tail ring is in use */
	assert_non_null(flow_state(the_flow())->tcp);
	memset(&ev, 0, sizeof ev);
	tcp_add_evidence(the_flow(), &ev);
	assert_int_equal(ev.nevidence, 9);
	finish();
	assert_non_null(find_verdict("tcp.syn_unanswered"));
}

/* Every byte of a full state comes back from its squeezed form, whatever
 * its words hold: zero, small, times near or far from the connection's
 * first packet, anything (500 states of random words). */
static void test_squeeze_is_lossless(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	struct flow *f = the_flow();
	struct tcp_state saved = *tcp_ts_of(f), want;
	uint64_t x = 88172645463325252ull;
	int squeezed = 0;
	for (int round = 0; round < 500; round++) {
		struct tcp_state *t = tcp_ts_of(f);
		unsigned char *b = (unsigned char *)t;
		ts_usec base = (ts_usec)1700000000000000ll + round;
		for (size_t w = 0; w < sizeof *t / 8; w++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			uint64_t v = x % 7 < 3 ? 0 : x % 7 == 3 ? x >> 44 : x % 7 == 4 ? x >> 16 :
				     x % 7 == 5 ? (uint64_t)base + (x >> 33) : x;
			memcpy(b + w * 8, &v, 8);
		}
		t->side[0].first_ts = round % 3 ? base : 0;
		t->side[1].first_ts = round % 5 ? base + 7 : 0;
		want = *t;
		tcp_state_squeeze(f);
		if (flow_state(f)->tcp)
			continue; /* too big to be worth it: kept whole */
		squeezed++;
		assert_int_equal(tcp_squeezed_active(), 1);
		assert_memory_equal(ts_of_c(f), &want, sizeof want); /* a read-only view */
		assert_int_equal(tcp_squeezed_active(), 1);
		assert_memory_equal(tcp_ts_of(f), &want, sizeof want); /* taken back */
		assert_int_equal(tcp_squeezed_active(), 0);
	}
	assert_true(squeezed > 250);
	*tcp_ts_of(f) = saved;
	finish();
}

/* A connection silent for ANALYZER_QUIET_AFTER is squeezed by the sweep and
 * taken back by its next packet; what it is judged is what it would be
 * unsqueezed. */
static void test_quiet_connection_squeezed_until_next_packet(void **st)
{
	(void)st;
	uint8_t b[1600];
	unsigned nev[2];
	for (int quiet = 0; quiet < 2; quiet++) {
		start();
		open_and_talk(CISN, SISN);
		/* another connection's SYN moves the clock on */
		now_us += quiet ? ANALYZER_QUIET_AFTER + SEC(1) : 1000;
		feed(b, build_tcp(b, CLI, CPORT + 1, SRV, SPORT, S, 77, 0, 0));
		if (quiet) {
			assert_null(flow_state(the_flow())->tcp);
			assert_int_equal(tcp_squeezed_active(), 1);
		} else {
			assert_non_null(flow_state(the_flow())->tcp);
		}
		c2s(1, F | A, CISN + 11, SISN + 11, 0);
		assert_int_equal(tcp_squeezed_active(), 0);
		s2c(1, F | A, SISN + 11, CISN + 12, 0);
		c2s(1, A, CISN + 12, SISN + 12, 0);
		finish();
		const struct verdict *v = find_verdict("tcp.ok");
		assert_non_null(v);
		assert_string_equal(detail(v, "history")->s, "ShADadFf");
		assert_string_equal(detail(v, "pf_state")->s, "FIN_WAIT_2:FIN_WAIT_2");
		assert_int_equal(detail(v, "client_bytes")->i, 10);
		nev[quiet] = v->nevidence;
	}
	assert_int_equal(nev[0], nev[1]);
}

/* A plain first SYN is kept compact from the start; one carrying data (TCP
 * Fast Open) is not (the compact form has no room for its data), and both
 * are judged the same way at the end. */
static void test_first_syn_compact_unless_it_carries_data(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	assert_int_equal(tcp_packed_active(), 1);
	finish();
	assert_non_null(find_verdict("tcp.capture_ended"));
	assert_int_equal(tcp_packed_active(), 0);

	start();
	c2s(0, S, CISN, 0, 10);
	assert_int_equal(tcp_packed_active(), 0);
	c2s(1000, S, CISN, 0, 10);
	c2s(1000, S, CISN, 0, 10);
	finish();
	const struct verdict *v = find_verdict("tcp.syn_unanswered");
	assert_non_null(v);
	assert_int_equal(detail(v, "syn_count")->i, 3);
}

static void test_single_syn_at_capture_end_is_not_a_verdict(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	c2s(100, A, 77, 77, 0); /* an unrelated flow's packet would not matter either */
	finish();
	assert_null(find_verdict("tcp.syn_unanswered"));
	/* but not silence either: the capture ended too soon to tell */
	const struct verdict *v = find_verdict("tcp.capture_ended");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_INFO);
	assert_true(detail(v, "waited_s")->d > 0.09 && detail(v, "waited_s")->d < 0.11);
}

static void test_syn_unanswered_by_deadline(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	/* another flow's traffic moves the clock 5 s on */
	uint8_t b[200];
	now_us += 5000000;
	feed(b, build_tcp(b, CLI, 41000, SRV, 80, S, 1, 0, 0));
	assert_non_null(find_verdict("tcp.syn_unanswered")); /* before the end of input */
	finish();
}

static void test_refused(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	s2c(0.3, R | A, 0, CISN + 1, 0);
	finish();
	assert_int_equal(ngot, 1);
	const struct verdict *v = find_verdict("tcp.refused");
	assert_non_null(v);
	assert_int_equal(detail(v, "rst_frame")->i, 2);
	assert_int_equal(detail(v, "syn_frame")->i, 1);
}

/* a SYN from client port cport answered by a RST/ACK with TTL rst_ttl */
static void refused_from_port(uint16_t cport, uint8_t rst_ttl)
{
	uint8_t b[128];
	now_us += 1000;
	feed(b, build_tcp(b, CLI, cport, SRV, SPORT, S, CISN, 0, 0));
	next_ttl = rst_ttl;
	now_us += 300;
	feed(b, build_tcp(b, SRV, SPORT, CLI, cport, R | A, 0, CISN + 1, 0));
	next_ttl = 64;
}

/* a clean connection (the server's SYN-ACK with TTL 64), then a SYN from
 * another port refused by a RST with TTL rst_ttl: the refusal's verdict */
static const struct verdict *refused_after_clean(uint8_t rst_ttl)
{
	start();
	open_and_talk(CISN, SISN);
	close_cleanly(CISN, SISN);
	refused_from_port(CPORT + 1, rst_ttl);
	finish();
	const struct verdict *v = find_verdict("tcp.refused");
	assert_non_null(v);
	assert_string_equal(detail(v, "server_synack_ttl")->s, "64");
	return v;
}

/* the server's SYN-ACKs elsewhere in the capture came with TTL 64; a reset
 * to a SYN in its name with TTL 63 came from one hop nearer */
static void test_refused_forged_against_other_synacks(void **st)
{
	(void)st;
	const struct verdict *v = refused_after_clean(63);
	assert_int_equal(v->sev, SEV_FAIL);
	assert_int_equal(v->cport, CPORT + 1);
	assert_true(detail(v, "forged_likely")->i);
	assert_int_equal(detail(v, "rst_ttl")->i, 63);
	assert_non_null(strstr(v->summary, "in the server's name"));
	assert_non_null(strstr(v->remediation, "answered the SYN in the server's name"));
}

/* the same TTL as the server's SYN-ACKs: its own stack refused */
static void test_refused_own_against_other_synacks(void **st)
{
	(void)st;
	const struct verdict *v = refused_after_clean(64);
	assert_false(detail(v, "forged_likely")->i);
	assert_null(strstr(v->summary, "name"));
}

/* a SYN proxy answers the handshake with its own TTL (64), the server's
 * data then comes with 63: the server's own reset (63) is within the range */
static void test_refused_behind_syn_proxy_is_not_forged(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	s2c(1, S | A, SISN, CISN + 1, 0);
	c2s(1, A, CISN + 1, SISN + 1, 0);
	c2s(1, P | A, CISN + 1, SISN + 1, 10);
	next_ttl = 63;
	s2c(1, P | A, SISN + 1, CISN + 11, 10);
	next_ttl = 64;
	c2s(1, A, CISN + 11, SISN + 11, 0);
	refused_from_port(CPORT + 1, 63);
	finish();
	const struct verdict *v = find_verdict("tcp.refused");
	assert_non_null(v);
	assert_false(detail(v, "forged_likely")->i);
	assert_string_equal(detail(v, "server_synack_ttl")->s, "63-64");
}

/* no other packet of the server: no claim either way */
static void test_refused_without_reference_claims_nothing(void **st)
{
	(void)st;
	start();
	refused_from_port(CPORT + 1, 255);
	finish();
	const struct verdict *v = find_verdict("tcp.refused");
	assert_non_null(v);
	assert_null(detail(v, "forged_likely"));
	assert_null(detail(v, "server_synack_ttl"));
}

static void test_reset_not_acking_the_syn_is_ignored(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	s2c(200, R | A, 0, CISN, 0); /* ACK = ISN, not ISN + 1: injected */
	s2c(50, S | A, SISN, CISN + 1, 0);
	c2s(1, A, CISN + 1, SISN + 1, 0);
	c2s(1, P | A, CISN + 1, SISN + 1, 10);
	s2c(1, P | A, SISN + 1, CISN + 11, 10);
	c2s(1, A, CISN + 11, SISN + 11, 0);
	close_cleanly(CISN, SISN);
	finish();
	assert_null(find_verdict("tcp.refused"));
	const struct verdict *v = find_verdict("tcp.ok");
	assert_non_null(v);
	assert_int_equal(detail(v, "invalid_resets")->i, 1);
}

static void test_icmp_admin_prohibited_from_router(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	uint8_t syn[60];
	size_t sl = build_tcp(syn, CLI, CPORT, SRV, SPORT, S, CISN, 0, 0);
	uint8_t b[200];
	size_t ql = 28; /* IP header + 8 bytes of TCP, as routers quote */
	build_ip(b, RTR, CLI, 1, 8 + ql);
	uint8_t *ic = b + 20;
	memset(ic, 0, 8);
	ic[0] = 3;
	ic[1] = 13;
	memcpy(ic + 8, syn, ql);
	put16(ic + 2, csum(ic, 8 + ql, 0));
	(void)sl;
	now_us += 2000;
	feed(b, 20 + 8 + ql);
	finish();
	const struct verdict *v = find_verdict("tcp.icmp_rejected");
	assert_non_null(v);
	assert_int_equal(detail(v, "icmp_code")->i, 13);
	assert_false(detail(v, "from_target")->i);
	assert_string_equal(detail(v, "icmp_from")->s, "198.51.100.1");
	assert_null(find_verdict("tcp.syn_unanswered"));
}

static void test_fin_retransmitted_never_acked(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	c2s(1, F | A, CISN + 11, SISN + 11, 0);
	c2s(300, F | A, CISN + 11, SISN + 11, 0);
	c2s(600, F | A, CISN + 11, SISN + 11, 0);
	c2s(12000, F | A, CISN + 11, SISN + 11, 0);
	finish();
	const struct verdict *v = find_verdict("tcp.fin_unacked");
	assert_non_null(v);
	assert_string_equal(detail(v, "fin_side")->s, "client");
	/* reported when the 10 s threshold passed, before the fourth FIN */
	assert_int_equal(detail(v, "fin_count")->i, 3);
	assert_true(detail(v, "waited_s")->d >= 10.0);
	assert_string_equal(detail(v, "pf_state")->s, "CLOSING:ESTABLISHED");
	assert_null(find_verdict("tcp.ok"));
}

static void test_half_closed(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	c2s(1, F | A, CISN + 11, SISN + 11, 0);
	s2c(1, A, SISN + 11, CISN + 12, 0);
	s2c(8000, P | A, SISN + 11, CISN + 12, 5); /* still talking 8 s later, never closing */
	finish();
	const struct verdict *v = find_verdict("tcp.half_closed");
	assert_non_null(v);
	assert_string_equal(detail(v, "open_side")->s, "server");
	assert_true(detail(v, "waited_s")->d >= 5.0);
}

static void test_simultaneous_close_is_ok(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	c2s(1, F | A, CISN + 11, SISN + 11, 0);
	s2c(0, F | A, SISN + 11, CISN + 11, 0); /* crossed: acks nothing of the client's FIN */
	c2s(1, A, CISN + 12, SISN + 12, 0);
	s2c(0, A, SISN + 12, CISN + 12, 0);
	finish();
	assert_int_equal(ngot, 1);
	assert_non_null(find_verdict("tcp.ok"));
}

static void test_simultaneous_open_no_failure(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	s2c(0, S, SISN, 0, 0);
	c2s(1, S | A, CISN, SISN + 1, 0);
	s2c(0, S | A, SISN, CISN + 1, 0);
	c2s(1, P | A, CISN + 1, SISN + 1, 10);
	s2c(1, A, SISN + 1, CISN + 11, 0);
	finish();
	assert_int_equal(count_severity_at_least(SEV_WARN), 0);
	assert_null(find_verdict("tcp.syn_unanswered"));
}

static void test_reset_in_established_is_warn(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	s2c(1, R | A, SISN + 11, CISN + 11, 0);
	finish();
	const struct verdict *v = find_verdict("tcp.reset");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_WARN);
	assert_string_equal(detail(v, "reset_by")->s, "server");
	assert_string_equal(detail(v, "pf_state")->s, "TIME_WAIT:TIME_WAIT");
}

static void test_reset_while_closing_is_info(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	c2s(1, F | A, CISN + 11, SISN + 11, 0);
	c2s(1, R | A, CISN + 12, SISN + 11, 0);
	finish();
	const struct verdict *v = find_verdict("tcp.reset");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_INFO);
	assert_string_equal(detail(v, "reset_by")->s, "client");
}

static void test_reset_after_synack_is_not_refused(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	s2c(1, S | A, SISN, CISN + 1, 0);
	c2s(1, R, CISN + 1, 0, 0);
	finish();
	assert_null(find_verdict("tcp.refused"));
	assert_int_equal(count_severity_at_least(SEV_FAIL), 0);
}

static void test_fin_before_data_out_of_order(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	s2c(1, S | A, SISN, CISN + 1, 0);
	c2s(1, A, CISN + 1, SISN + 1, 0);
	c2s(1, F | A, CISN + 11, SISN + 1, 0);	/* FIN overtakes the data */
	c2s(0, P | A, CISN + 1, SISN + 1, 10);	/* the data arrives after it */
	s2c(1, F | A, SISN + 1, CISN + 12, 0);	/* acknowledges data and FIN */
	c2s(1, A, CISN + 12, SISN + 2, 0);
	finish();
	assert_non_null(find_verdict("tcp.ok"));
	assert_int_equal(ngot, 1);
}

static void test_sequence_wraparound(void **st)
{
	(void)st;
	start();
	uint32_t ci = 0xfffffff8u, si = 0xfffffffcu;
	open_and_talk(ci, si);
	close_cleanly(ci, si);
	finish();
	const struct verdict *v = find_verdict("tcp.ok");
	assert_non_null(v);
	assert_int_equal(detail(v, "client_bytes")->i, 10);
	assert_int_equal(detail(v, "server_bytes")->i, 10);
	assert_null(detail(v, "client_retransmissions"));
}

static void test_retransmission_and_keepalive(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	c2s(200, P | A, CISN + 1, SISN + 11, 10); /* data repeated: a retransmission */
	c2s(5000, A, CISN + 10, SISN + 11, 0);	  /* keep-alive: one below the next byte */
	s2c(1, A, SISN + 11, CISN + 11, 0);
	close_cleanly(CISN, SISN);
	finish();
	const struct verdict *v = find_verdict("tcp.ok");
	assert_non_null(v);
	assert_int_equal(detail(v, "client_retransmissions")->i, 1);
	assert_int_equal(detail(v, "client_bytes")->i, 10);
}

static void test_time_wait_reuse(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	close_cleanly(CISN, SISN);
	/* same 4-tuple 5 s later: within TIME_WAIT (60 s) */
	c2s(5000, S, CISN + 100000, 0, 0);
	s2c(1, S | A, SISN + 100000, CISN + 100001, 0);
	c2s(1, A, CISN + 100001, SISN + 100001, 0);
	finish();
	const struct verdict *v = find_verdict("tcp.time_wait_reuse");
	assert_non_null(v);
	assert_true(detail(v, "since_close_s")->d > 4.9 && detail(v, "since_close_s")->d < 5.1);
	assert_non_null(strstr(detail(v, "peer_response")->s, "accepted"));
	assert_non_null(find_verdict("tcp.ok")); /* the first connection */
}

/* The flow of the default endpoints, or NULL when it left the table. */
static struct flow *the_flow(void)
{
	struct addr c = { .family = 4 }, s = { .family = 4 };
	uint32_t ci = CLI, si = SRV;
	c.b[0] = (uint8_t)(ci >> 24), c.b[1] = (uint8_t)(ci >> 16), c.b[2] = (uint8_t)(ci >> 8), c.b[3] = (uint8_t)ci;
	s.b[0] = (uint8_t)(si >> 24), s.b[1] = (uint8_t)(si >> 16), s.b[2] = (uint8_t)(si >> 8), s.b[3] = (uint8_t)si;
	int dir;
	return flow_table_find(driver_flows(drv), IPPROTO_NUM_TCP, &c, CPORT, &s, SPORT, 0, &dir);
}

/* A clean close is judged by the packet that completes it (issue #16: a
 * closed flow is judged and freed at once), not when the flow leaves the
 * table: the TCP state is given back then, the flow stays for the linger
 * and absorbs the late packets of the closed connection quietly (no
 * mid-stream flow, no second verdict). */
static void test_clean_close_judged_and_freed_at_once(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	close_cleanly(CISN, SISN);
	assert_int_equal(ngot, 1); /* before the flow leaves the table */
	assert_non_null(find_verdict("tcp.ok"));
	struct flow *f = the_flow();
	assert_non_null(f);
	assert_true(flow_state(f)->tcp_closed);
	assert_null(flow_state(f)->tcp);
	assert_int_equal(flow_state(f)->tcp_packed, 0);
	/* the server's last ACK again, and its FIN again, 10 ms later */
	s2c(10, A, SISN + 12, CISN + 12, 0);
	s2c(1, F | A, SISN + 11, CISN + 12, 0);
	assert_ptr_equal(the_flow(), f);
	finish();
	assert_int_equal(ngot, 1);
	assert_null(find_verdict("capture.midstream"));
}

/* A new SYN on the 4-tuple while the judged flow lingers starts the next
 * connection, and TIME_WAIT reuse is still seen (from the record written at
 * the close). */
static void test_time_wait_reuse_during_linger(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	close_cleanly(CISN, SISN);
	struct flow *f = the_flow();
	assert_non_null(f);
	assert_true(flow_state(f)->tcp_closed);
	c2s(1000, S, CISN + 100000, 0, 0); /* 1 s later: within the 2 s linger */
	assert_ptr_equal(the_flow(), f);
	assert_false(flow_state(f)->tcp_closed);
	s2c(1, S | A, SISN + 100000, CISN + 100001, 0);
	c2s(1, A, CISN + 100001, SISN + 100001, 0);
	finish();
	const struct verdict *v = find_verdict("tcp.time_wait_reuse");
	assert_non_null(v);
	assert_true(detail(v, "since_close_s")->d > 0.9 && detail(v, "since_close_s")->d < 1.1);
	assert_non_null(strstr(detail(v, "peer_response")->s, "accepted"));
}

static void test_one_sided_works(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	c2s(1, A, CISN + 1, SISN + 1, 0); /* ACKs a SYN-ACK this point never saw */
	c2s(1, P | A, CISN + 1, SISN + 1, 10);
	c2s(5, A, CISN + 11, SISN + 501, 0); /* server data arrives by another path */
	c2s(5, A, CISN + 11, SISN + 1001, 0);
	finish();
	const struct verdict *v = find_verdict("tcp.one_sided");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_WARN);
	assert_true(detail(v, "connection_works")->i);
	assert_int_equal(detail(v, "acked_unseen_bytes")->i, 1000);
	assert_null(find_verdict("tcp.syn_unanswered"));
}

/* the mirror: only the server's packets pass here; its ACKs move over the
 * client's request and FIN, which took another path (lab capture
 * pcaps/tcp/tcp-asym-return-only) */
static void test_one_sided_server_only_works(void **st)
{
	(void)st;
	start();
	s2c(0, S | A, SISN, CISN + 1, 0);
	s2c(30, A, SISN + 1, CISN + 33, 0);
	s2c(1, P | A, SISN + 1, CISN + 33, 77);
	s2c(1, F | A, SISN + 78, CISN + 33, 0);
	s2c(1, A, SISN + 79, CISN + 34, 0);
	finish();
	const struct verdict *v = find_verdict("tcp.one_sided");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_WARN);
	assert_true(detail(v, "connection_works")->i);
	assert_string_equal(detail(v, "seen_direction")->s, "server->client");
	assert_int_equal(detail(v, "acked_unseen_bytes")->i, 33);
}

/* SYN-ACKs repeated with nothing acknowledged: the client's side does not
 * get through */
static void test_one_sided_server_only_repeating_fails(void **st)
{
	(void)st;
	start();
	s2c(0, S | A, SISN, CISN + 1, 0);
	s2c(1000, S | A, SISN, CISN + 1, 0);
	s2c(2000, S | A, SISN, CISN + 1, 0);
	finish();
	const struct verdict *v = find_verdict("tcp.one_sided");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_FAIL);
	assert_false(detail(v, "connection_works")->i);
	assert_int_equal(detail(v, "acked_unseen_bytes")->i, 0);
}

static void test_one_sided_fails_with_stateful_drop(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	c2s(1, A, CISN + 1, SISN + 1, 0);
	c2s(1, P | A, CISN + 1, SISN + 1, 10);
	c2s(200, P | A, CISN + 1, SISN + 1, 10);
	c2s(400, P | A, CISN + 1, SISN + 1, 10);
	c2s(800, P | A, CISN + 1, SISN + 1, 10);
	finish();
	const struct verdict *v = find_verdict("tcp.one_sided");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_FAIL);
	assert_false(detail(v, "connection_works")->i);
}

static void test_midstream_is_not_asymmetric(void **st)
{
	(void)st;
	start();
	c2s(0, P | A, CISN + 1, SISN + 1, 10);
	s2c(1, A, SISN + 1, CISN + 11, 0);
	finish();
	assert_null(find_verdict("tcp.one_sided"));
	assert_non_null(find_verdict("capture.midstream"));
}

static void test_span_duplicates_ignored(void **st)
{
	(void)st;
	start();
	uint8_t b[200];
	c2s(0, S, CISN, 0, 0);
	size_t n = build_tcp(b, SRV, SPORT, CLI, CPORT, S | A, SISN, CISN + 1, 0);
	now_us += 1000;
	feed(b, n);
	now_us += 3; /* the same packet again, 3 us later */
	feed(b, n);
	c2s(1, A, CISN + 1, SISN + 1, 0);
	c2s(1, P | A, CISN + 1, SISN + 1, 10);
	s2c(1, A, SISN + 1, CISN + 11, 0);
	close_cleanly(CISN, SISN - 10);
	finish();
	const struct verdict *d = find_verdict("capture.duplicates");
	assert_non_null(d);
	assert_int_equal(detail(d, "duplicates")->i, 1);
	assert_null(find_verdict("tcp.slow_handshake"));
}

static void test_slow_handshake_after_syn_retransmission(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	c2s(1000, S, CISN, 0, 0);
	s2c(20, S | A, SISN, CISN + 1, 0);
	c2s(20, A, CISN + 1, SISN + 1, 0);
	c2s(1, P | A, CISN + 1, SISN + 1, 10);
	s2c(1, P | A, SISN + 1, CISN + 11, 10);
	c2s(1, A, CISN + 11, SISN + 11, 0);
	close_cleanly(CISN, SISN);
	finish();
	const struct verdict *v = find_verdict("tcp.slow_handshake");
	assert_non_null(v);
	assert_int_equal(detail(v, "syn_sent")->i, 2);
	assert_true(detail(v, "handshake_s")->d > 1.0 && detail(v, "handshake_s")->d < 1.1);
	assert_null(find_verdict("tcp.ok"));
}

/* client data re-sent with exponential backoff, the server silent */
static void test_stalled_after_handshake(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	c2s(1, P | A, CISN + 11, SISN + 11, 100);
	c2s(200, P | A, CISN + 11, SISN + 11, 100);
	c2s(400, P | A, CISN + 11, SISN + 11, 100);
	c2s(800, P | A, CISN + 11, SISN + 11, 100);
	c2s(1600, P | A, CISN + 11, SISN + 11, 100);
	finish();
	const struct verdict *v = find_verdict("tcp.stalled");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_FAIL);
	assert_string_equal(detail(v, "stalled_side")->s, "client");
	assert_int_equal(detail(v, "retransmissions")->i, 4);
	assert_int_equal(detail(v, "last_acked_byte")->i, 10);
	assert_int_equal(detail(v, "unacked_bytes")->i, 100);
	assert_false(detail(v, "peer_sent_after")->i);
	assert_true(detail(v, "stalled_for_s")->d > 2.7 && detail(v, "stalled_for_s")->d < 2.9);
	assert_null(find_verdict("tcp.zero_window"));
}

/* a loss repaired by one retransmission is no stall */
static void test_retransmission_then_ack_is_not_stalled(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	c2s(1, P | A, CISN + 11, SISN + 11, 100);
	c2s(200, P | A, CISN + 11, SISN + 11, 100);
	c2s(400, P | A, CISN + 11, SISN + 11, 100);
	s2c(10, A, SISN + 11, CISN + 111, 0);
	c2s(1, F | A, CISN + 111, SISN + 11, 0);
	s2c(1, F | A, SISN + 11, CISN + 112, 0);
	c2s(1, A, CISN + 112, SISN + 12, 0);
	finish();
	assert_null(find_verdict("tcp.stalled"));
	assert_non_null(find_verdict("tcp.ok"));
}

/* the client's window stays 0; the server probes it: flow control */
static void test_zero_window_probed(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	s2c(1, P | A, SISN + 11, CISN + 11, 100);
	next_win = 0;
	c2s(1, A, CISN + 11, SISN + 111, 0);
	for (int i = 0; i < 4; i++) {
		next_win = 64240;
		s2c(500.0 * (1 << i), A, SISN + 110, CISN + 11, 0); /* probe: one below snd.nxt */
		next_win = 0;
		c2s(1, A, CISN + 11, SISN + 111, 0);
	}
	finish();
	const struct verdict *v = find_verdict("tcp.zero_window");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_WARN);
	assert_string_equal(detail(v, "zero_window_side")->s, "client");
	assert_true(detail(v, "zero_window_probes")->i >= 2);
	assert_null(find_verdict("tcp.stalled"));
}

/* a reset in the server's name whose TTL is not the server's */
static void test_forged_reset_fingerprint(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	next_ttl = 63;
	s2c(1, R | A, SISN + 11, CISN + 11, 0);
	finish();
	const struct verdict *v = find_verdict("tcp.reset");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_WARN);
	assert_true(detail(v, "forged_likely")->i);
	assert_int_equal(detail(v, "rst_ttl")->i, 63);
	assert_string_equal(detail(v, "sender_ttl")->s, "64");
	assert_non_null(strstr(v->summary, "forged"));
}

static void test_own_reset_is_not_forged(void **st)
{
	(void)st;
	start();
	open_and_talk(CISN, SISN);
	s2c(1, R | A, SISN + 11, CISN + 11, 0);
	finish();
	const struct verdict *v = find_verdict("tcp.reset");
	assert_non_null(v);
	assert_false(detail(v, "forged_likely")->i);
	assert_null(detail(v, "fingerprint_mismatch"));
}

/* SYN, the client's own RST, the same SYN again: one attempt */
static void test_syn_after_own_reset_same_attempt(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	c2s(1000, R, CISN + 1, 0, 0);
	c2s(5, S, CISN, 0, 0);
	s2c(20, S | A, SISN, CISN + 1, 0);
	c2s(20, A, CISN + 1, SISN + 1, 0);
	c2s(1, P | A, CISN + 1, SISN + 1, 10);
	s2c(1, P | A, SISN + 1, CISN + 11, 10);
	c2s(1, A, CISN + 11, SISN + 11, 0);
	close_cleanly(CISN, SISN);
	finish();
	const struct verdict *v = find_verdict("tcp.slow_handshake");
	assert_non_null(v);
	assert_int_equal(detail(v, "syn_sent")->i, 2);
	assert_true(detail(v, "handshake_s")->d > 1.0 && detail(v, "handshake_s")->d < 1.1);
	assert_null(find_verdict("tcp.reset"));
}

/* the same after the first flow left the table (the RST ended it) */
static void test_syn_after_own_reset_late(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	c2s(1000, R, CISN + 1, 0, 0);
	uint8_t b[200];
	now_us += 5000000; /* the reset flow lingers 2 s, then goes */
	feed(b, build_tcp(b, RTR, 1, CLI, 2, A, 1, 1, 0));
	c2s(0, S, CISN, 0, 0);
	s2c(20, S | A, SISN, CISN + 1, 0);
	c2s(20, A, CISN + 1, SISN + 1, 0);
	close_cleanly(CISN - 10, SISN - 10);
	finish();
	const struct verdict *v = find_verdict("tcp.slow_handshake");
	assert_non_null(v);
	assert_int_equal(detail(v, "syn_sent")->i, 2);
	assert_true(detail(v, "handshake_s")->d > 6.0 && detail(v, "handshake_s")->d < 6.1);
}

/* a banner passes here, the rest of the server's bytes do not, yet the
 * client acknowledges them */
static void test_one_sided_with_some_server_packets(void **st)
{
	(void)st;
	start();
	c2s(0, S, CISN, 0, 0);
	s2c(1, S | A, SISN, CISN + 1, 0);
	c2s(1, A, CISN + 1, SISN + 1, 0);
	s2c(1, P | A, SISN + 1, CISN + 1, 20);
	c2s(1, A, CISN + 1, SISN + 21, 0);
	c2s(1, P | A, CISN + 1, SISN + 1021, 10);
	c2s(1, P | A, CISN + 11, SISN + 3021, 10);
	c2s(1, F | A, CISN + 21, SISN + 3022, 0);
	finish();
	const struct verdict *v = find_verdict("tcp.one_sided");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_WARN);
	assert_int_equal(detail(v, "acked_unseen_bytes")->i, 3001);
	assert_int_equal(detail(v, "other_direction_packets")->i, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_connection_is_ok),
		cmocka_unit_test(test_evidence_keeps_largest_length),
		cmocka_unit_test(test_stalled_after_handshake),
		cmocka_unit_test(test_retransmission_then_ack_is_not_stalled),
		cmocka_unit_test(test_zero_window_probed),
		cmocka_unit_test(test_forged_reset_fingerprint),
		cmocka_unit_test(test_own_reset_is_not_forged),
		cmocka_unit_test(test_syn_after_own_reset_same_attempt),
		cmocka_unit_test(test_syn_after_own_reset_late),
		cmocka_unit_test(test_one_sided_with_some_server_packets),
		cmocka_unit_test(test_syn_retransmitted_unanswered),
		cmocka_unit_test(test_half_open_packed_until_answered),
		cmocka_unit_test(test_retried_syn_stays_compact),
		cmocka_unit_test(test_squeeze_is_lossless),
		cmocka_unit_test(test_quiet_connection_squeezed_until_next_packet),
		cmocka_unit_test(test_first_syn_compact_unless_it_carries_data),
		cmocka_unit_test(test_single_syn_at_capture_end_is_not_a_verdict),
		cmocka_unit_test(test_syn_unanswered_by_deadline),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_refused_forged_against_other_synacks),
		cmocka_unit_test(test_refused_own_against_other_synacks),
		cmocka_unit_test(test_refused_without_reference_claims_nothing),
		cmocka_unit_test(test_refused_behind_syn_proxy_is_not_forged),
		cmocka_unit_test(test_reset_not_acking_the_syn_is_ignored),
		cmocka_unit_test(test_icmp_admin_prohibited_from_router),
		cmocka_unit_test(test_fin_retransmitted_never_acked),
		cmocka_unit_test(test_half_closed),
		cmocka_unit_test(test_simultaneous_close_is_ok),
		cmocka_unit_test(test_simultaneous_open_no_failure),
		cmocka_unit_test(test_reset_in_established_is_warn),
		cmocka_unit_test(test_reset_while_closing_is_info),
		cmocka_unit_test(test_reset_after_synack_is_not_refused),
		cmocka_unit_test(test_fin_before_data_out_of_order),
		cmocka_unit_test(test_sequence_wraparound),
		cmocka_unit_test(test_retransmission_and_keepalive),
		cmocka_unit_test(test_time_wait_reuse),
		cmocka_unit_test(test_clean_close_judged_and_freed_at_once),
		cmocka_unit_test(test_time_wait_reuse_during_linger),
		cmocka_unit_test(test_one_sided_works),
		cmocka_unit_test(test_one_sided_server_only_works),
		cmocka_unit_test(test_one_sided_server_only_repeating_fails),
		cmocka_unit_test(test_one_sided_fails_with_stateful_drop),
		cmocka_unit_test(test_midstream_is_not_asymmetric),
		cmocka_unit_test(test_span_duplicates_ignored),
		cmocka_unit_test(test_slow_handshake_after_syn_retransmission),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
