/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ike_proto.c - the IKEv1/IKEv2 payload parsers, name tables,
 * proposal rendering and NAT detection hashes. Messages are assembled
 * byte by byte here with a small builder, then parsed whole, cut at every
 * length, and with lengths that lie. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer/ike-proto.h"

/* ------------------------------------------------------------------ */
/* A tiny message builder */

struct mb {
	uint8_t b[2048];
	size_t n;
	size_t np_at;    /* where the previous payload's next-payload byte is */
	size_t open_at;  /* start of the payload being written */
};

static void put8(struct mb *m, uint8_t v) { m->b[m->n++] = v; }
static void put16(struct mb *m, uint16_t v) { put8(m, (uint8_t)(v >> 8)); put8(m, (uint8_t)v); }
static void put32(struct mb *m, uint32_t v) { put16(m, (uint16_t)(v >> 16)); put16(m, (uint16_t)v); }
static void putn(struct mb *m, const void *p, size_t n) { if (n) memcpy(m->b + m->n, p, n); m->n += n; }
static void setlen16(struct mb *m, size_t at, size_t len) { m->b[at] = (uint8_t)(len >> 8); m->b[at + 1] = (uint8_t)len; }

static const uint8_t SPI_I[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t SPI_R[8] = {9, 10, 11, 12, 13, 14, 15, 16};

static void hdr(struct mb *m, bool v2, const uint8_t *spir, uint8_t exch, uint8_t flags, uint32_t msgid)
{
	memset(m, 0, sizeof(*m));
	putn(m, SPI_I, 8);
	if (spir)
		putn(m, spir, 8);
	else
		for (int i = 0; i < 8; i++)
			put8(m, 0);
	m->np_at = m->n;
	put8(m, 0);
	put8(m, v2 ? 0x20 : 0x10);
	put8(m, exch);
	put8(m, flags);
	put32(m, msgid);
	put32(m, 0); /* length, fixed by done() */
}

/* Open a payload of `type`: links it from the previous one. */
static void pl_open(struct mb *m, uint8_t type)
{
	m->b[m->np_at] = type;
	m->np_at = m->n;
	m->open_at = m->n;
	put8(m, 0);
	put8(m, 0);
	put16(m, 0);
}

static void pl_close(struct mb *m)
{
	setlen16(m, m->open_at + 2, m->n - m->open_at);
}

static size_t done(struct mb *m)
{
	m->b[24] = (uint8_t)(m->n >> 24);
	m->b[25] = (uint8_t)(m->n >> 16);
	m->b[26] = (uint8_t)(m->n >> 8);
	m->b[27] = (uint8_t)m->n;
	return m->n;
}

/* IKEv2 transform: type, id, optional key length attribute. */
static void v2_xform(struct mb *m, bool last, uint8_t type, uint16_t id, uint16_t keylen)
{
	put8(m, last ? 0 : 3);
	put8(m, 0);
	put16(m, keylen ? 12 : 8);
	put8(m, type);
	put8(m, 0);
	put16(m, id);
	if (keylen) {
		put16(m, 0x8000 | 14);
		put16(m, keylen);
	}
}

static void v2_notify(struct mb *m, uint16_t type, const void *data, size_t dlen)
{
	pl_open(m, IKEV2_PL_NOTIFY);
	put8(m, 0); /* protocol */
	put8(m, 0); /* spi size */
	put16(m, type);
	putn(m, data, dlen);
	pl_close(m);
}

/* IKE_SA_INIT request: two IKE proposals, KE group 14, nonce, NAT-D x2,
 * fragmentation supported, strongSwan vendor id. */
static size_t build_v2_init(struct mb *m)
{
	hdr(m, true, NULL, IKEV2_SA_INIT, IKEV2_FLAG_INITIATOR, 0);
	pl_open(m, IKEV2_PL_SA);
	size_t p1 = m->n;
	put8(m, 2); put8(m, 0); put16(m, 0); /* proposal 1 */
	put8(m, 1); put8(m, IKE_PROTO_IKE); put8(m, 0); put8(m, 4);
	v2_xform(m, false, IKEV2_TT_ENCR, 12, 256);
	v2_xform(m, false, IKEV2_TT_INTEG, 12, 0);
	v2_xform(m, false, IKEV2_TT_PRF, 5, 0);
	v2_xform(m, true, IKEV2_TT_DH, 14, 0);
	setlen16(m, p1 + 2, m->n - p1);
	size_t p2 = m->n;
	put8(m, 0); put8(m, 0); put16(m, 0); /* proposal 2, last */
	put8(m, 2); put8(m, IKE_PROTO_IKE); put8(m, 0); put8(m, 3);
	v2_xform(m, false, IKEV2_TT_ENCR, 20, 128);
	v2_xform(m, false, IKEV2_TT_PRF, 2, 0);
	v2_xform(m, true, IKEV2_TT_DH, 19, 0);
	setlen16(m, p2 + 2, m->n - p2);
	pl_close(m);

	pl_open(m, IKEV2_PL_KE);
	put16(m, 14);
	put16(m, 0);
	for (int i = 0; i < 256; i++)
		put8(m, (uint8_t)i);
	pl_close(m);

	pl_open(m, IKEV2_PL_NONCE);
	for (int i = 0; i < 32; i++)
		put8(m, 0xaa);
	pl_close(m);

	uint8_t h[20];
	memset(h, 0x11, sizeof(h));
	v2_notify(m, IKEV2_N_NAT_DETECTION_SOURCE_IP, h, 20);
	memset(h, 0x22, sizeof(h));
	v2_notify(m, IKEV2_N_NAT_DETECTION_DESTINATION_IP, h, 20);
	v2_notify(m, IKEV2_N_FRAGMENTATION_SUPPORTED, NULL, 0);

	static const uint8_t sw[16] = {0x88, 0x2f, 0xe5, 0x6d, 0x6f, 0xd2, 0x0d, 0xbc,
				       0x22, 0x51, 0x61, 0x3b, 0x2e, 0xbe, 0x5b, 0xeb};
	pl_open(m, IKEV2_PL_VID);
	putn(m, sw, 16);
	pl_close(m);
	return done(m);
}

/* IKEv1 Main Mode message 1: one ISAKMP proposal, two transforms,
 * NAT-T and DPD vendor ids. */
static size_t build_v1_mm1(struct mb *m)
{
	hdr(m, false, NULL, IKEV1_MAIN, 0, 0);
	pl_open(m, IKEV1_PL_SA);
	put32(m, 1); /* IPsec DOI */
	put32(m, 1); /* identity only */
	size_t p = m->n;
	put8(m, 0); put8(m, 0); put16(m, 0);
	put8(m, 1); put8(m, IKE_PROTO_IKE); put8(m, 0); put8(m, 2);
	/* transform 1: AES-256 / SHA1 / MODP_2048 / PSK / 28800 s */
	size_t t1 = m->n;
	put8(m, IKEV1_PL_T); put8(m, 0); put16(m, 0);
	put8(m, 1); put8(m, 1); put16(m, 0);
	put16(m, 0x8000 | IKEV1_A_ENC); put16(m, 7);
	put16(m, 0x8000 | IKEV1_A_KEYLEN); put16(m, 256);
	put16(m, 0x8000 | IKEV1_A_HASH); put16(m, 2);
	put16(m, 0x8000 | IKEV1_A_GROUP); put16(m, 14);
	put16(m, 0x8000 | IKEV1_A_AUTH); put16(m, 1);
	put16(m, 0x8000 | IKEV1_A_LIFE_TYPE); put16(m, 1);
	put16(m, IKEV1_A_LIFE_DURATION); put16(m, 4); put32(m, 28800); /* TLV */
	setlen16(m, t1 + 2, m->n - t1);
	/* transform 2: 3DES / MD5 / MODP_1024 / XAUTH_INIT_PSK */
	size_t t2 = m->n;
	put8(m, 0); put8(m, 0); put16(m, 0);
	put8(m, 2); put8(m, 1); put16(m, 0);
	put16(m, 0x8000 | IKEV1_A_ENC); put16(m, 5);
	put16(m, 0x8000 | IKEV1_A_HASH); put16(m, 1);
	put16(m, 0x8000 | IKEV1_A_GROUP); put16(m, 2);
	put16(m, 0x8000 | IKEV1_A_AUTH); put16(m, 65001);
	setlen16(m, t2 + 2, m->n - t2);
	setlen16(m, p + 2, m->n - p);
	pl_close(m);

	static const uint8_t natt[16] = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
					 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
	static const uint8_t dpd[16] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
					0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};
	pl_open(m, IKEV1_PL_VID);
	putn(m, natt, 16);
	pl_close(m);
	pl_open(m, IKEV1_PL_VID);
	putn(m, dpd, 16);
	pl_close(m);
	return done(m);
}

/* ------------------------------------------------------------------ */

static void test_header(void **st)
{
	(void)st;
	struct mb m;
	size_t n = build_v2_init(&m);
	struct ike_hdr h;
	assert_true(ike_parse_header(m.b, n, &h));
	assert_memory_equal(h.spi_i, SPI_I, 8);
	assert_int_equal(h.major, 2);
	assert_int_equal(h.minor, 0);
	assert_int_equal(h.exch, IKEV2_SA_INIT);
	assert_int_equal(h.flags, IKEV2_FLAG_INITIATOR);
	assert_int_equal(h.np, IKEV2_PL_SA);
	assert_int_equal(h.length, n);
	assert_true(ike_header_plausible(m.b, n));
	/* Length field must equal the datagram. */
	assert_false(ike_header_plausible(m.b, n - 1));
	assert_false(ike_parse_header(m.b, 27, &h));
	/* Unknown exchange, wrong version, zero SPIi: not IKE. */
	m.b[18] = 99;
	assert_false(ike_header_plausible(m.b, n));
	m.b[18] = IKEV2_SA_INIT;
	m.b[17] = 0x30;
	assert_false(ike_header_plausible(m.b, n));
	m.b[17] = 0x20;
	memset(m.b, 0, 8);
	assert_false(ike_header_plausible(m.b, n));
}

static void test_v2_init(void **st)
{
	(void)st;
	struct mb m;
	size_t n = build_v2_init(&m);
	struct ike_msg msg;
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_true(msg.v2);
	assert_true(msg.initiator);
	assert_false(msg.response);
	assert_false(msg.encrypted);
	assert_int_equal(msg.npl, 7);
	assert_int_equal(msg.types[0], IKEV2_PL_SA);
	assert_int_equal(msg.types[1], IKEV2_PL_KE);
	assert_int_equal(msg.types[2], IKEV2_PL_NONCE);
	assert_int_equal(msg.types[6], IKEV2_PL_VID);

	assert_true(msg.has_sa);
	assert_int_equal(msg.sa.nprops, 2);
	assert_false(msg.sa.more);
	assert_int_equal(msg.sa.p[0].num, 1);
	assert_int_equal(msg.sa.p[0].proto, IKE_PROTO_IKE);
	assert_int_equal(msg.sa.p[0].nx, 4);
	assert_int_equal(msg.sa.p[0].x[0].type, IKEV2_TT_ENCR);
	assert_int_equal(msg.sa.p[0].x[0].id, 12);
	assert_int_equal(msg.sa.p[0].x[0].keylen, 256);
	assert_int_equal(msg.sa.p[0].x[3].type, IKEV2_TT_DH);
	assert_int_equal(msg.sa.p[0].x[3].id, 14);
	assert_int_equal(msg.sa.p[1].nx, 3);
	assert_int_equal(msg.sa.p[1].x[0].id, 20);
	assert_int_equal(msg.sa.p[1].x[0].keylen, 128);

	assert_true(msg.has_ke);
	assert_int_equal(msg.ke_group, 14);
	assert_int_equal(msg.ke_len, 256);
	assert_int_equal(msg.nonce_len, 32);

	assert_int_equal(msg.nnotify, 3);
	const struct ike_notify *ns = ike_find_notify(&msg, IKEV2_N_NAT_DETECTION_SOURCE_IP);
	assert_non_null(ns);
	assert_int_equal(ns->data_len, 20);
	assert_int_equal(ns->data[0], 0x11);
	const struct ike_notify *nd = ike_find_notify(&msg, IKEV2_N_NAT_DETECTION_DESTINATION_IP);
	assert_non_null(nd);
	assert_int_equal(nd->data[19], 0x22);
	assert_non_null(ike_find_notify(&msg, IKEV2_N_FRAGMENTATION_SUPPORTED));
	assert_null(ike_find_notify(&msg, IKEV2_N_COOKIE));

	assert_int_equal(msg.nvid, 1);
	assert_string_equal(ike_vendor_name(msg.vid[0].b, msg.vid[0].len), "strongSwan");

	char buf[240];
	ike_format_sa(true, &msg.sa, buf, sizeof(buf));
	assert_string_equal(buf, "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048, "
				 "IKE:AES_GCM_16_128/PRF_HMAC_SHA1/ECP_256");
	/* Clipped output ends in an ellipsis and stays terminated. */
	char small[24];
	size_t w = ike_format_sa(true, &msg.sa, small, sizeof(small));
	assert_int_equal(strlen(small), w);
	assert_true(w < sizeof(small));
	assert_string_equal(small + w - 3, "...");
	/* At every size: the whole text when it fits, else its first size-4
	 * bytes and "..." (the renderer appends piece by piece). */
	const size_t full = strlen(buf);
	for (size_t k = 5; k <= full + 2; k++) {
		char cut[240], want[240];
		size_t got = ike_format_sa(true, &msg.sa, cut, k);
		if (full < k)
			snprintf(want, sizeof want, "%s", buf);
		else
			snprintf(want, sizeof want, "%.*s...", (int)(k - 4), buf);
		assert_string_equal(cut, want);
		assert_int_equal(got, strlen(want));
	}
}

static void test_v2_invalid_ke_and_cookie(void **st)
{
	(void)st;
	struct mb m;
	hdr(&m, true, NULL, IKEV2_SA_INIT, IKEV2_FLAG_RESPONSE, 0);
	uint8_t g[2] = {0, 19};
	v2_notify(&m, IKE_N_INVALID_KE_PAYLOAD, g, 2);
	size_t n = done(&m);
	struct ike_msg msg;
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_true(msg.response);
	assert_false(msg.initiator);
	assert_int_equal(ike_invalid_ke_group(&msg), 19);
	assert_string_equal(ike_dh_name(19), "ECP_256");

	/* An INVALID_KE_PAYLOAD without its two data bytes names no group. */
	hdr(&m, true, NULL, IKEV2_SA_INIT, IKEV2_FLAG_RESPONSE, 0);
	v2_notify(&m, IKE_N_INVALID_KE_PAYLOAD, g, 1);
	n = done(&m);
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_int_equal(ike_invalid_ke_group(&msg), 0);

	hdr(&m, true, NULL, IKEV2_SA_INIT, IKEV2_FLAG_RESPONSE, 0);
	uint8_t cookie[100];
	memset(cookie, 7, sizeof(cookie));
	v2_notify(&m, IKEV2_N_COOKIE, cookie, sizeof(cookie));
	n = done(&m);
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	const struct ike_notify *c = ike_find_notify(&msg, IKEV2_N_COOKIE);
	assert_non_null(c);
	assert_int_equal(c->data_len, 100);        /* wire length kept */
	assert_int_equal(c->data[IKE_NOTIFY_DATA - 1], 7); /* first bytes kept */
}

static void test_v2_notify_with_spi(void **st)
{
	(void)st;
	struct mb m;
	hdr(&m, true, SPI_R, IKEV2_INFORMATIONAL, 0, 3);
	pl_open(&m, IKEV2_PL_NOTIFY);
	put8(&m, IKE_PROTO_ESP);
	put8(&m, 4);
	put16(&m, IKE_N_CHILD_SA_NOT_FOUND);
	put32(&m, 0xc0ffee01);
	put8(&m, 0x5a);
	pl_close(&m);
	size_t n = done(&m);
	struct ike_msg msg;
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_int_equal(msg.nnotify, 1);
	assert_int_equal(msg.n[0].proto, IKE_PROTO_ESP);
	assert_int_equal(msg.n[0].spi_size, 4);
	assert_int_equal(msg.n[0].data_len, 1);
	assert_int_equal(msg.n[0].data[0], 0x5a);

	/* An SPI size past the payload: the notify is not kept. */
	m.b[IKE_HDR_LEN + 5] = 200;
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_int_equal(msg.nnotify, 0);
}

static void test_v2_other_payloads(void **st)
{
	(void)st;
	struct mb m;
	hdr(&m, true, SPI_R, IKEV2_SA_INIT, IKEV2_FLAG_RESPONSE, 0);
	static const uint8_t types[] = {IKEV2_PL_IDI, IKEV2_PL_IDR,  IKEV2_PL_CERT, IKEV2_PL_CERTREQ,
					IKEV2_PL_AUTH, IKEV2_PL_DELETE, IKEV2_PL_TSI, IKEV2_PL_TSR,
					IKEV2_PL_CP,  IKEV2_PL_EAP};
	for (size_t i = 0; i < sizeof(types); i++) {
		pl_open(&m, types[i]);
		put32(&m, 0x01000000);
		pl_close(&m);
	}
	size_t n = done(&m);
	struct ike_msg msg;
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_int_equal(msg.npl, sizeof(types));
	assert_int_equal(msg.nid, 2);
	assert_int_equal(msg.ncert, 1);
	assert_int_equal(msg.ncertreq, 1);
	assert_int_equal(msg.nauth, 1);
	assert_int_equal(msg.ndelete, 1);
	assert_int_equal(msg.nts, 2);
	assert_int_equal(msg.ncp, 1);
	assert_int_equal(msg.neap, 1);
}

static void test_v2_sk_and_skf(void **st)
{
	(void)st;
	struct mb m;
	hdr(&m, true, SPI_R, IKEV2_AUTH, IKEV2_FLAG_INITIATOR, 1);
	pl_open(&m, IKEV2_PL_SK);
	m.b[m.open_at] = IKEV2_PL_IDI; /* first inner payload */
	for (int i = 0; i < 200; i++)
		put8(&m, (uint8_t)i);
	pl_close(&m);
	size_t n = done(&m);
	struct ike_msg msg;
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_true(msg.encrypted);
	assert_false(msg.skf);
	assert_int_equal(msg.sk_next, IKEV2_PL_IDI);
	assert_int_equal(msg.sk_len, 204);
	assert_int_equal(msg.h.msgid, 1);

	hdr(&m, true, SPI_R, IKEV2_AUTH, IKEV2_FLAG_INITIATOR, 1);
	pl_open(&m, IKEV2_PL_SKF);
	m.b[m.open_at] = IKEV2_PL_IDI;
	put16(&m, 2);
	put16(&m, 3);
	for (int i = 0; i < 100; i++)
		put8(&m, 0);
	pl_close(&m);
	n = done(&m);
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_true(msg.encrypted);
	assert_true(msg.skf);
	assert_int_equal(msg.frag_num, 2);
	assert_int_equal(msg.frag_total, 3);
	assert_int_equal(msg.sk_len, 108);

	/* An SK length past the message is reported, sizes still kept. */
	setlen16(&m, IKE_HDR_LEN + 2, 4000);
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_BAD_LENGTH);
	assert_true(msg.encrypted);
	assert_int_equal(msg.sk_len, 4000);
}

static void test_v1_main_mode(void **st)
{
	(void)st;
	struct mb m;
	size_t n = build_v1_mm1(&m);
	assert_true(ike_header_plausible(m.b, n));
	struct ike_msg msg;
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_false(msg.v2);
	assert_false(msg.encrypted);
	assert_int_equal(msg.h.exch, IKEV1_MAIN);
	assert_true(msg.has_sa);
	assert_int_equal(msg.sa.doi, 1);
	assert_int_equal(msg.sa.nprops, 1);
	const struct ike_prop *p = &msg.sa.p[0];
	assert_int_equal(p->proto, IKE_PROTO_IKE);
	assert_int_equal(p->nx_wire, 2);
	assert_int_equal(p->nx, 2);
	assert_int_equal(p->x[0].num, 1);
	assert_int_equal(p->x[0].id, 1); /* KEY_IKE */
	assert_int_equal(p->x[0].v1_enc, 7);
	assert_int_equal(p->x[0].keylen, 256);
	assert_int_equal(p->x[0].v1_hash, 2);
	assert_int_equal(p->x[0].v1_group, 14);
	assert_int_equal(p->x[0].v1_auth, 1);
	assert_int_equal(p->x[0].v1_life_type, 1);
	assert_int_equal(p->x[0].v1_life_secs, 28800);
	assert_int_equal(p->x[1].v1_enc, 5);
	assert_int_equal(p->x[1].v1_auth, 65001);

	char buf[240];
	ike_format_sa(false, &msg.sa, buf, sizeof(buf));
	assert_string_equal(buf, "IKE:AES_CBC_256/SHA1/MODP_2048/PSK/28800s, IKE:3DES_CBC/MD5/MODP_1024/XAUTH_INIT_PSK");

	assert_int_equal(msg.nvid, 2);
	assert_string_equal(ike_vendor_name(msg.vid[0].b, msg.vid[0].len), "RFC 3947 NAT-T");
	assert_true(ike_vendor_is_natt(msg.vid[0].b, msg.vid[0].len));
	assert_string_equal(ike_vendor_name(msg.vid[1].b, msg.vid[1].len), "DPD (RFC 3706)");
	assert_false(ike_vendor_is_natt(msg.vid[1].b, msg.vid[1].len));
}

static void test_v1_quick_mode_esp(void **st)
{
	(void)st;
	/* A cleartext phase 2 SA (as seen in some test captures): ESP
	 * proposal with SPI, AES-128 / HMAC-SHA1 / PFS group 14 / tunnel. */
	struct mb m;
	hdr(&m, false, SPI_R, IKEV1_QUICK, 0, 0x11223344);
	pl_open(&m, IKEV1_PL_SA);
	put32(&m, 1);
	put32(&m, 1);
	size_t p = m.n;
	put8(&m, 0); put8(&m, 0); put16(&m, 0);
	put8(&m, 1); put8(&m, IKE_PROTO_ESP); put8(&m, 4); put8(&m, 1);
	put32(&m, 0xcafe0001);
	size_t t = m.n;
	put8(&m, 0); put8(&m, 0); put16(&m, 0);
	put8(&m, 1); put8(&m, 12); put16(&m, 0);
	put16(&m, 0x8000 | IPSEC_A_LIFE_TYPE); put16(&m, 1);
	put16(&m, 0x8000 | IPSEC_A_LIFE_DURATION); put16(&m, 3600);
	put16(&m, 0x8000 | IPSEC_A_ENCAP); put16(&m, 1);
	put16(&m, 0x8000 | IPSEC_A_AUTH); put16(&m, 2);
	put16(&m, 0x8000 | IPSEC_A_KEYLEN); put16(&m, 128);
	put16(&m, 0x8000 | IPSEC_A_GROUP); put16(&m, 14);
	setlen16(&m, t + 2, m.n - t);
	setlen16(&m, p + 2, m.n - p);
	pl_close(&m);
	size_t n = done(&m);
	struct ike_msg msg;
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_int_equal(msg.sa.p[0].spi, 0xcafe0001);
	assert_int_equal(msg.sa.p[0].x[0].v1_life_secs, 3600);
	char buf[200];
	ike_format_sa(false, &msg.sa, buf, sizeof(buf));
	assert_string_equal(buf, "ESP:AES_CBC_128/HMAC_SHA1_96/PFS MODP_2048/TUNNEL/3600s");

	/* With the encryption flag set nothing past the header is read. */
	m.b[19] = IKEV1_FLAG_ENC;
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_true(msg.encrypted);
	assert_int_equal(msg.npl, 0);
	assert_false(msg.has_sa);
}

static void test_v1_notify_natd_other(void **st)
{
	(void)st;
	struct mb m;
	hdr(&m, false, NULL, IKEV1_INFORMATIONAL, 0, 0x01020304);
	pl_open(&m, IKEV1_PL_N);
	put32(&m, 1);  /* DOI */
	put8(&m, IKE_PROTO_IKE);
	put8(&m, 16);  /* SPI = both cookies */
	put16(&m, IKE_N_NO_PROPOSAL_CHOSEN);
	putn(&m, SPI_I, 8);
	putn(&m, SPI_R, 8);
	pl_close(&m);
	pl_open(&m, IKEV1_PL_NATD);
	for (int i = 0; i < 16; i++)
		put8(&m, 0x33);
	pl_close(&m);
	pl_open(&m, IKEV1_PL_NATD_DRAFT);
	for (int i = 0; i < 20; i++)
		put8(&m, 0x44);
	pl_close(&m);
	static const uint8_t others[] = {IKEV1_PL_KE, IKEV1_PL_NONCE, IKEV1_PL_ID, IKEV1_PL_CERT, IKEV1_PL_CR,
					 IKEV1_PL_HASH, IKEV1_PL_SIG, IKEV1_PL_D};
	for (size_t i = 0; i < sizeof(others); i++) {
		pl_open(&m, others[i]);
		put32(&m, 0);
		put32(&m, 0);
		pl_close(&m);
	}
	size_t n = done(&m);
	struct ike_msg msg;
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_int_equal(msg.nnotify, 1);
	assert_int_equal(msg.n[0].type, IKE_N_NO_PROPOSAL_CHOSEN);
	assert_int_equal(msg.n[0].spi_size, 16);
	assert_int_equal(msg.n[0].data_len, 0);
	assert_int_equal(msg.nnatd, 2);
	assert_int_equal(msg.natd_len[0], 16);
	assert_int_equal(msg.natd[0][0], 0x33);
	assert_int_equal(msg.natd_len[1], 20);
	assert_int_equal(msg.natd[1][19], 0x44);
	assert_true(msg.has_ke);
	assert_int_equal(msg.ke_len, 8);
	assert_int_equal(msg.nonce_len, 8);
	assert_int_equal(msg.nid, 1);
	assert_int_equal(msg.ncert, 1);
	assert_int_equal(msg.ncertreq, 1);
	assert_int_equal(msg.nhash, 1);
	assert_int_equal(msg.nsig, 1);
	assert_int_equal(msg.ndelete, 1);
	char nb[40];
	assert_string_equal(ike_notify_str(false, msg.n[0].type, nb, sizeof(nb)), "NO-PROPOSAL-CHOSEN");
	assert_string_equal(ike_notify_str(false, 36136, nb, sizeof(nb)), "R-U-THERE");
	assert_string_equal(ike_notify_str(true, 40000, nb, sizeof(nb)), "notify 40000");
}

/* Every prefix of a message parses without reading past it, and says it
 * is short or truncated. Run under ASan this is the out-of-bounds test. */
static void cut_everywhere(const uint8_t *full, size_t n)
{
	uint8_t buf[2048];
	struct ike_msg msg;
	for (size_t k = 0; k < n; k++) {
		/* Copy into an exact-size heap-like window at the end of buf so
		 * any overread leaves the array. */
		uint8_t *w = buf + sizeof(buf) - k;
		memcpy(w, full, k);
		enum ike_parse_status s = ike_parse(w, k, &msg);
		if (k < IKE_HDR_LEN)
			assert_int_equal(s, IKE_PARSE_SHORT);
		else
			assert_int_equal(s, IKE_PARSE_TRUNCATED);
		assert_true(msg.npl <= IKE_MAX_PAYLOADS);
		assert_true(msg.nnotify <= IKE_MAX_NOTIFY);
		assert_true(msg.sa.nprops <= IKE_MAX_PROPS);
	}
	assert_int_equal(ike_parse(full, n, &msg), IKE_PARSE_OK);
}

static void test_truncation_every_byte(void **st)
{
	(void)st;
	struct mb m;
	size_t n = build_v2_init(&m);
	cut_everywhere(m.b, n);
	n = build_v1_mm1(&m);
	cut_everywhere(m.b, n);

	/* A truncated capture still yields the payloads that fit whole. */
	n = build_v2_init(&m);
	struct ike_msg msg;
	size_t upto_nonce = IKE_HDR_LEN;
	for (int i = 0; i < 3; i++)
		upto_nonce += (size_t)(m.b[upto_nonce + 2] << 8 | m.b[upto_nonce + 3]);
	assert_int_equal(ike_parse(m.b, upto_nonce, &msg), IKE_PARSE_TRUNCATED);
	assert_int_equal(msg.npl, 3);
	assert_int_equal(msg.sa.nprops, 2);
	assert_int_equal(msg.ke_group, 14);
	assert_int_equal(msg.nonce_len, 32);
	assert_int_equal(msg.nnotify, 0);
}

static void test_lying_lengths(void **st)
{
	(void)st;
	struct mb m;
	struct ike_msg msg;
	size_t n = build_v2_init(&m);
	size_t sa_at = IKE_HDR_LEN;

	/* SA payload length past the message. */
	uint8_t save[2] = {m.b[sa_at + 2], m.b[sa_at + 3]};
	setlen16(&m, sa_at + 2, 0xffff);
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_BAD_LENGTH);
	assert_false(msg.has_sa);
	/* Zero and 1..3: below the generic header. */
	for (unsigned l = 0; l < 4; l++) {
		setlen16(&m, sa_at + 2, l);
		assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_BAD_LENGTH);
		assert_int_equal(msg.npl, 0);
	}
	m.b[sa_at + 2] = save[0];
	m.b[sa_at + 3] = save[1];

	/* Proposal length past the SA payload: the proposal is dropped,
	 * the rest of the message still parses. */
	size_t prop_at = sa_at + 4;
	setlen16(&m, prop_at + 2, 2000);
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_true(msg.has_sa);
	assert_int_equal(msg.sa.nprops, 0);
	assert_int_equal(msg.ke_group, 14);
	setlen16(&m, prop_at + 2, 3); /* shorter than its own header */
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_int_equal(msg.sa.nprops, 0);
	n = build_v2_init(&m);

	/* Transform length past the proposal: transforms before it stay. */
	size_t x2_at = prop_at + 8 + 12; /* second transform of proposal 1 */
	setlen16(&m, x2_at + 2, 500);
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_int_equal(msg.sa.p[0].nx, 1);
	assert_int_equal(msg.sa.p[0].x[0].keylen, 256);
	n = build_v2_init(&m);

	/* Key length attribute turned into a TLV whose length lies. */
	size_t attr_at = prop_at + 8 + 8;
	m.b[attr_at] = 0x00; /* clear the TV bit */
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_int_equal(msg.sa.p[0].x[0].keylen, 0);
	assert_int_equal(msg.sa.nprops, 2);
	n = build_v2_init(&m);

	/* Message length field larger than the datagram: truncated. */
	m.b[26] = 0x7f;
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_TRUNCATED);
	/* Smaller than a header: bad length, nothing walked past it. */
	n = build_v2_init(&m);
	m.b[24] = m.b[25] = m.b[26] = 0;
	m.b[27] = 10;
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_BAD_LENGTH);
	/* Length smaller than the datagram: trailing bytes are ignored. */
	n = build_v2_init(&m);
	uint8_t big[2100];
	memcpy(big, m.b, n);
	memset(big + n, 0xee, 50);
	assert_int_equal(ike_parse(big, n + 50, &msg), IKE_PARSE_OK);
	assert_int_equal(msg.npl, 7);

	/* IKEv1: transform payload length lies inside a proposal. */
	n = build_v1_mm1(&m);
	size_t v1_t1 = IKE_HDR_LEN + 4 + 8 + 8;
	setlen16(&m, v1_t1 + 2, 1000);
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_int_equal(msg.sa.p[0].nx, 0);
	assert_int_equal(msg.nvid, 2);
	/* Life duration TLV that runs past its transform. */
	n = build_v1_mm1(&m);
	size_t life_at = v1_t1 + 8 + 6 * 4;
	setlen16(&m, life_at + 2, 300);
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_int_equal(msg.sa.p[0].x[0].v1_life_secs, 0);
	assert_int_equal(msg.sa.p[0].x[0].v1_group, 14);
}

static void test_zero_length_and_loops(void **st)
{
	(void)st;
	/* 70 empty VID payloads chained: the walk stops at 64. */
	struct mb m;
	hdr(&m, true, NULL, IKEV2_SA_INIT, IKEV2_FLAG_INITIATOR, 0);
	for (int i = 0; i < 70; i++) {
		pl_open(&m, IKEV2_PL_VID);
		pl_close(&m);
	}
	size_t n = done(&m);
	struct ike_msg msg;
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_TOO_MANY);
	assert_int_equal(msg.npl, IKE_MAX_PAYLOADS);
	assert_int_equal(msg.nvid, IKE_MAX_VID);
	assert_int_equal(msg.nvid_wire, IKE_MAX_PAYLOADS);
	assert_int_equal(msg.vid[0].len, 0);

	/* A next-payload chain that claims more than the message holds:
	 * the last payload names a successor with no room for it. */
	hdr(&m, true, NULL, IKEV2_SA_INIT, IKEV2_FLAG_INITIATOR, 0);
	pl_open(&m, IKEV2_PL_NONCE);
	put32(&m, 1);
	pl_close(&m);
	m.b[m.open_at] = IKEV2_PL_NONCE; /* points at itself again */
	n = done(&m);
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_BAD_LENGTH);
	assert_int_equal(msg.npl, 1);
	assert_int_equal(msg.nonce_len, 4);

	/* More than IKE_MAX_NOTIFY notifies: counted, first ones kept. */
	hdr(&m, true, NULL, IKEV2_SA_INIT, IKEV2_FLAG_INITIATOR, 0);
	for (int i = 0; i < 20; i++)
		v2_notify(&m, (uint16_t)(16384 + i), NULL, 0);
	n = done(&m);
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_int_equal(msg.nnotify, IKE_MAX_NOTIFY);
	assert_int_equal(msg.nnotify_wire, 20);
	assert_int_equal(msg.n[15].type, 16384 + 15);

	/* Proposal count above IKE_MAX_PROPS: kept ones, `more` set. */
	hdr(&m, true, NULL, IKEV2_SA_INIT, IKEV2_FLAG_INITIATOR, 0);
	pl_open(&m, IKEV2_PL_SA);
	for (int i = 0; i < 10; i++) {
		size_t p = m.n;
		put8(&m, i == 9 ? 0 : 2); put8(&m, 0); put16(&m, 0);
		put8(&m, (uint8_t)(i + 1)); put8(&m, IKE_PROTO_IKE); put8(&m, 0); put8(&m, 1);
		v2_xform(&m, true, IKEV2_TT_DH, 14, 0);
		setlen16(&m, p + 2, m.n - p);
	}
	pl_close(&m);
	n = done(&m);
	assert_int_equal(ike_parse(m.b, n, &msg), IKE_PARSE_OK);
	assert_int_equal(msg.sa.nprops, IKE_MAX_PROPS);
	assert_true(msg.sa.more);
	char buf[240];
	ike_format_sa(true, &msg.sa, buf, sizeof(buf));
	assert_string_equal(buf + strlen(buf) - 3, "...");
}

static void test_natd_known_answers(void **st)
{
	(void)st;
	static const uint8_t zero[8];
	struct addr a = {4, {192, 0, 2, 1}};
	uint8_t out[IKE_HASH_MAX];
	/* Expected values computed independently (Python hashlib). */
	static const uint8_t want_v2[20] = {0x64, 0x4b, 0x45, 0x75, 0x45, 0x5b, 0xd6, 0xfc, 0xc1, 0xef,
					    0xe2, 0xbe, 0x81, 0x62, 0xa9, 0x21, 0x8e, 0x44, 0x8e, 0x5f};
	assert_int_equal(ike_natd_hash(true, 0, SPI_I, zero, &a, 500, out), 20);
	assert_memory_equal(out, want_v2, 20);

	struct addr b = {4, {198, 51, 100, 7}};
	static const uint8_t want_md5[16] = {0x4a, 0xd6, 0x84, 0x47, 0xef, 0x93, 0xbd, 0x95,
					     0x97, 0x3d, 0x2e, 0x04, 0x72, 0x7e, 0x63, 0xe4};
	assert_int_equal(ike_natd_hash(false, 1, SPI_I, SPI_R, &b, 4500, out), 16);
	assert_memory_equal(out, want_md5, 16);

	struct addr c = {6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
	static const uint8_t want_v6[20] = {0xea, 0xd4, 0x40, 0x8d, 0xe4, 0x27, 0xd4, 0xf5, 0x6c, 0x98,
					    0xa1, 0x35, 0xb7, 0xc0, 0x6c, 0xf7, 0xa5, 0xe7, 0x51, 0xed};
	assert_int_equal(ike_natd_hash(false, 2, SPI_I, SPI_R, &c, 500, out), 20);
	assert_memory_equal(out, want_v6, 20);

	assert_int_equal(ike_natd_hash(false, 4, SPI_I, SPI_R, &c, 500, out), 32);
	assert_int_equal(ike_natd_hash(false, 6, SPI_I, SPI_R, &c, 500, out), 64);
	assert_int_equal(ike_natd_hash(false, 3, SPI_I, SPI_R, &c, 500, out), 0); /* Tiger: unsupported */
	struct addr none = {0, {0}};
	assert_int_equal(ike_natd_hash(true, 0, SPI_I, SPI_R, &none, 500, out), 0);
}

static void test_names(void **st)
{
	(void)st;
	assert_string_equal(ike_exch_name(true, 34), "IKE_SA_INIT");
	assert_string_equal(ike_exch_name(true, 37), "INFORMATIONAL");
	assert_string_equal(ike_exch_name(false, 2), "Main Mode");
	assert_string_equal(ike_exch_name(false, 32), "Quick Mode");
	assert_string_equal(ike_exch_name(false, 99), "unknown exchange");
	assert_string_equal(ike_notify_name(true, 14), "NO_PROPOSAL_CHOSEN");
	assert_string_equal(ike_notify_name(true, 17), "INVALID_KE_PAYLOAD");
	assert_string_equal(ike_notify_name(true, 24), "AUTHENTICATION_FAILED");
	assert_string_equal(ike_notify_name(true, 38), "TS_UNACCEPTABLE");
	assert_string_equal(ike_notify_name(true, 5), "INVALID_MAJOR_VERSION");
	assert_string_equal(ike_notify_name(true, 7), "INVALID_SYNTAX");
	assert_string_equal(ike_notify_name(true, 16390), "COOKIE");
	assert_string_equal(ike_notify_name(true, 16430), "IKEV2_FRAGMENTATION_SUPPORTED");
	assert_string_equal(ike_notify_name(false, 24), "AUTHENTICATION-FAILED");
	assert_null(ike_notify_name(true, 12345));
	assert_string_equal(ike_payload_name(true, 46), "SK");
	assert_string_equal(ike_payload_name(false, 20), "NAT-D");
	assert_null(ike_payload_name(true, 99));
	assert_string_equal(ikev2_transform_name(IKEV2_TT_ENCR, 28), "CHACHA20_POLY1305");
	assert_string_equal(ikev2_transform_name(IKEV2_TT_INTEG, 14), "HMAC_SHA2_512_256");
	assert_string_equal(ikev2_transform_name(IKEV2_TT_PRF, 8), "PRF_AES128_CMAC");
	assert_string_equal(ikev2_transform_name(IKEV2_TT_DH, 31), "CURVE_25519");
	assert_string_equal(ikev2_transform_name(IKEV2_TT_ESN, 1), "ESN");
	assert_null(ikev2_transform_name(IKEV2_TT_ENCR, 999));
	assert_string_equal(ikev1_auth_name(3), "RSA_SIG");
	assert_string_equal(ikev1_encap_name(3), "UDP_TUNNEL");

	static const uint8_t unity[16] = {0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9,
					  0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc, 0x01, 0x00};
	assert_string_equal(ike_vendor_name(unity, 16), "Cisco Unity");
	static const uint8_t ms[20] = {0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d, 0x7c, 0x96,
				       0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61, 0, 0, 0, 9};
	assert_string_equal(ike_vendor_name(ms, 20), "Microsoft Windows");
	/* A known 16-byte id with extra bytes is not that id. */
	static const uint8_t sw_long[18] = {0x88, 0x2f, 0xe5, 0x6d, 0x6f, 0xd2, 0x0d, 0xbc, 0x22,
					    0x51, 0x61, 0x3b, 0x2e, 0xbe, 0x5b, 0xeb, 1, 2};
	assert_null(ike_vendor_name(sw_long, 18));
	assert_null(ike_vendor_name(unity, 5));

	char vb[48];
	static const char cisco[] = "CISCO-DELETE-REASON";
	assert_string_equal(ike_vendor_str((const uint8_t *)cisco, 19, 19, vb, sizeof(vb)), "\"CISCO-DELETE-REASON\"");
	assert_string_equal(ike_vendor_str((const uint8_t *)cisco, 19, 30, vb, sizeof(vb)), "\"CISCO-DELETE-REASON...\"");
	assert_string_equal(ike_vendor_str(unity, 16, 16, vb, sizeof(vb)), "Cisco Unity");
	static const uint8_t bin[10] = {0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5};
	assert_string_equal(ike_vendor_str(bin, 10, 10, vb, sizeof(vb)), "unknown deadbeef00010203");
	char tiny[10];
	assert_string_equal(ike_vendor_str(bin, 10, 10, tiny, sizeof(tiny)), "unknown ");
}

static void test_sk_overhead(void **st)
{
	(void)st;
	unsigned iv, icv, blk;
	assert_true(ikev2_sk_overhead(12, 256, 12, &iv, &icv, &blk));
	assert_int_equal(iv, 16);
	assert_int_equal(icv, 16);
	assert_int_equal(blk, 16);
	assert_true(ikev2_sk_overhead(20, 256, 0, &iv, &icv, &blk));
	assert_int_equal(iv, 8);
	assert_int_equal(icv, 16);
	assert_true(ikev2_sk_overhead(3, 0, 2, &iv, &icv, &blk));
	assert_int_equal(iv, 8);
	assert_int_equal(icv, 12);
	assert_int_equal(blk, 8);
	assert_false(ikev2_sk_overhead(99, 0, 2, &iv, &icv, &blk));
	assert_false(ikev2_sk_overhead(12, 0, 99, &iv, &icv, &blk));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_v2_init),
		cmocka_unit_test(test_v2_invalid_ke_and_cookie),
		cmocka_unit_test(test_v2_notify_with_spi),
		cmocka_unit_test(test_v2_other_payloads),
		cmocka_unit_test(test_v2_sk_and_skf),
		cmocka_unit_test(test_v1_main_mode),
		cmocka_unit_test(test_v1_quick_mode_esp),
		cmocka_unit_test(test_v1_notify_natd_other),
		cmocka_unit_test(test_truncation_every_byte),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_zero_length_and_loops),
		cmocka_unit_test(test_natd_known_answers),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sk_overhead),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
