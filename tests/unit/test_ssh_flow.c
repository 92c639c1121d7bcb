/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ssh_flow.c - the SSH analyzer on whole connections: synthetic TCP
 * packets go through the flow table, the TCP tracker and the SSH analyzer
 * (as capture.c drives them), with in-order stream bytes handed over the
 * way the reassembler does; the verdicts are collected from a sink. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer/analyzer.h"
#include "analyzer/config.h"
#include "analyzer/ssh-int.h"
#include "analyzer/ssh-proto.h"
#include "analyzer/ssh.h"
#include "analyzer/verdict.h"
#include "capture/flow.h"
#include "test_ssh_common.h"

/* ---- collected verdicts --------------------------------------------------- */

#define MAXV 16

static struct got {
	char id[40];
	enum severity sev;
	char summary[VERDICT_SUMMARY_LEN];
	unsigned nd;
	struct verdict_detail d[VERDICT_MAX_DETAILS];
} got[MAXV];
static int ngot;

static void on_verdict(const struct verdict *v, void *arg)
{
	(void)arg;
	if (ngot >= MAXV)
		return;
	struct got *g = &got[ngot++];
	snprintf(g->id, sizeof g->id, "%s", v->id);
	g->sev = v->sev;
	snprintf(g->summary, sizeof g->summary, "%s", v->summary);
	g->nd = v->ndetails;
	memcpy(g->d, v->details, sizeof g->d);
}

static const struct got *find_verdict(const char *id)
{
	for (int i = 0; i < ngot; i++)
		if (!strcmp(got[i].id, id))
			return &got[i];
	return NULL;
}

static int count_prefix(const char *prefix)
{
	int n = 0;
	for (int i = 0; i < ngot; i++)
		if (!strncmp(got[i].id, prefix, strlen(prefix)))
			n++;
	return n;
}

static bool summary_has(const struct got *g, const char *needle)
{
	return g && strstr(g->summary, needle);
}

static const struct verdict_detail *detail(const struct got *g, const char *key)
{
	for (unsigned i = 0; i < g->nd; i++)
		if (!strcmp(g->d[i].key, key))
			return &g->d[i];
	return NULL;
}

static const char *dstr(const struct got *g, const char *key)
{
	const struct verdict_detail *d = g ? detail(g, key) : NULL;
	return d && d->kind == DETAIL_STR ? d->s : "";
}

static double dnum(const struct got *g, const char *key)
{
	const struct verdict_detail *d = g ? detail(g, key) : NULL;
	return d && d->kind == DETAIL_NUM ? d->d : -1.0;
}

/* ---- a TCP connection, packet by packet ------------------------------------- */

struct conv {
	struct flow_table *t;
	struct flow *f;
	struct addr a[2]; /* client, server */
	uint16_t port[2];
	uint32_t seq[2];
	uint32_t isn[2];
	ts_usec now;
	uint64_t frame;
	bool deliver; /* hand stream bytes over (off: a hole in the capture) */
};

static void on_end(struct flow *f, enum flow_end_reason why, ts_usec now, void *arg)
{
	(void)arg;
	analyzer_flow_end(f, why, now);
}

static struct flow_table *table;

static int setup(void **state)
{
	(void)state;
	config_defaults(&sd_cfg);
	analyzer_init();
	verdict_clear_sinks();
	static const struct verdict_sink sink = { on_verdict, NULL, NULL };
	verdict_add_sink(&sink);
	table = flow_table_new(64, SEC(600), on_end, NULL);
	ngot = 0;
	return table ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	flow_table_free(table);
	return 0;
}

/* One packet from side dir. Data is delivered to the analyzer as the
 * reassembler would, after the packet itself. */
static void packet(struct conv *c, int dir, uint8_t flags, const void *data, uint32_t len, ts_usec dt)
{
	struct pkt p;
	memset(&p, 0, sizeof p);
	c->now += dt;
	p.frame = ++c->frame;
	p.ts = c->now;
	p.ipver = 4;
	p.proto = IPPROTO_NUM_TCP;
	p.src = c->a[dir];
	p.dst = c->a[!dir];
	p.sport = c->port[dir];
	p.dport = c->port[!dir];
	p.tcp_flags = flags;
	p.seq = c->seq[dir];
	p.ack = (flags & TH_ACK) ? c->seq[!dir] : 0;
	p.win = 65535;
	p.payload = data;
	p.payload_len = p.payload_wire_len = len;
	p.caplen = p.wirelen = 54 + len;
	p.l4_csum = CSUM_GOOD;
	int d;
	struct flow *f = flow_table_lookup(c->t, &p, &d);
	assert_non_null(f);
	if (f->pkts[0] + f->pkts[1] == 1)
		analyzer_flow_new(f, &p);
	c->f = f;
	analyzer_packet(f, d, &p);
	c->seq[dir] += len + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
	if (len && f->want_stream && c->deliver)
		analyzer_stream(f, d, data, len, p.frame, p.ts);
}

static void conv_open(struct conv *c, uint16_t cport, uint16_t sport)
{
	memset(c, 0, sizeof *c);
	c->t = table;
	addr_parse("192.0.2.10", &c->a[0]);
	addr_parse("198.51.100.20", &c->a[1]);
	c->port[0] = cport;
	c->port[1] = sport;
	c->seq[0] = c->isn[0] = 1000;
	c->seq[1] = c->isn[1] = 5000;
	c->now = SEC(1700000000);
	c->deliver = true;
	packet(c, DIR_C2S, TH_SYN, NULL, 0, 0);
	packet(c, DIR_S2C, TH_SYN | TH_ACK, NULL, 0, 1000);
	packet(c, DIR_C2S, TH_ACK, NULL, 0, 1000);
}

static void send_data(struct conv *c, int dir, const void *data, size_t len, ts_usec dt)
{
	packet(c, dir, TH_ACK | TH_PSH, data, (uint32_t)len, dt);
}

static void ack(struct conv *c, int dir, ts_usec dt)
{
	packet(c, dir, TH_ACK, NULL, 0, dt);
}

static void conv_end(struct conv *c)
{
	flow_table_end_all(c->t, c->now);
}

/* ---- SSH building blocks -------------------------------------------------------- */

static size_t kexinit_pkt(uint8_t *out, const char *kex, const char *cipher)
{
	const char *lists[10] = { kex, "ssh-ed25519", cipher, cipher, "hmac-sha2-256", "hmac-sha2-256",
				  "none", "none", "", "" };
	uint8_t pl[1024];
	return packetize(out, pl, make_kexinit(pl, lists, false));
}

static size_t msg_pkt(uint8_t *out, uint8_t msg, size_t body)
{
	uint8_t pl[2048];
	memset(pl, 0x22, sizeof pl);
	pl[0] = msg;
	return packetize(out, pl, body + 1);
}

/* An ECDH reply whose host key blob names its type. */
static size_t reply_pkt(uint8_t *out)
{
	uint8_t pl[256];
	size_t o = 0;
	pl[o++] = SSH_MSG_KEX_31;
	o += put32(pl + o, 51);
	o += put32(pl + o, 11);
	memcpy(pl + o, "ssh-ed25519", 11);
	o += 11;
	memset(pl + o, 0x33, 100);
	o += 100;
	return packetize(out, pl, o);
}

static const char CIDENT[] = "SSH-2.0-OpenSSH_9.6 test\r\n";
static const char SIDENT[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";

/* A healthy handshake with the server's ident and KEXINIT coalesced, the
 * client's KEXINIT split in three, and NEWKEYS followed by encrypted bytes
 * in the same segment. */
static void handshake_with(struct conv *c, ts_usec banner_delay, const uint8_t *k, size_t kn)
{
	uint8_t buf[4096];
	send_data(c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	size_t o = strlen(SIDENT);
	memcpy(buf, SIDENT, o);
	o += kexinit_pkt(buf + o, "curve25519-sha256,kex-strict-s-v00@openssh.com", "aes128-ctr");
	send_data(c, DIR_S2C, buf, o, banner_delay);
	send_data(c, DIR_C2S, k, 7, 200);
	send_data(c, DIR_C2S, k + 7, 100, 10);
	send_data(c, DIR_C2S, k + 107, kn - 107, 10);
	ack(c, DIR_S2C, 100);
	o = msg_pkt(buf, SSH_MSG_KEX_30, 36);
	send_data(c, DIR_C2S, buf, o, 300);
	o = reply_pkt(buf);
	o += msg_pkt(buf + o, SSH_MSG_NEWKEYS, 0);
	send_data(c, DIR_S2C, buf, o, 5000);
	o = msg_pkt(buf, SSH_MSG_NEWKEYS, 0);
	memset(buf + o, 0x5a, 44); /* the first encrypted packet rides along */
	send_data(c, DIR_C2S, buf, o + 44, 2000);
}

/* The same with the client's KEXINIT of an OpenSSH client. */
static void handshake(struct conv *c, ts_usec banner_delay)
{
	uint8_t k[2048];
	size_t kn = kexinit_pkt(k, "sntrup761x25519-sha512,curve25519-sha256,ext-info-c", "chacha20-poly1305@openssh.com,aes128-ctr");
	handshake_with(c, banner_delay, k, kn);
}

/* ---- tests --------------------------------------------------------------------- */

static void test_ok_split_and_coalesced(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 22);
	handshake(&c, 8000);
	assert_false(c.f->want_stream); /* both NEWKEYS: no more reassembly */
	/* a login: the server answers with plenty */
	uint8_t enc[600];
	memset(enc, 0x77, sizeof enc);
	send_data(&c, DIR_S2C, enc, 44, 1000);
	send_data(&c, DIR_C2S, enc, 60, 1000);
	send_data(&c, DIR_S2C, enc, 600, 1000);
	conv_end(&c);
	assert_int_equal(count_prefix("ssh."), 1);
	const struct got *g = find_verdict("ssh.ok");
	assert_non_null(g);
	assert_int_equal(g->sev, SEV_OK);
	assert_string_equal(dstr(g, "kex"), "curve25519-sha256");
	assert_string_equal(dstr(g, "cipher"), "aes128-ctr");
	assert_string_equal(dstr(g, "mac"), "hmac-sha2-256");
	assert_string_equal(dstr(g, "server_host_key"), "ssh-ed25519");
	assert_string_equal(dstr(g, "client_ident"), "SSH-2.0-OpenSSH_9.6 test");
	assert_string_equal(dstr(g, "server_ident"), "SSH-2.0-OpenSSH_9.2p1 Debian-2");
	assert_int_equal(strlen(dstr(g, "hassh")), 32);
	assert_int_equal(strlen(dstr(g, "hassh_server")), 32);
	/* 1 ms SYN-ACK + 1 ms ACK; banner 8.1 ms after the ACK */
	assert_true(dnum(g, "connect_s") > 0.00199 && dnum(g, "connect_s") < 0.00201);
	assert_true(dnum(g, "banner_wait_s") > 0.00809 && dnum(g, "banner_wait_s") < 0.00811);
	assert_null(find_verdict("tcp.ok")); /* the ssh verdict covers the flow */
	assert_int_equal(ssh_stats()->active, 0);
}

static void test_slow_banner(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 2222); /* not port 22: found by content */
	handshake(&c, SEC(7));
	conv_end(&c);
	const struct got *g = find_verdict("ssh.slow_handshake");
	assert_non_null(g);
	assert_int_equal(g->sev, SEV_WARN);
	assert_string_equal(dstr(g, "dominant_phase"), "waiting for the server banner");
	assert_true(dnum(g, "banner_wait_s") > 7.0 && dnum(g, "banner_wait_s") < 7.01);
	assert_null(find_verdict("ssh.ok"));
}

static void test_banner_stall_client_gives_up(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 22);
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	ack(&c, DIR_S2C, 100);
	char line[120];
	ssh_describe(c.f, c.now + SEC(4), line, sizeof line);
	assert_string_equal(line, "SSH awaiting server banner 4.0 s");
	packet(&c, DIR_C2S, TH_FIN | TH_ACK, NULL, 0, SEC(6));
	conv_end(&c);
	const struct got *g = find_verdict("ssh.banner_stall");
	assert_non_null(g);
	assert_int_equal(g->sev, SEV_FAIL);
	assert_true(dnum(g, "waited_s") > 6.0 && dnum(g, "waited_s") < 6.001);
	assert_true(summary_has(g, "client gave up after 6.000 s"));
	assert_int_equal(count_prefix("ssh."), 1);
}

static void test_banner_stall_by_timer(void **state)
{
	(void)state;
	/* a client that never gives up, whose bytes the server acknowledged:
	 * its FIN would show a give-up, and a banner may still come (a slow
	 * handshake): reported once three banner timeouts pass */
	struct conv c;
	conv_open(&c, 40000, 22);
	ts_usec est = c.now;
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	ack(&c, DIR_S2C, 100);
	assert_true(c.f->deadline && c.f->deadline <= est + 3 * sd_cfg.banner_timeout);
	char line[120];
	assert_false(analyzer_problem(c.f, est + SEC(0.5), line, sizeof line));
	assert_true(analyzer_problem(c.f, est + SEC(3.2), line, sizeof line));
	assert_string_equal(line, "SSH: no server banner for 3.2 s");
	analyzer_timer(c.f, est + SEC(59));
	assert_int_equal(count_prefix("ssh."), 0);
	/* the sweep may come late (at the next packet): judged as of the deadline */
	analyzer_timer(c.f, est + SEC(75));
	const struct got *g = find_verdict("ssh.banner_stall");
	assert_non_null(g);
	assert_true(summary_has(g, "still nothing after 60.000 s"));
	assert_true(summary_has(g, "acknowledged the client's identification but never sent its own"));
	assert_string_equal(dstr(g, "stall_cause"), "server");
	assert_true(dnum(g, "waited_s") > 59.999 && dnum(g, "waited_s") < 60.001);
	/* reported once, and the session is given back */
	assert_int_equal(ssh_stats()->active, 0);
	conv_end(&c);
	assert_int_equal(count_prefix("ssh."), 1);
}

/* The client's identification goes out again and again and nothing
 * acknowledges it (the server's packets do not come back): the third
 * retransmission, over a second after the first copy, proves the path
 * broken at once; the client's timeout need not pass. */
static void test_banner_stall_path_proven(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 22);
	uint32_t at = c.seq[DIR_C2S];
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	c.deliver = false;
	static const ts_usec rto[3] = { SEC(0.2), SEC(0.4), SEC(0.8) };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(count_prefix("ssh."), 0);
		if (i == 2) {
			/* the live view's developing line, before the verdict */
			char line[120];
			assert_true(analyzer_problem(c.f, c.now + SEC(0.5), line, sizeof line));
			assert_string_equal(line, "SSH: no server banner for 1.1 s, client data unacknowledged x2");
		}
		c.seq[DIR_C2S] = at;
		send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), rto[i]);
	}
	const struct got *g = find_verdict("ssh.banner_stall");
	assert_non_null(g);
	assert_true(summary_has(g, "never acknowledged the client's 26 bytes (re-sent 3 times)"));
	assert_true(summary_has(g, "not a slow sshd"));
	assert_string_equal(dstr(g, "stall_cause"), "path_or_state");
	assert_true(dnum(g, "unacked_since_s") > 1.39 && dnum(g, "unacked_since_s") < 1.41);
	/* judged: the developing line is gone */
	char line[120];
	assert_false(analyzer_problem(c.f, c.now, line, sizeof line));
	/* the close that may follow adds nothing */
	packet(&c, DIR_C2S, TH_FIN | TH_ACK, NULL, 0, SEC(3));
	conv_end(&c);
	assert_int_equal(count_prefix("ssh."), 1);
}

/* The client's bytes were never acknowledged and re-sent only once (a long
 * retransmission timeout): its give-up cannot show (no FIN behind unacked
 * data), so the verdict comes when the client's timeout passes. */
static void test_banner_stall_unacked_at_threshold(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 22);
	ts_usec est = c.now;
	uint32_t at = c.seq[DIR_C2S];
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	c.deliver = false;
	c.seq[DIR_C2S] = at;
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), SEC(3));
	assert_true(c.f->deadline && c.f->deadline <= est + sd_cfg.banner_timeout);
	analyzer_timer(c.f, est + SEC(19.9));
	assert_int_equal(count_prefix("ssh."), 0);
	analyzer_timer(c.f, est + SEC(20.2));
	const struct got *g = find_verdict("ssh.banner_stall");
	assert_non_null(g);
	assert_true(summary_has(g, "past the 20 s client timeout: the client has given up"));
	assert_string_equal(dstr(g, "stall_cause"), "path_or_state");
	conv_end(&c);
	assert_int_equal(count_prefix("ssh."), 1);
}

/* Lost copies that a later ACK recovers prove nothing. */
static void test_retransmission_recovered_is_no_proof(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 22);
	uint32_t at = c.seq[DIR_C2S];
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	c.deliver = false;
	for (int i = 0; i < 2; i++) {
		c.seq[DIR_C2S] = at;
		send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), SEC(0.5));
	}
	ack(&c, DIR_S2C, 1000);
	c.seq[DIR_C2S] = at;
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), SEC(1)); /* a spurious copy */
	c.deliver = true;
	send_data(&c, DIR_S2C, SIDENT, strlen(SIDENT), 1000);
	assert_int_equal(count_prefix("ssh."), 0);
	conv_end(&c);
	assert_null(find_verdict("ssh.banner_stall"));
}

/* RFC 4253 4.2: lines before the server's identification, on a port that
 * is not 22, before the client identified: still SSH. */
static void test_lines_before_ident_other_port(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 2222);
	const char *t = "Welcome to the lab\r\nAuthorised use only\r\n";
	send_data(&c, DIR_S2C, t, strlen(t), 100);
	handshake(&c, 1000);
	conv_end(&c);
	assert_null(find_verdict("ssh.not_ssh"));
	const struct got *g = find_verdict("ssh.ok");
	assert_non_null(g);
	const struct verdict_detail *d = detail(g, "server_lines_before_ident");
	assert_non_null(d);
	assert_int_equal(d->i, 2);
}

/* A capture cut a few milliseconds after the last key exchange message
 * is no stall, however short the threshold. */
static void test_capture_cut_mid_kex_is_no_stall(void **state)
{
	(void)state;
	sd_cfg.ssh_timeout = SEC(0.01);
	struct conv c;
	conv_open(&c, 40000, 22);
	uint8_t buf[2048];
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	send_data(&c, DIR_S2C, SIDENT, strlen(SIDENT), 1000);
	size_t o = kexinit_pkt(buf, "curve25519-sha256", "aes128-ctr");
	send_data(&c, DIR_S2C, buf, o, 1000);
	o = kexinit_pkt(buf, "curve25519-sha256", "aes128-ctr");
	send_data(&c, DIR_C2S, buf, o, 1000);
	o = msg_pkt(buf, SSH_MSG_KEX_30, 36);
	send_data(&c, DIR_C2S, buf, o, 1000);
	ack(&c, DIR_S2C, 3000);
	c.now += 5000;
	conv_end(&c);
	assert_null(find_verdict("ssh.kex_stall"));
}

static void test_banner_never_acked_is_loss(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 22);
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	/* the server's banner passes the capture point, twice, and the client's
	 * ACKs stay below it */
	uint32_t at = c.seq[DIR_S2C];
	send_data(&c, DIR_S2C, SIDENT, strlen(SIDENT), 1000);
	c.seq[DIR_S2C] = at;
	c.deliver = false;
	send_data(&c, DIR_S2C, SIDENT, strlen(SIDENT), SEC(1));
	c.seq[DIR_S2C] = at; /* the client's ACKs show it never got it */
	packet(&c, DIR_C2S, TH_FIN | TH_ACK, NULL, 0, SEC(5));
	conv_end(&c);
	const struct got *g = find_verdict("ssh.banner_stall");
	assert_non_null(g);
	assert_true(summary_has(g, "never reached the client"));
	assert_non_null(strstr(dstr(g, "loss"), "passed the capture point, never acked"));
}

static void test_unreadable_banner_is_not_a_stall(void **state)
{
	(void)state;
	/* a short snap length: the server's bytes are on the wire and
	 * acknowledged, but their content never reaches the analyzer */
	struct conv c;
	conv_open(&c, 40000, 22);
	c.deliver = false;
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	send_data(&c, DIR_S2C, SIDENT, strlen(SIDENT), 1000);
	ack(&c, DIR_C2S, 100);
	packet(&c, DIR_C2S, TH_FIN | TH_ACK, NULL, 0, SEC(5));
	conv_end(&c);
	assert_int_equal(count_prefix("ssh."), 0);
}

static void test_closed_before_banner_with_text(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 22);
	const char *t = "Exceeded MaxStartups\r\n";
	send_data(&c, DIR_S2C, t, strlen(t), 100);
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 10);
	packet(&c, DIR_S2C, TH_FIN | TH_ACK, NULL, 0, 10);
	conv_end(&c);
	const struct got *g = find_verdict("ssh.closed_before_banner");
	assert_non_null(g);
	assert_string_equal(dstr(g, "server_said"), "a text line \"Exceeded MaxStartups\"");
	assert_null(find_verdict("ssh.not_ssh"));
}

static void test_unterminated_text_then_close(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 22);
	const char *t = "too many users";
	send_data(&c, DIR_S2C, t, strlen(t), 100);
	packet(&c, DIR_S2C, TH_FIN | TH_ACK, NULL, 0, 10);
	conv_end(&c);
	const struct got *g = find_verdict("ssh.closed_before_banner");
	assert_non_null(g);
	assert_string_equal(dstr(g, "server_said"), "a text line \"too many users\"");
}

static void test_server_closes_after_long_silence(void **state)
{
	(void)state;
	/* 12 s of silence, then the server closes: the client was left waiting */
	struct conv c;
	conv_open(&c, 40000, 22);
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	packet(&c, DIR_S2C, TH_FIN | TH_ACK, NULL, 0, SEC(12));
	conv_end(&c);
	const struct got *g = find_verdict("ssh.banner_stall");
	assert_non_null(g);
	assert_true(summary_has(g, "then the server closed (FIN) after 12.000 s"));
	assert_null(find_verdict("ssh.closed_before_banner"));
}

static void test_closed_before_banner_silent(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 22);
	packet(&c, DIR_S2C, TH_RST | TH_ACK, NULL, 0, 300);
	conv_end(&c);
	const struct got *g = find_verdict("ssh.closed_before_banner");
	assert_non_null(g);
	assert_true(summary_has(g, "closed it (RST) 0.3 ms later"));
}

static void test_not_ssh_http_on_22(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 22);
	const char *r = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
	send_data(&c, DIR_S2C, r, strlen(r), 100);
	/* decided on the first bytes: no more reassembly */
	assert_false(c.f->want_stream);
	assert_int_equal(flow_state(c.f)->app, APP_NOT_SSH);
	conv_end(&c);
	const struct got *g = find_verdict("ssh.not_ssh");
	assert_non_null(g);
	assert_string_equal(dstr(g, "server_first_bytes"), "an HTTP response \"HTTP/1.1 400 Bad Request\"");
	assert_int_equal(count_prefix("ssh."), 1);
}

static void test_http_on_80_is_not_ours(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 80);
	const char *q = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	send_data(&c, DIR_C2S, q, strlen(q), 100);
	assert_false(c.f->want_stream);
	assert_int_equal(flow_state(c.f)->app, APP_NOT_SSH);
	const char *r = "HTTP/1.1 200 OK\r\n\r\n";
	send_data(&c, DIR_S2C, r, strlen(r), 100);
	conv_end(&c);
	assert_int_equal(count_prefix("ssh."), 0);
	assert_int_equal(ssh_stats()->active, 0);
}

static void test_ssh_client_meets_smtp(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 2525);
	const char *g220 = "220 mail.example ESMTP\r\n";
	send_data(&c, DIR_S2C, g220, strlen(g220), 100);
	assert_true(c.f->want_stream); /* another port: wait for the client */
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	assert_false(c.f->want_stream);
	conv_end(&c);
	const struct got *g = find_verdict("ssh.not_ssh");
	assert_non_null(g);
	assert_true(summary_has(g, "220 mail.example ESMTP"));

	/* the same server with an SMTP client: nothing to say */
	ngot = 0;
	struct conv d;
	conv_open(&d, 40000, 2526);
	send_data(&d, DIR_S2C, g220, strlen(g220), 100);
	const char *ehlo = "EHLO me\r\n";
	send_data(&d, DIR_C2S, ehlo, strlen(ehlo), 100);
	assert_false(d.f->want_stream);
	conv_end(&d);
	assert_int_equal(count_prefix("ssh."), 0);
}

/* A client offering only group14 meets a server offering only curve25519;
 * `again` (or NULL) is a second cleartext KEXINIT the client sends first (a
 * broken or hostile peer): the first is kept, and its name-lists are read
 * from its own bytes, not from the second's written over them. */
static void no_common_kex(uint16_t cport, const char *again)
{
	struct conv c;
	ngot = 0;
	conv_open(&c, cport, 22);
	uint8_t buf[2048];
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	send_data(&c, DIR_S2C, SIDENT, strlen(SIDENT), 1000);
	size_t n = kexinit_pkt(buf, "diffie-hellman-group14-sha256,ext-info-c", "aes128-ctr");
	send_data(&c, DIR_C2S, buf, n, 100);
	if (again) {
		n = kexinit_pkt(buf, again, "chacha20-poly1305@openssh.com");
		send_data(&c, DIR_C2S, buf, n, 100);
	}
	n = kexinit_pkt(buf, "curve25519-sha256", "aes128-ctr");
	send_data(&c, DIR_S2C, buf, n, 100);
	packet(&c, DIR_C2S, TH_FIN | TH_ACK, NULL, 0, 500);
	conv_end(&c);
	const struct got *g = find_verdict("ssh.no_common_algorithm");
	assert_non_null(g);
	assert_string_equal(dstr(g, "category"), "kex");
	assert_string_equal(dstr(g, "client_list"), "diffie-hellman-group14-sha256,ext-info-c");
	assert_string_equal(dstr(g, "server_list"), "curve25519-sha256");
	/* the summary leaves out the pseudo-algorithm */
	assert_true(summary_has(g, "client offers diffie-hellman-group14-sha256; server"));
	assert_int_equal(count_prefix("ssh."), 1);
}

static void test_second_kexinit_keeps_the_first(void **state)
{
	(void)state;
	no_common_kex(40000, "curve25519-sha256");
	no_common_kex(40002, "diffie-hellman-group1-sha1,curve25519-sha256,ecdh-sha2-nistp256,ecdh-sha2-nistp384");
}

static void test_no_common_kex(void **state)
{
	(void)state;
	no_common_kex(40000, NULL);
	struct conv c;
	uint8_t buf[2048];
	size_t n;
	const struct got *g;

	/* the server says why in a DISCONNECT: its first 95 bytes are shown */
	ngot = 0;
	conv_open(&c, 40001, 22);
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	send_data(&c, DIR_S2C, SIDENT, strlen(SIDENT), 1000);
	n = kexinit_pkt(buf, "diffie-hellman-group14-sha256,ext-info-c", "aes128-ctr");
	send_data(&c, DIR_C2S, buf, n, 100);
	n = kexinit_pkt(buf, "curve25519-sha256", "aes128-ctr");
	uint8_t pl[256];
	char text[151], want[200];
	for (int i = 0; i < 150; i++)
		text[i] = (char)('a' + i % 26);
	text[150] = 0;
	size_t o = 0;
	pl[o++] = SSH_MSG_DISCONNECT;
	o += put32(pl + o, 3);
	o += put32(pl + o, 150);
	memcpy(pl + o, text, 150);
	o += 150;
	o += put32(pl + o, 0);
	n += packetize(buf + n, pl, o);
	send_data(&c, DIR_S2C, buf, n, 100);
	packet(&c, DIR_C2S, TH_FIN | TH_ACK, NULL, 0, 500);
	conv_end(&c);
	g = find_verdict("ssh.no_common_algorithm");
	assert_non_null(g);
	snprintf(want, sizeof want, "the server sent DISCONNECT (reason 3 \"%.95s\")", text);
	assert_string_equal(dstr(g, "what_followed"), want);
}

static void test_protocol_versions(void **state)
{
	(void)state;
	/* an SSH-2 client meets an SSH-1-only server and leaves */
	struct conv c;
	conv_open(&c, 40000, 22);
	const char *v15 = "SSH-1.5-1.2.26\n";
	send_data(&c, DIR_S2C, v15, strlen(v15), 100);
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	packet(&c, DIR_C2S, TH_FIN | TH_ACK, NULL, 0, 100);
	conv_end(&c);
	const struct got *g = find_verdict("ssh.no_common_algorithm");
	assert_non_null(g);
	assert_string_equal(dstr(g, "category"), "protocol version");
	assert_true(summary_has(g, "client speaks SSH-2.0, server SSH-1.5"));

	/* SSH 1 on both sides (1.99 speaks both): followed no further */
	ngot = 0;
	struct conv d;
	conv_open(&d, 40001, 22);
	const char *v199 = "SSH-1.99-OpenSSH_3.9\r\n";
	send_data(&d, DIR_S2C, v199, strlen(v199), 100);
	send_data(&d, DIR_C2S, v15, strlen(v15), 100);
	packet(&d, DIR_C2S, TH_FIN | TH_ACK, NULL, 0, SEC(3));
	conv_end(&d);
	assert_int_equal(count_prefix("ssh."), 0);
}

static void test_kex_stall_reply_lost_before_capture(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 22);
	uint8_t buf[4096];
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	send_data(&c, DIR_S2C, SIDENT, strlen(SIDENT), 1000);
	size_t n = kexinit_pkt(buf, "curve25519-sha256", "aes128-ctr");
	send_data(&c, DIR_C2S, buf, n, 100);
	send_data(&c, DIR_S2C, buf, n, 100);
	ack(&c, DIR_C2S, 100);
	n = msg_pkt(buf, SSH_MSG_KEX_30, 1200);
	send_data(&c, DIR_C2S, buf, n, 100);
	ack(&c, DIR_S2C, 100);
	/* the server's 1448-byte segment never shows; 116 bytes after it do */
	c.seq[DIR_S2C] += 1448;
	char line[120];
	ssh_describe(c.f, c.now + SEC(2), line, sizeof line);
	assert_string_equal(line, "SSH key exchange: awaiting server ECDH_REPLY 2.0 s");
	c.deliver = false;
	memset(buf, 0x44, 116);
	send_data(&c, DIR_S2C, buf, 116, 100);
	c.seq[DIR_S2C] -= 1448 + 116; /* the client keeps acknowledging the hole's start */
	packet(&c, DIR_C2S, TH_FIN | TH_ACK, NULL, 0, SEC(8));
	conv_end(&c);
	const struct got *g = find_verdict("ssh.kex_stall");
	assert_non_null(g);
	assert_string_equal(dstr(g, "missing_message"), "server ECDH_REPLY");
	assert_non_null(strstr(dstr(g, "loss"), "1448 server bytes lost before the capture point"));
	assert_true(dnum(g, "waited_s") > 8.0 && dnum(g, "waited_s") < 8.001);
}

static void test_kex_stall_too_short_at_eof_is_silent(void **state)
{
	(void)state;
	/* a capture cut right after the identifications is not a stall */
	struct conv c;
	conv_open(&c, 40000, 22);
	send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	send_data(&c, DIR_S2C, SIDENT, strlen(SIDENT), 1000);
	ack(&c, DIR_C2S, SEC(1));
	conv_end(&c);
	assert_int_equal(count_prefix("ssh."), 0);
}

static void test_auth_failure_shape(void **state)
{
	(void)state;
	struct conv c;
	conv_open(&c, 40000, 22);
	handshake(&c, 5000);
	uint8_t enc[200];
	memset(enc, 0x66, sizeof enc);
	send_data(&c, DIR_S2C, enc, 44, 1000);  /* service accept */
	send_data(&c, DIR_C2S, enc, 60, 1000);  /* userauth none */
	send_data(&c, DIR_S2C, enc, 44, 1000);  /* failure */
	send_data(&c, DIR_C2S, enc, 140, 1000); /* publickey */
	send_data(&c, DIR_S2C, enc, 76, 1000);  /* disconnect */
	packet(&c, DIR_C2S, TH_FIN | TH_ACK, NULL, 0, 800);
	conv_end(&c);
	const struct got *g = find_verdict("ssh.auth_failed_likely");
	assert_non_null(g);
	assert_int_equal(g->sev, SEV_INFO);
	assert_string_equal(dstr(g, "server_answer_sizes"), "44,44,76");
	assert_string_equal(dstr(g, "kex"), "curve25519-sha256");
	assert_null(find_verdict("ssh.ok")); /* the inference replaces it */

	/* the same sizes, but the server sends two segments in a row: not the
	 * request/answer turns of a login */
	ngot = 0;
	struct conv d;
	conv_open(&d, 40001, 22);
	handshake(&d, 5000);
	send_data(&d, DIR_S2C, enc, 44, 1000);
	send_data(&d, DIR_C2S, enc, 60, 1000);
	send_data(&d, DIR_S2C, enc, 44, 1000);
	send_data(&d, DIR_S2C, enc, 76, 1000);
	send_data(&d, DIR_C2S, enc, 140, 1000);
	packet(&d, DIR_C2S, TH_FIN | TH_ACK, NULL, 0, 800);
	conv_end(&d);
	assert_null(find_verdict("ssh.auth_failed_likely"));
	assert_non_null(find_verdict("ssh.ok"));
}

/* The cleartext blocks (KEXINIT payloads) go back at both NEWKEYS and the
 * key exchange block with the session; a session without binary packets
 * takes neither. A report made after NEWKEYS must not read a returned
 * block: here another handshake takes the blocks over and writes other
 * name-lists into them before the first session's ssh.ok is built (the
 * sanitizer build also poisons a block while it is free). */
static void test_blocks_follow_the_handshake(void **state)
{
	(void)state;
	uint8_t enc[600], buf[2048];
	memset(enc, 0x77, sizeof enc);
	/* the fingerprints of this handshake, from a session alone */
	struct conv r;
	conv_open(&r, 40010, 22);
	handshake(&r, 5000);
	send_data(&r, DIR_S2C, enc, sizeof enc, 1000); /* a login: ssh.ok now */
	const struct got *g = find_verdict("ssh.ok");
	assert_non_null(g);
	char hassh[33], hassh_server[33];
	snprintf(hassh, sizeof hassh, "%s", dstr(g, "hassh"));
	snprintf(hassh_server, sizeof hassh_server, "%s", dstr(g, "hassh_server"));
	assert_int_equal(strlen(hassh), 32);
	conv_end(&r);
	assert_int_equal(ssh_stats()->kex_active, 0);
	ngot = 0;

	/* a silent server: no block for either side */
	struct conv q;
	conv_open(&q, 40011, 22);
	send_data(&q, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	assert_int_equal(ssh_stats()->active, 1);
	assert_int_equal(ssh_stats()->kex_active, 0);
	assert_int_equal(ssh_stats()->kexinit_active, 0);

	struct conv a;
	conv_open(&a, 40012, 22);
	handshake(&a, 5000);
	assert_int_equal(ssh_stats()->kexinit_active, 0); /* given back at both NEWKEYS */
	assert_int_equal(ssh_stats()->kex_active, 1);     /* kept for the deferred ssh.ok */

	/* another handshake takes the returned cleartext blocks */
	struct conv b;
	conv_open(&b, 40013, 22);
	send_data(&b, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	size_t o = strlen(SIDENT);
	memcpy(buf, SIDENT, o);
	o += kexinit_pkt(buf + o, "diffie-hellman-group14-sha256", "aes256-ctr");
	send_data(&b, DIR_S2C, buf, o, 1000);
	o = kexinit_pkt(buf, "diffie-hellman-group16-sha512", "aes256-ctr");
	send_data(&b, DIR_C2S, buf, o, 100);
	assert_int_equal(ssh_stats()->kexinit_active, 2);
	assert_int_equal(ssh_stats()->kex_active, 2);

	send_data(&a, DIR_S2C, enc, sizeof enc, 1000);
	g = find_verdict("ssh.ok");
	assert_non_null(g);
	assert_string_equal(dstr(g, "kex"), "curve25519-sha256");
	assert_string_equal(dstr(g, "cipher"), "aes128-ctr");
	assert_string_equal(dstr(g, "server_host_key"), "ssh-ed25519");
	assert_string_equal(dstr(g, "hassh"), hassh);
	assert_string_equal(dstr(g, "hassh_server"), hassh_server);
	assert_null(detail(g, "kexinit_truncated"));

	conv_end(&a); /* every flow of the table */
	assert_int_equal(ssh_stats()->active, 0);
	assert_int_equal(ssh_stats()->kex_active, 0);
	assert_int_equal(ssh_stats()->kexinit_active, 0);
	assert_int_equal(ssh_stats()->kex_peak, 2);
	assert_int_equal(ssh_stats()->kexinit_peak, 2);
}

/* A client KEXINIT longer than a cleartext block first holds (2,048 bytes)
 * gets a block of 4,096 at its header and is kept whole: the one kex name
 * the server knows comes last. One longer than 4,096 is cut there, as
 * always. */
static void test_long_kexinit(void **state)
{
	(void)state;
	static char kex_list[4600];
	const size_t want[2] = { 2500, 4300 };
	for (int round = 0; round < 2; round++) {
		kex_list[0] = 0;
		while (strlen(kex_list) < want[round])
			strcat(kex_list, "sntrup761x25519-sha512@example.org,");
		strcat(kex_list, "curve25519-sha256");
		const char *lists[10] = { kex_list, "ssh-ed25519", "aes128-ctr", "aes128-ctr", "hmac-sha2-256",
					  "hmac-sha2-256", "none", "none", "", "" };
		uint8_t pl[4800], k[5000], enc[600];
		size_t kn = packetize(k, pl, make_kexinit(pl, lists, false));
		ngot = 0;
		struct conv c;
		conv_open(&c, (uint16_t)(40020 + round), 22);
		handshake_with(&c, 5000, k, kn);
		assert_int_equal(ssh_stats()->kexinit_active, 0);
		memset(enc, 0x77, sizeof enc);
		send_data(&c, DIR_S2C, enc, sizeof enc, 1000);
		const struct got *g = find_verdict("ssh.ok");
		assert_non_null(g);
		if (round == 0) {
			assert_string_equal(dstr(g, "kex"), "curve25519-sha256");
			assert_null(detail(g, "kexinit_truncated"));
		} else {
			assert_non_null(detail(g, "kexinit_truncated"));
		}
		conv_end(&c);
	}
	assert_int_equal(ssh_stats()->kexinit_peak, 2);
	assert_int_equal(ssh_stats()->active, 0);
}

static void test_garbage_after_ident_never_crashes(void **state)
{
	(void)state;
	/* lying lengths and random bytes after the identifications */
	uint32_t x = 12345;
	uint64_t before = ssh_stats()->sessions;
	for (int round = 0; round < 50; round++) {
		struct conv c;
		conv_open(&c, (uint16_t)(41000 + round), (uint16_t)(22 + round % 2 * 2200));
		send_data(&c, DIR_C2S, CIDENT, strlen(CIDENT), 100);
		send_data(&c, DIR_S2C, SIDENT, strlen(SIDENT), 100);
		uint8_t junk[700];
		for (int k = 0; k < 6; k++) {
			size_t n = 1 + (x >> 7) % sizeof junk;
			for (size_t i = 0; i < n; i++) {
				x = x * 1103515245u + 12345u;
				junk[i] = (uint8_t)(x >> 16);
			}
			if (k == 0) /* a plausible header that lies */
				put32(junk, round % 3 == 0 ? 0 : round % 3 == 1 ? 0xfffffff0u : 12);
			send_data(&c, k % 2 ? DIR_S2C : DIR_C2S, junk, n, 1000);
		}
		packet(&c, DIR_C2S, TH_FIN | TH_ACK, NULL, 0, SEC(1));
		conv_end(&c);
	}
	/* every one was followed (valid identifications) and released */
	assert_int_equal(ssh_stats()->sessions - before, 50);
	assert_int_equal(ssh_stats()->active, 0);
	/* lost framing is not a finding about the network */
	for (int i = 0; i < ngot; i++)
		assert_string_not_equal(got[i].id, "ssh.ok");
}

static void test_pool_full_is_counted(void **state)
{
	(void)state;
	sd_cfg.max_ssh = 1;
	analyzer_init();
	uint64_t before = ssh_stats()->pool_full;
	struct conv a, b;
	conv_open(&a, 40000, 22);
	send_data(&a, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	/* the second connection cannot get an entry */
	conv_open(&b, 40001, 22);
	send_data(&b, DIR_C2S, CIDENT, strlen(CIDENT), 100);
	assert_true(ssh_stats()->pool_full > before);
	assert_int_equal(ssh_stats()->active, 1);
	conv_end(&a);
	assert_int_equal(ssh_stats()->active, 0);
	sd_cfg.max_ssh = 16384;
	analyzer_init();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ok_split_and_coalesced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_banner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_banner_stall_client_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_banner_stall_by_timer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_banner_stall_path_proven, setup, teardown),
		cmocka_unit_test_setup_teardown(test_banner_stall_unacked_at_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retransmission_recovered_is_no_proof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lines_before_ident_other_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_cut_mid_kex_is_no_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_banner_never_acked_is_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_banner_is_not_a_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_before_banner_with_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unterminated_text_then_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_closes_after_long_silence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_before_banner_silent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ssh_http_on_22, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_on_80_is_not_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ssh_client_meets_smtp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_common_kex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_kexinit_keeps_the_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protocol_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kex_stall_reply_lost_before_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kex_stall_too_short_at_eof_is_silent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_failure_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocks_follow_the_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_kexinit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_after_ident_never_crashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_full_is_counted, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
