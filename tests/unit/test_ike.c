/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ike.c - the IKE SA / ESP SA tracker and its verdicts, driven
 * packet by packet through the engine hooks (ike_claims, ike_packet,
 * esp_packet, ike_icmp, ike_tick, ike_finish) with a verdict sink that
 * records what was emitted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "analyzer/analyzer.h"
#include "analyzer/config.h"
#include "analyzer/ike-proto.h"
#include "analyzer/ike.h"
#include "analyzer/verdict.h"

/* ------------------------------------------------------------------ */
/* Verdict capture */

#define MAXV 160
static struct verdict got[MAXV];
static unsigned ngot;

static void on_verdict(const struct verdict *v, void *arg)
{
	(void)arg;
	if (ngot < MAXV)
		got[ngot++] = *v;
}

static const struct verdict *find(const char *id)
{
	for (unsigned i = 0; i < ngot; i++)
		if (!strcmp(got[i].id, id))
			return &got[i];
	return NULL;
}

static const char *detail(const struct verdict *v, const char *key)
{
	for (unsigned i = 0; i < v->ndetails; i++)
		if (!strcmp(v->details[i].key, key))
			return v->details[i].s;
	return NULL;
}

static long long detail_int(const struct verdict *v, const char *key)
{
	for (unsigned i = 0; i < v->ndetails; i++)
		if (!strcmp(v->details[i].key, key))
			return v->details[i].i;
	return -1;
}

static uint64_t frame_no;

static int setup(void **st)
{
	(void)st;
	frame_no = 0;
	config_defaults(&sd_cfg);
	verdict_clear_sinks();
	static const struct verdict_sink sink = {on_verdict, NULL, NULL};
	verdict_add_sink(&sink);
	ike_init();
	ngot = 0;
	memset(got, 0, sizeof(got));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Messages: a header and a list of payloads */

struct pl {
	uint8_t type;
	const uint8_t *body;
	size_t len;
};

static size_t msg(uint8_t *out, const uint8_t spi_i[8], const uint8_t spi_r[8], uint8_t exch, uint8_t flags,
		  uint32_t msgid, const struct pl *pls, size_t n)
{
	size_t o = 28;
	memcpy(out, spi_i, 8);
	memcpy(out + 8, spi_r, 8);
	out[16] = n ? pls[0].type : 0;
	out[17] = 0x20;
	out[18] = exch;
	out[19] = flags;
	out[20] = (uint8_t)(msgid >> 24), out[21] = (uint8_t)(msgid >> 16), out[22] = (uint8_t)(msgid >> 8),
	out[23] = (uint8_t)msgid;
	for (size_t i = 0; i < n; i++) {
		size_t l = 4 + pls[i].len;
		out[o] = i + 1 < n ? pls[i + 1].type : 0;
		out[o + 1] = 0;
		out[o + 2] = (uint8_t)(l >> 8);
		out[o + 3] = (uint8_t)l;
		memcpy(out + o + 4, pls[i].body, pls[i].len);
		o += l;
	}
	out[24] = (uint8_t)(o >> 24), out[25] = (uint8_t)(o >> 16), out[26] = (uint8_t)(o >> 8), out[27] = (uint8_t)o;
	return o;
}

/* One IKE proposal: AES_CBC_128 / HMAC_SHA2_256_128 / PRF_SHA256 / group. */
static size_t sa_body(uint8_t *b, uint16_t group)
{
	static const uint8_t head[] = {0, 0, 0, 44, 1, 1, 0, 4,
				       /* ENCR AES_CBC keylen 128 */
				       3, 0, 0, 12, 1, 0, 0, 12, 0x80, 14, 0, 128,
				       /* INTEG 12 */
				       3, 0, 0, 8, 3, 0, 0, 12,
				       /* PRF 5 */
				       3, 0, 0, 8, 2, 0, 0, 5,
				       /* DH */
				       0, 0, 0, 8, 4, 0};
	memcpy(b, head, sizeof(head));
	b[sizeof(head)] = (uint8_t)(group >> 8);
	b[sizeof(head) + 1] = (uint8_t)group;
	return sizeof(head) + 2;
}

static size_t ke_body(uint8_t *b, uint16_t group)
{
	memset(b, 0x5c, 68);
	b[0] = (uint8_t)(group >> 8);
	b[1] = (uint8_t)group;
	b[2] = b[3] = 0;
	return 68;
}

static size_t notify_body(uint8_t *b, uint16_t type, const uint8_t *data, size_t dl)
{
	b[0] = 0;
	b[1] = 0;
	b[2] = (uint8_t)(type >> 8);
	b[3] = (uint8_t)type;
	if (dl)
		memcpy(b + 4, data, dl);
	return 4 + dl;
}

static const uint8_t SPI_I[8] = {0xa0, 1, 2, 3, 4, 5, 6, 7};
static const uint8_t SPI_R[8] = {0xb0, 1, 2, 3, 4, 5, 6, 7};
static const uint8_t ZERO[8];

/* IKE_SA_INIT request (KE of `group`) or success response. */
static size_t sa_init(uint8_t *out, bool resp, uint16_t group, const uint8_t *natd_src, const uint8_t *natd_dst)
{
	uint8_t sa[64], ke[80], nonce[32], ns[24], nd[24];
	memset(nonce, 0x77, sizeof(nonce));
	struct pl p[5] = {
		{33, sa, sa_body(sa, group)},
		{34, ke, ke_body(ke, group)},
		{40, nonce, sizeof(nonce)},
	};
	size_t n = 3;
	if (natd_src) {
		p[n++] = (struct pl){41, ns, notify_body(ns, 16388, natd_src, 20)};
		p[n++] = (struct pl){41, nd, notify_body(nd, 16389, natd_dst, 20)};
	}
	return msg(out, SPI_I, resp ? SPI_R : ZERO, 34, resp ? 0x20 : 0x08, 0, p, n);
}

/* An IKEv2 message of one SK payload with `room` bytes of payloads
 * (16-byte IV and ICV around them, as with AES-CBC/HMAC-SHA2-256). */
static size_t sk_msg(uint8_t *out, uint8_t exch, bool resp, uint32_t msgid, size_t room)
{
	uint8_t body[1200];
	memset(body, 0x3c, sizeof(body));
	struct pl p = {46, body, 16 + room + 16};
	size_t n = msg(out, SPI_I, SPI_R, exch, resp ? 0x20 : 0x08, msgid, &p, 1);
	out[28] = 35; /* first inner payload */
	return n;
}

/* ------------------------------------------------------------------ */
/* Packets */

#define A_IP 192, 0, 2, 1
#define B_IP 198, 51, 100, 1

static bool other_peer; /* packets of B go to and from 198.51.100.2 instead */

static struct pkt mkpkt(bool from_a, uint16_t sport, uint16_t dport, const uint8_t *data, size_t len, double t)
{
	struct pkt p;
	memset(&p, 0, sizeof(p));
	p.frame = ++frame_no;
	p.ts = SEC(1000) + SEC(t);
	p.ipver = 4;
	p.proto = IPPROTO_NUM_UDP;
	struct addr a = {4, {A_IP}}, b = {4, {B_IP}};
	if (other_peer)
		b.b[3] = 2; /* 198.51.100.2: another pair of gateways */
	p.src = from_a ? a : b;
	p.dst = from_a ? b : a;
	p.sport = sport;
	p.dport = dport;
	p.payload = data;
	p.payload_len = p.payload_wire_len = (uint32_t)len;
	return p;
}

static void send_udp(bool from_a, uint16_t sport, uint16_t dport, const uint8_t *data, size_t len, double t)
{
	struct pkt p = mkpkt(from_a, sport, dport, data, len, t);
	assert_true(ike_claims(&p));
	ike_packet(NULL, from_a ? DIR_C2S : DIR_S2C, &p);
	ike_tick(p.ts);
}

/* With the non-ESP marker on 4500. */
static void send_natt(bool from_a, const uint8_t *data, size_t len, double t)
{
	uint8_t buf[1600] = {0};
	memcpy(buf + 4, data, len);
	send_udp(from_a, 4500, 4500, buf, len + 4, t);
}

static void send_esp_udp(bool from_a, uint32_t spi, uint32_t seq, double t)
{
	uint8_t buf[80];
	memset(buf, 0x11, sizeof(buf));
	buf[0] = (uint8_t)(spi >> 24), buf[1] = (uint8_t)(spi >> 16), buf[2] = (uint8_t)(spi >> 8), buf[3] = (uint8_t)spi;
	buf[4] = (uint8_t)(seq >> 24), buf[5] = (uint8_t)(seq >> 16), buf[6] = (uint8_t)(seq >> 8), buf[7] = (uint8_t)seq;
	send_udp(from_a, 4500, 4500, buf, sizeof(buf), t);
}

static void finish_at(double t)
{
	ike_finish(SEC(1000) + SEC(t));
}

/* A complete healthy setup: INIT on 500, AUTH on 4500. */
static void healthy_setup(void)
{
	uint8_t m[1600];
	size_t n = sa_init(m, false, 14, NULL, NULL);
	send_udp(true, 500, 500, m, n, 0.0);
	n = sa_init(m, true, 14, NULL, NULL);
	send_udp(false, 500, 500, m, n, 0.01);
	n = sk_msg(m, 35, false, 1, 224);
	send_natt(true, m, n, 0.02);
	n = sk_msg(m, 35, true, 1, 176);
	send_natt(false, m, n, 0.03);
}

/* ------------------------------------------------------------------ */

static void test_claims(void **st)
{
	(void)st;
	uint8_t m[1600];
	size_t n = sa_init(m, false, 14, NULL, NULL);
	struct pkt p = mkpkt(true, 500, 500, m, n, 0);
	assert_true(ike_claims(&p));
	p = mkpkt(true, 40000, 4500, m, 1, 0);
	assert_true(ike_claims(&p));
	p = mkpkt(true, 40000, 40001, m, n, 0); /* unambiguous header */
	assert_true(ike_claims(&p));
	p = mkpkt(true, 40000, 40001, m, n - 1, 0); /* length field disagrees */
	assert_false(ike_claims(&p));
	uint8_t dns[40] = {0x12, 0x34, 1, 0};
	p = mkpkt(true, 40000, 53, dns, sizeof(dns), 0);
	assert_false(ike_claims(&p));
	p.proto = IPPROTO_NUM_TCP;
	p.dport = 500;
	assert_false(ike_claims(&p));
}

static void test_no_response(void **st)
{
	(void)st;
	uint8_t m[1600];
	size_t n = sa_init(m, false, 14, NULL, NULL);
	static const double at[] = {0, 1.0, 2.5, 4.75, 8.13};
	for (int i = 0; i < 5; i++)
		send_udp(true, 500, 500, m, n, at[i]);
	assert_int_equal(ngot, 0); /* not yet: 10 s have not passed */
	finish_at(13.2);
	assert_int_equal(ngot, 1);
	const struct verdict *v = find("ike.no_response");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_FAIL);
	assert_int_equal(v->proto, IPPROTO_NUM_UDP);
	assert_int_equal(v->cport, 500);
	assert_int_equal(v->sport, 500);
	assert_int_equal(v->client.b[0], 192);
	assert_int_equal(v->server.b[0], 198);
	assert_int_equal(v->nevidence, 5);
	assert_int_equal(v->ev[4].frame, 5);
	assert_string_equal(detail(v, "sent_at"), "+0.000 +1.000 +2.500 +4.750 +8.130 s");
	assert_string_equal(detail(v, "spi_r"), "(none yet)");
	assert_string_equal(detail(v, "proposals_offered"), "IKE:AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
}

/* A short retransmission schedule (strongSwan with retransmit_timeout 0.4,
 * base 1.2): once the initiator has been silent for 2.5 times its last
 * interval it gave up, and the verdict comes then, not 10 s after the
 * first copy; all its copies are in it. */
static void test_no_response_sender_gave_up(void **st)
{
	(void)st;
	uint8_t m[1600];
	size_t n = sa_init(m, false, 14, NULL, NULL);
	static const double at[] = {0, 0.4, 0.88, 1.456};
	for (int i = 0; i < 4; i++)
		send_udp(true, 500, 500, m, n, at[i]);
	ike_tick(SEC(1000) + SEC(1.456 + 2.5 * 0.576 - 0.01));
	assert_int_equal(ngot, 0); /* its next copy could still come */
	ike_tick(SEC(1000) + SEC(1.456 + 2.5 * 0.576 + 0.01));
	assert_int_equal(ngot, 1);
	const struct verdict *v = find("ike.no_response");
	assert_non_null(v);
	assert_int_equal(v->nevidence, 4);
	assert_string_equal(detail(v, "sent_at"), "+0.000 +0.400 +0.880 +1.456 s");
	assert_non_null(strstr(v->summary, "gave up"));
}

/* Two copies prove nothing about the schedule: the timeout decides. */
static void test_two_copies_wait_for_timeout(void **st)
{
	(void)st;
	uint8_t m[1600];
	size_t n = sa_init(m, false, 14, NULL, NULL);
	send_udp(true, 500, 500, m, n, 0);
	send_udp(true, 500, 500, m, n, 0.4);
	ike_tick(SEC(1000) + SEC(9.9));
	assert_int_equal(ngot, 0);
	ike_tick(SEC(1000) + SEC(10.0));
	assert_int_equal(ngot, 1);
}

static void test_lone_copy_is_not_proof(void **st)
{
	(void)st;
	uint8_t m[1600];
	size_t n = sa_init(m, false, 14, NULL, NULL);
	send_udp(true, 500, 500, m, n, 0);
	/* Time passes (other traffic), the request never repeats. */
	ike_tick(SEC(1000) + SEC(60));
	finish_at(60);
	assert_int_equal(ngot, 0);
}

static void test_healthy_and_esp(void **st)
{
	(void)st;
	healthy_setup();
	for (uint32_t k = 1; k <= 5; k++) {
		send_esp_udp(true, 0xc0c0c0c1, k, 0.1 * k);
		send_esp_udp(false, 0xd0d0d0d1, k, 0.1 * k + 0.01);
	}
	finish_at(2);
	assert_int_equal(ngot, 1);
	const struct verdict *v = find("ike.ok");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_OK);
	assert_string_equal(detail(v, "nat_t"), "moved to UDP 4500/4500");
	assert_string_equal(detail(v, "exchanges"), "IKE_SA_INIT x2, IKE_AUTH x2");
	assert_string_equal(detail(v, "esp_sas"), "0xc0c0c0c1 i->r x5 udp, 0xd0d0d0d1 r->i x5 udp");
}

static void test_esp_one_way(void **st)
{
	(void)st;
	healthy_setup();
	for (uint32_t k = 1; k <= 4; k++)
		send_esp_udp(true, 0x19ee3150, k, 0.3 * k);
	finish_at(2);
	const struct verdict *v = find("esp.one_way");
	assert_non_null(v);
	assert_int_equal(v->proto, IPPROTO_NUM_ESP);
	assert_int_equal(v->cport, 0);
	assert_int_equal(v->client.b[0], 192);
	assert_non_null(find("ike.ok"));
	assert_int_equal(ngot, 2);
}

static void test_dh_retry_info(void **st)
{
	(void)st;
	uint8_t m[1600], nb[8];
	size_t n = sa_init(m, false, 19, NULL, NULL);
	send_udp(true, 500, 500, m, n, 0);
	uint8_t grp[2] = {0, 14};
	struct pl p = {41, nb, notify_body(nb, 17, grp, 2)};
	n = msg(m, SPI_I, ZERO, 34, 0x20, 0, &p, 1);
	send_udp(false, 500, 500, m, n, 0.001);
	n = sa_init(m, false, 14, NULL, NULL);
	send_udp(true, 500, 500, m, n, 0.002);
	n = sa_init(m, true, 14, NULL, NULL);
	send_udp(false, 500, 500, m, n, 0.003);
	n = sk_msg(m, 35, false, 1, 224);
	send_udp(true, 500, 500, m, n, 0.004);
	n = sk_msg(m, 35, true, 1, 176);
	send_udp(false, 500, 500, m, n, 0.005);
	finish_at(1);
	const struct verdict *v = find("ike.dh_group_mismatch");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_INFO);
	assert_string_equal(detail(v, "group_sent"), "ECP_256");
	assert_string_equal(detail(v, "group_requested"), "MODP_2048");
	assert_non_null(find("ike.ok"));
	assert_int_equal(ngot, 2);
}

/* The retry after INVALID_KE_PAYLOAD comes with a new initiator SPI: the
 * first SA's mismatch is still resolved by the second SA's success. */
static void test_dh_retry_new_spi(void **st)
{
	(void)st;
	uint8_t m[1600], nb[8];
	size_t n = sa_init(m, false, 19, NULL, NULL);
	send_udp(true, 500, 500, m, n, 0);
	uint8_t grp[2] = {0, 14};
	struct pl p = {41, nb, notify_body(nb, 17, grp, 2)};
	n = msg(m, SPI_I, ZERO, 34, 0x20, 0, &p, 1);
	send_udp(false, 500, 500, m, n, 0.001);
	n = sa_init(m, false, 14, NULL, NULL);
	m[7] ^= 0xff;
	send_udp(true, 500, 500, m, n, 0.002);
	n = sa_init(m, true, 14, NULL, NULL);
	m[7] ^= 0xff;
	send_udp(false, 500, 500, m, n, 0.003);
	n = sk_msg(m, 35, false, 1, 224);
	m[7] ^= 0xff;
	send_udp(true, 500, 500, m, n, 0.004);
	n = sk_msg(m, 35, true, 1, 176);
	m[7] ^= 0xff;
	send_udp(false, 500, 500, m, n, 0.005);
	finish_at(1);
	assert_int_equal(ngot, 2);
	const struct verdict *v = find("ike.dh_group_mismatch");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_INFO);
	assert_string_equal(detail(v, "spi_i"), "a001020304050607");
	const struct verdict *ok = find("ike.ok");
	assert_non_null(ok);
	assert_string_equal(detail(ok, "spi_i"), "a0010203040506f8");
}

/* An IKE_SA_INIT at 0 s answered with NO_PROPOSAL_CHOSEN. */
static void refused_attempt(void)
{
	uint8_t m[1600], nb[8];
	size_t n = sa_init(m, false, 19, NULL, NULL);
	send_udp(true, 500, 500, m, n, 0);
	struct pl p = {41, nb, notify_body(nb, 14, NULL, 0)};
	n = msg(m, SPI_I, ZERO, 34, 0x20, 0, &p, 1);
	send_udp(false, 500, 500, m, n, 0.001);
}

static void test_no_proposal_immediate(void **st)
{
	(void)st;
	refused_attempt();
	/* Held until it is known whether a later attempt came up. */
	assert_int_equal(ngot, 0);
	finish_at(30);
	assert_int_equal(ngot, 1);
	assert_string_equal(got[0].id, "ike.no_proposal_chosen");
	assert_int_equal(got[0].sev, SEV_FAIL);
	assert_string_equal(detail(&got[0], "proposals_offered"), "IKE:AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256");
}

static void test_auth_shapes(void **st)
{
	(void)st;
	uint8_t m[1600];
	size_t n = sa_init(m, false, 14, NULL, NULL);
	send_udp(true, 500, 500, m, n, 0);
	n = sa_init(m, true, 14, NULL, NULL);
	send_udp(false, 500, 500, m, n, 0.01);
	n = sk_msg(m, 35, false, 1, 224);
	send_natt(true, m, n, 0.02);
	n = sk_msg(m, 35, true, 1, 16); /* room for a notify only */
	send_natt(false, m, n, 0.03);
	finish_at(5);
	assert_int_equal(ngot, 1);
	assert_string_equal(got[0].id, "ike.auth_rejected_likely");
	assert_int_equal(got[0].sev, SEV_WARN);

	/* Identity and AUTH but no SA/TS room, no ESP: child failed. */
	setup(NULL);
	n = sa_init(m, false, 14, NULL, NULL);
	send_udp(true, 500, 500, m, n, 0);
	n = sa_init(m, true, 14, NULL, NULL);
	send_udp(false, 500, 500, m, n, 0.01);
	n = sk_msg(m, 35, false, 1, 224);
	send_natt(true, m, n, 0.02);
	n = sk_msg(m, 35, true, 1, 96);
	send_natt(false, m, n, 0.03);
	finish_at(5);
	assert_int_equal(ngot, 1);
	assert_string_equal(got[0].id, "ike.child_sa_failed_likely");
}

static void test_natt_blocked_and_nat_detection(void **st)
{
	(void)st;
	/* NAT detection hashes as the initiator computes them from inside
	 * (203.0.113.1), while this point sees it as 192.0.2.1. */
	uint8_t hs[20], hd[20], m[1600];
	uint8_t in[8 + 8 + 4 + 2];
	memcpy(in, SPI_I, 8);
	memset(in + 8, 0, 8);
	in[16] = 203, in[17] = 0, in[18] = 113, in[19] = 1, in[20] = 1, in[21] = 0xf4;
	unsigned hl;
	EVP_Digest(in, sizeof(in), hs, &hl, EVP_sha1(), NULL);
	in[16] = 198, in[17] = 51, in[18] = 100, in[19] = 1;
	EVP_Digest(in, sizeof(in), hd, &hl, EVP_sha1(), NULL);
	size_t n = sa_init(m, false, 14, hs, hd);
	send_udp(true, 500, 500, m, n, 0);
	n = sa_init(m, true, 14, NULL, NULL);
	send_udp(false, 500, 500, m, n, 0.01);
	n = sk_msg(m, 35, false, 1, 224);
	static const double at[] = {0.02, 1.02, 2.52, 4.77, 8.15};
	for (int i = 0; i < 5; i++)
		send_natt(true, m, n, at[i]);
	finish_at(13);
	assert_int_equal(ngot, 1);
	const struct verdict *v = &got[0];
	assert_string_equal(v->id, "ike.natt_blocked");
	assert_true(strstr(v->summary, "NAT was detected") != NULL);
	assert_true(strncmp(detail(v, "nat_initiator"), "its own NAT detection hash", 26) == 0);
	assert_string_equal(detail(v, "nat_responder"), "no NAT");
}

static void test_icmp(void **st)
{
	(void)st;
	uint8_t m[1600];
	size_t n = sa_init(m, false, 14, NULL, NULL);
	send_udp(true, 500, 500, m, n, 0);
	struct pkt ic = mkpkt(false, 0, 0, NULL, 0, 0.001);
	ic.proto = IPPROTO_NUM_ICMP;
	ic.icmp_type = 3;
	ic.icmp_code = 3;
	ic.quote.present = true;
	ic.quote.proto = IPPROTO_NUM_UDP;
	ic.quote.src = (struct addr){4, {A_IP}};
	ic.quote.dst = (struct addr){4, {B_IP}};
	ic.quote.sport = ic.quote.dport = 500;
	ike_icmp(NULL, -1, &ic);
	finish_at(1);
	assert_int_equal(ngot, 1);
	assert_string_equal(got[0].id, "ike.icmp_unreachable");
	assert_int_equal(got[0].nevidence, 2);
	assert_int_equal(got[0].ev[1].frame, ic.frame);
	assert_int_equal(got[0].ev[1].dir, -1);
}

static void test_describe_and_keepalive(void **st)
{
	(void)st;
	uint8_t m[1600];
	size_t n = sa_init(m, false, 14, NULL, NULL);
	struct flow f;
	memset(&f, 0, sizeof(f));
	f.proto = IPPROTO_NUM_UDP;
	struct pkt p = mkpkt(true, 500, 500, m, n, 0);
	ike_packet(&f, DIR_C2S, &p);
	p = mkpkt(true, 500, 500, m, n, 1);
	ike_packet(&f, DIR_C2S, &p);
	char buf[120];
	ike_describe(&f, SEC(1000) + SEC(3), buf, sizeof(buf));
	assert_string_equal(buf, "IKEv2 IKE_SA_INIT sent (retransmitted), 3 s unanswered");
	uint8_t ka = 0xff;
	p = mkpkt(true, 4500, 4500, &ka, 1, 2);
	ike_packet(&f, DIR_C2S, &p);
	ike_flow_end(&f, 0, SEC(1000) + SEC(3));
	assert_null(flow_state(&f)->app_state);
	finish_at(3);
	assert_int_equal(ngot, 0);
}

/* Plain ESP of SPI `spi` from A to B, one packet per sequence number,
 * a second apart, on flow f. */
static void send_esp_plain(struct flow *f, uint32_t spi, const uint32_t *seqs, int n)
{
	memset(f, 0, sizeof(*f));
	f->proto = IPPROTO_NUM_ESP;
	const uint8_t a_ip[4] = {A_IP}, b_ip[4] = {B_IP};
	f->key.family = 4;
	memcpy(f->key.a, a_ip, 4);
	memcpy(f->key.b, b_ip, 4);
	f->cli_is_a = true;
	f->key.spi = spi;
	for (int i = 0; i < n; i++) {
		struct pkt p = mkpkt(true, 0, 0, NULL, 0, i);
		p.proto = IPPROTO_NUM_ESP;
		p.esp_spi = spi;
		p.esp_seq = seqs[i];
		p.payload_len = p.payload_wire_len = 120;
		esp_packet(f, DIR_C2S, &p);
	}
}

static void test_esp_plain_describe(void **st)
{
	(void)st;
	struct flow f;
	static const uint32_t seqs[] = {1, 2, 5, 5, 6};
	send_esp_plain(&f, 0xaa000001, seqs, 5);
	char buf[120];
	ike_describe(&f, SEC(1005), buf, sizeof(buf));
	assert_string_equal(buf, "ESP spi 0xaa000001: 5 packets, seq 1..6, 2 gaps, 1 replays");
	finish_at(10);
	assert_int_equal(ngot, 0); /* ESP without IKE in the capture: no verdict */
}

/* The ESP SA keeps its gaps in 32 bits: the largest jump a sequence
 * number can make (1 to 2^32 - 1) still counts exactly. */
static void test_esp_gaps_32_bits(void **st)
{
	(void)st;
	struct flow f;
	static const uint32_t seqs[] = {1, 0xfffffffeu, 0xffffffffu, 3};
	send_esp_plain(&f, 0xaa000002, seqs, 4);
	char buf[120];
	ike_describe(&f, SEC(1005), buf, sizeof(buf));
	assert_string_equal(buf, "ESP spi 0xaa000002: 4 packets, seq 1..4294967295, 4294967292 gaps, 1 replays");
	finish_at(10);
}

/* IKEv2 fragments (RFC 7383) of one copy are one transmission: two
 * copies of a two-fragment IKE_AUTH are not yet three sends. */
static void test_skf_not_retransmissions(void **st)
{
	(void)st;
	uint8_t m[1600];
	size_t n = sa_init(m, false, 14, NULL, NULL);
	send_udp(true, 500, 500, m, n, 0);
	n = sa_init(m, true, 14, NULL, NULL);
	send_udp(false, 500, 500, m, n, 0.01);
	for (int copy = 0; copy < 2; copy++) {
		for (uint16_t fr = 1; fr <= 2; fr++) {
			n = sk_msg(m, 35, false, 1, 400);
			m[16] = 53; /* SKF instead of SK */
			m[32] = 0, m[33] = (uint8_t)fr, m[34] = 0, m[35] = 2;
			send_natt(true, m, n, copy * 4.0 + fr * 0.001);
		}
	}
	finish_at(5);
	assert_int_equal(ngot, 0);
}

static void test_table_bound(void **st)
{
	(void)st;
	sd_cfg.max_ike = 10; /* rounded up to one chunk */
	ike_init();
	uint8_t m[1600];
	for (int i = 0; i < 400; i++) {
		size_t n = sa_init(m, false, 14, NULL, NULL);
		m[0] = (uint8_t)(i >> 8);
		m[1] = (uint8_t)i; /* a new SPIi each time */
		send_udp(true, 500, 500, m, n, i * 0.001);
	}
	finish_at(1);
	/* no verdict about the SAs (one copy each); the full table is counted
	 * for the run summary, from which the analyzer raises one
	 * capture.limits_reached (test-ike-flood.sh checks that end to end) */
	assert_int_equal(ngot, 0);
	struct limit_hit ike_hit, esp_hit;
	ike_fill_limits(&ike_hit, &esp_hit);
	assert_int_equal(ike_hit.limit, 128);
	assert_int_equal(ike_hit.times, 272);
}

/* A tunnel numbered k: its SPIi and SPIr differ from every other's in
 * their second and third bytes. */
static void tunnel_msg(uint8_t *m, size_t n, unsigned k)
{
	(void)n;
	m[1] = (uint8_t)(k >> 8), m[2] = (uint8_t)k;
	m[9] = (uint8_t)(k >> 8), m[10] = (uint8_t)k;
}

static void tunnel_send(unsigned k, bool resp, bool init, double t)
{
	uint8_t m[1600];
	size_t n = init ? sa_init(m, resp, 14, NULL, NULL) : sk_msg(m, 35, resp, 1, resp ? 176 : 224);
	tunnel_msg(m, n, k);
	if (init && !resp)
		memset(m + 8, 0, 8); /* no SPIr yet */
	send_udp(!resp, 500, 500, m, n, t);
}

/* A full table of finished, quiet tunnels: a new SA takes the slot of one
 * of them (judged then: ike.ok), never the slot of a handshake a few
 * milliseconds old whose answer is on its way. Before, the oldest SA with
 * a single message went first whatever the load: the live IKE_SA_INIT was
 * evicted, its answer came back to no SA and the tunnel showed up as a
 * mid-stream SA ("the capture began after it was set up"). */
static void test_full_table_keeps_live_handshake(void **st)
{
	(void)st;
	sd_cfg.max_ike = 10; /* rounded up to one chunk: 128 */
	ike_init();
	for (unsigned k = 0; k < 128; k++) {
		double t = k * 0.01;
		tunnel_send(k, false, true, t);
		tunnel_send(k, true, true, t + 0.001);
		tunnel_send(k, false, false, t + 0.002);
		tunnel_send(k, true, false, t + 0.003);
	}
	assert_int_equal(ngot, 0);
	/* 20 s later, when all 128 are settled: two new handshakes, the
	 * first answered only after the second has started */
	tunnel_send(1000, false, true, 20.0);
	tunnel_send(1001, false, true, 20.01);
	tunnel_send(1000, true, true, 20.02);
	tunnel_send(1000, false, false, 20.03);
	tunnel_send(1000, true, false, 20.04);
	assert_int_equal(ngot, 2); /* the two tunnels recycled, judged healthy */
	assert_string_equal(got[0].id, "ike.ok");
	assert_string_equal(got[1].id, "ike.ok");
	finish_at(21);
	unsigned live = 0, midstream = 0;
	for (unsigned i = 0; i < ngot; i++) {
		const char *spi = detail(&got[i], "spi_i");
		if (spi && !strcmp(spi, "a003e80304050607")) { /* tunnel 1000 */
			live++;
			assert_string_equal(got[i].id, "ike.ok");
			assert_non_null(strstr(got[i].summary, "up in 0.040 s"));
		}
		if (strstr(got[i].summary, "capture began after"))
			midstream++;
	}
	assert_int_equal(live, 1);
	assert_int_equal(midstream, 0);
	struct limit_hit ike_hit, esp_hit;
	ike_fill_limits(&ike_hit, &esp_hit);
	assert_int_equal(ike_hit.times, 2);
}

/* A refused attempt (NO_PROPOSAL_CHOSEN) is told apart from one that a
 * later attempt between the same peers fixed. Here the later attempt, a
 * lone IKE_SA_INIT, is pushed out of a full table by a flood of one-off
 * requests from another pair, and its slot goes to a tunnel of that other
 * pair that comes up: the refused SA's link to its later attempt points
 * into that slot, and must not be taken for a success between its peers. */
static void test_recycled_slot_is_not_a_later_attempt(void **st)
{
	(void)st;
	sd_cfg.max_ike = 10; /* rounded up to one chunk: 128 */
	ike_init();
	refused_attempt();
	tunnel_send(2, false, true, 0.5); /* the later attempt: one message */
	other_peer = true;
	for (unsigned k = 0; k < 126; k++) /* the table is full after these */
		tunnel_send(100 + k, false, true, 1.0 + k * 0.001);
	tunnel_send(500, false, true, 2.0); /* recycles the oldest half-open SA */
	tunnel_send(500, true, true, 2.01);
	tunnel_send(500, false, false, 2.02);
	tunnel_send(500, true, false, 2.03);
	other_peer = false;
	finish_at(30);
	const struct verdict *v = find("ike.no_proposal_chosen");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_FAIL);
	struct limit_hit ike_hit, esp_hit;
	ike_fill_limits(&ike_hit, &esp_hit);
	assert_int_equal(ike_hit.times, 1);
}

/* Both directions flowed, then only A: esp.one_way with the SPI pair. */
static void test_esp_stops_one_way(void **st)
{
	(void)st;
	healthy_setup();
	for (uint32_t k = 1; k <= 3; k++) {
		send_esp_udp(true, 0x1a1a1a1a, k, 0.1 * k);
		send_esp_udp(false, 0x2b2b2b2b, k, 0.1 * k + 0.01);
	}
	for (uint32_t k = 4; k <= 9; k++)
		send_esp_udp(true, 0x1a1a1a1a, k, 0.5 * k);
	finish_at(5);
	const struct verdict *v = find("esp.one_way");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_FAIL);
	assert_string_equal(detail(v, "spi_sending"), "0x1a1a1a1a");
	assert_string_equal(detail(v, "spi_stopped"), "0x2b2b2b2b");
	assert_int_equal(detail_int(v, "packets_after_stop"), 6);
	assert_non_null(find("ike.ok"));
	assert_int_equal(ngot, 2);
}

/* One-way ESP that never had a reverse after the stop window is the old
 * verdict; two-way ESP that simply ends is nothing. */
static void test_esp_both_ways_then_idle(void **st)
{
	(void)st;
	healthy_setup();
	for (uint32_t k = 1; k <= 3; k++) {
		send_esp_udp(true, 0x1a1a1a1a, k, 0.1 * k);
		send_esp_udp(false, 0x2b2b2b2b, k, 0.1 * k + 0.01);
	}
	finish_at(30);
	assert_null(find("esp.one_way"));
	assert_non_null(find("ike.ok"));
}

/* A DPD request answered here every time, yet re-sent: the answers are
 * lost beyond this point. */
static void test_responses_lost(void **st)
{
	(void)st;
	healthy_setup();
	uint8_t m[1600];
	for (int k = 0; k < 4; k++) {
		size_t n = sk_msg(m, 37, false, 2, 0);
		send_natt(true, m, n, 5 + k);
		n = sk_msg(m, 37, true, 2, 0);
		send_natt(false, m, n, 5 + k + 0.001);
	}
	finish_at(10);
	const struct verdict *v = find("ike.dpd_failed");
	assert_non_null(v);
	assert_int_equal(detail_int(v, "requests_seen"), 4);
	assert_int_equal(detail_int(v, "responses_seen"), 4);
	assert_non_null(strstr(v->summary, "responses leave here but do not arrive"));
	assert_null(find("ike.ok"));
}

/* IKEv1: main mode 1 answered by a cleartext INVALID-KEY-INFORMATION
 * (strongSwan never sends it, so no lab capture has it). */
static void test_v1_invalid_key_information(void **st)
{
	(void)st;
	uint8_t m[256], body[8] = {0, 0, 0, 1, 1, 0, 0, 17}; /* DOI 1, ISAKMP, no SPI, type 17 */
	size_t n = msg(m, SPI_I, ZERO, 2, 0, 0, NULL, 0);
	m[17] = 0x10;
	send_udp(true, 500, 500, m, n, 0);
	struct pl p = {11, body, sizeof(body)};
	n = msg(m, SPI_I, ZERO, 5, 0, 0x1234, &p, 1);
	m[17] = 0x10;
	send_udp(false, 500, 500, m, n, 0.01);
	finish_at(30);
	const struct verdict *v = find("ike.dh_group_mismatch");
	assert_non_null(v);
	assert_int_equal(v->sev, SEV_FAIL);
	assert_int_equal(ngot, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_claims, setup),
		cmocka_unit_test_setup(test_no_response, setup),
		cmocka_unit_test_setup(test_no_response_sender_gave_up, setup),
		cmocka_unit_test_setup(test_two_copies_wait_for_timeout, setup),
		cmocka_unit_test_setup(test_lone_copy_is_not_proof, setup),
		cmocka_unit_test_setup(test_healthy_and_esp, setup),
		cmocka_unit_test_setup(test_esp_one_way, setup),
		cmocka_unit_test_setup(test_dh_retry_info, setup),
		cmocka_unit_test_setup(test_dh_retry_new_spi, setup),
		cmocka_unit_test_setup(test_no_proposal_immediate, setup),
		cmocka_unit_test_setup(test_auth_shapes, setup),
		cmocka_unit_test_setup(test_natt_blocked_and_nat_detection, setup),
		cmocka_unit_test_setup(test_icmp, setup),
		cmocka_unit_test_setup(test_describe_and_keepalive, setup),
		cmocka_unit_test_setup(test_esp_plain_describe, setup),
		cmocka_unit_test_setup(test_esp_gaps_32_bits, setup),
		cmocka_unit_test_setup(test_skf_not_retransmissions, setup),
		cmocka_unit_test_setup(test_table_bound, setup),
		cmocka_unit_test_setup(test_full_table_keeps_live_handshake, setup),
		cmocka_unit_test_setup(test_recycled_slot_is_not_a_later_attempt, setup),
		cmocka_unit_test_setup(test_esp_stops_one_way, setup),
		cmocka_unit_test_setup(test_esp_both_ways_then_idle, setup),
		cmocka_unit_test_setup(test_responses_lost, setup),
		cmocka_unit_test_setup(test_v1_invalid_key_information, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
