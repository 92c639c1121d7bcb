/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_driver.c - the pipeline driver runs capture after capture in one
 * process, each from a clean state: the same input twice gives the same
 * verdicts and the same summary, byte for byte; a hook that reads only the
 * ended flows gets every one of them and no look at the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/config.h"
#include "analyzer/driver.h"
#include "analyzer/verdict.h"

/* Every verdict of a run, as text: id, severity, endpoints, times,
 * evidence, summary, details, remediation. */
struct transcript {
	char *buf;
	size_t len, cap;
	unsigned verdicts;
};

static void put(struct transcript *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct transcript *t, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t k = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	if (t->len + k + 1 > t->cap) {
		t->cap = (t->len + k + 1) * 2;
		t->buf = realloc(t->buf, t->cap);
		assert_non_null(t->buf);
	}
	memcpy(t->buf + t->len, line, k);
	t->len += k;
	t->buf[t->len] = 0;
}

static void on_verdict(const struct verdict *v, void *arg)
{
	struct transcript *t = arg;
	char c[64], s[64];
	addr_str(&v->client, c, sizeof c);
	addr_str(&v->server, s, sizeof s);
	put(t, "%s %d %u %s:%u %s:%u flow %llu %llu-%llu\n", v->id, (int)v->sev, v->proto, c, v->cport, s, v->sport,
	    (unsigned long long)v->flow_id, (unsigned long long)v->first_ts, (unsigned long long)v->last_ts);
	for (unsigned i = 0; i < v->nevidence; i++)
		put(t, " ev %llu %llu %d %s\n", (unsigned long long)v->ev[i].frame, (unsigned long long)v->ev[i].ts,
		    v->ev[i].dir, v->ev[i].what);
	put(t, " summary %s\n", v->summary);
	for (unsigned i = 0; i < v->ndetails; i++) {
		const struct verdict_detail *d = &v->details[i];
		/* only the field of the detail's kind holds a value */
		if (d->kind == DETAIL_STR)
			put(t, " detail %s %s\n", d->key, d->s);
		else if (d->kind == DETAIL_NUM)
			put(t, " detail %s %.6f\n", d->key, d->d);
		else
			put(t, " detail %s %lld\n", d->key, d->i);
	}
	put(t, " remedy %s\n", v->remediation ? v->remediation : "");
	t->verdicts++;
}

/* Captures of every kind the pipeline handles: TCP, SSH over IPv4 and
 * IPv6, IKE with NAT-T and ESP, IPv4 fragments (libnids), ICMP. */
static const char *inputs[] = {
	SOURCE_DIR "/pcaps/ssh/ssh-banner-stall.pcap",  SOURCE_DIR "/pcaps/ssh/ssh-ipv6-ok.pcap",
	SOURCE_DIR "/pcaps/ssh/ssh-icmp-reject.pcap",   SOURCE_DIR "/pcaps/ssh/ssh-no-common-kex.pcap",
	SOURCE_DIR "/pcaps/tcp/tcp-fin-unacked.pcap",   SOURCE_DIR "/pcaps/tcp/tcp-time-wait-reuse.pcap",
	SOURCE_DIR "/pcaps/ike/ike-ip-frag-lost.pcap", SOURCE_DIR "/pcaps/ike/ike-esp-blocked.pcap",
	SOURCE_DIR "/pcaps/ike/ike-ok.pcap",            SOURCE_DIR "/pcaps/link/frag.pcap",
};

static void run_once(struct transcript *t, struct run_summary *sum)
{
	memset(t, 0, sizeof *t);
	config_defaults(&sd_cfg);
	verdict_clear_sinks();
	verdict_reset_counts();
	struct verdict_sink sink = { on_verdict, NULL, t };
	verdict_add_sink(&sink);
	struct capture_opts o;
	memset(&o, 0, sizeof o);
	o.files = inputs;
	o.nfiles = (int)(sizeof inputs / sizeof inputs[0]);
	o.max_flows = sd_cfg.max_flows;
	o.idle_timeout = sd_cfg.idle_timeout;
	char err[512] = "";
	int rc = driver_run(&o, NULL, sum, NULL, err, sizeof err);
	if (rc != CAPTURE_OK)
		fail_msg("driver_run: %s", err);
	verdict_counts(sum->counts);
	verdict_clear_sinks();
}

/* On a difference, say where: the first line that differs. */
static void assert_same_transcript(const char *a, const char *b)
{
	size_t line = 1, start = 0, i = 0;
	for (; a[i] && a[i] == b[i]; i++)
		if (a[i] == '\n') {
			line++;
			start = i + 1;
		}
	if (!a[i] && !b[i])
		return;
	const char *ea = strchr(a + start, '\n'), *eb = strchr(b + start, '\n');
	int la = ea ? (int)(ea - (a + start)) : (int)strlen(a + start);
	int lb = eb ? (int)(eb - (b + start)) : (int)strlen(b + start);
	fail_msg("runs differ at line %zu:\n  first:  %.*s\n  second: %.*s", line, la, a + start, lb, b + start);
}

static void test_two_runs_are_identical(void **state)
{
	(void)state;
	struct transcript a, b;
	struct run_summary sa, sb;
	run_once(&a, &sa);
	run_once(&b, &sb);
	/* the input gives verdicts of every severity */
	assert_true(a.verdicts >= 10);
	assert_true(sa.counts[SEV_FAIL] > 0 && sa.counts[SEV_OK] > 0);
	assert_true(sa.packets > 0 && sa.flows > 0);
	assert_same_transcript(a.buf, b.buf);
	assert_int_equal(a.verdicts, b.verdicts);
	/* the summary too: no counter carried over from the first run */
	assert_memory_equal(&sa, &sb, sizeof sa);
	free(a.buf);
	free(b.buf);
}

/* A run to be fed frame by frame, with small tables. */
static struct driver *begin_feed_run(struct capture_opts *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	o->max_flows = 1024;
	o->idle_timeout = SEC(600);
	struct driver *d = driver_begin(o, NULL, err, errlen);
	assert_non_null(d);
	return d;
}

/* A run fed frame by frame after a file run: the flow table, clock and
 * counters start from zero. */
static void test_feed_after_run_starts_clean(void **state)
{
	(void)state;
	struct transcript a;
	struct run_summary sa;
	run_once(&a, &sa);
	free(a.buf);
	struct capture_opts o;
	char err[256];
	struct driver *d = begin_feed_run(&o, err, sizeof err);
	assert_int_equal(driver_now(d), 0);
	/* only one run at a time: libnids is one per process */
	assert_null(driver_begin(&o, NULL, err, sizeof err));
	struct run_summary s;
	driver_end(d, true, &s);
	assert_int_equal(s.packets, 0);
	assert_int_equal(s.flows, 0);
	assert_int_equal(s.bad_checksums, 0);
	assert_int_equal(s.tcp_not_held, 0);
}

/* Timestamps that go backwards: counted per packet older than the newest
 * read so far, with the first such packet and the one furthest back. Raw
 * IPv4 frames (DLT_RAW) at 1.0, 2.0, 1.5, 3.0, 0.5, 2.5 s. */
static void test_time_disorder_names_packets(void **state)
{
	(void)state;
	struct capture_opts o;
	char err[256];
	struct driver *d = begin_feed_run(&o, err, sizeof err);
	/* a 28-byte IPv4/UDP datagram 192.0.2.1:1000 -> 198.51.100.1:2000 */
	static const uint8_t ip[28] = { 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 198, 51, 100, 1,
					0x03, 0xe8, 0x07, 0xd0, 0, 8, 0, 0 };
	static const ts_usec at[] = { SEC(1), SEC(2), SEC(1) + SEC(1) / 2, SEC(3), SEC(1) / 2, SEC(2) + SEC(1) / 2 };
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
		driver_feed(d, 12 /* DLT_RAW */, ip, sizeof ip, sizeof ip, at[i]);
	struct run_summary s;
	driver_end(d, true, &s);
	assert_int_equal(s.packets, 6);
	assert_int_equal(s.out_of_order, 3); /* frames 3, 5 and 6 */
	assert_int_equal(s.disorder.first_frame, 3);
	assert_int_equal(s.disorder.first_back, SEC(1) / 2);
	assert_int_equal(s.disorder.max_frame, 5);
	assert_int_equal(s.disorder.max_back, SEC(2) + SEC(1) / 2);
}

/* What the ended-rows hook saw. */
struct ended_seen {
	unsigned polls, rows, most, looks;
};

static void on_poll_count(void *arg, const struct driver_snapshot *snap)
{
	struct ended_seen *e = arg;
	e->polls++;
	e->rows += (unsigned)snap->nended;
	if (snap->nended > e->most)
		e->most = (unsigned)snap->nended;
	if (snap->look || snap->nrows)
		e->looks++;
}

/* A hook that reads only the ended rows (the text report's): every flow's
 * row reaches it, DRIVER_ENDED_ONLY_ROWS at most at a time, and no look at
 * the table is taken, though polled as often as it may be (a file run
 * polls every 1024 frames). A capture of 3000 UDP flows of one datagram
 * each (raw IPv4, a new source port each). */
static void test_ended_only_rows(void **state)
{
	(void)state;
	char path[] = "/tmp/test_driver_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "wb");
	assert_non_null(f);
	const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101 /* LINKTYPE_RAW */ };
	fwrite(hdr, sizeof hdr, 1, f);
	uint8_t ip[28] = { 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 198, 51, 100, 1,
			   0x03, 0xe8, 0x07, 0xd0, 0, 8, 0, 0 };
	const unsigned n = 3000;
	for (unsigned i = 0; i < n; i++) {
		const uint32_t rec[4] = { 1700000000, i, sizeof ip, sizeof ip };
		ip[20] = (uint8_t)(0x10 + i / 256);
		ip[21] = (uint8_t)i;
		fwrite(rec, sizeof rec, 1, f);
		fwrite(ip, sizeof ip, 1, f);
	}
	assert_int_equal(fclose(f), 0);
	struct ended_seen e = { 0 };
	struct driver_hooks h = { .on_poll = on_poll_count, .arg = &e, .ended_without_phase = true, .ended_only = true };
	config_defaults(&sd_cfg);
	verdict_clear_sinks();
	const char *files[] = { path };
	struct capture_opts o;
	memset(&o, 0, sizeof o);
	o.files = files;
	o.nfiles = 1;
	o.max_flows = sd_cfg.max_flows;
	o.idle_timeout = sd_cfg.idle_timeout;
	o.poll_ms = 1;
	char err[512] = "";
	struct run_summary s;
	int rc = driver_run(&o, &h, &s, NULL, err, sizeof err);
	unlink(path);
	if (rc != CAPTURE_OK)
		fail_msg("driver_run: %s", err);
	assert_int_equal(s.flows, n);
	assert_int_equal(e.rows, n);
	assert_true(e.most <= DRIVER_ENDED_ONLY_ROWS);
	assert_true(e.polls >= n / DRIVER_ENDED_ONLY_ROWS);
	assert_int_equal(e.looks, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_runs_are_identical),
		cmocka_unit_test(test_feed_after_run_starts_clean),
		cmocka_unit_test(test_time_disorder_names_packets),
		cmocka_unit_test(test_ended_only_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
