/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike-proto.c - ISAKMP/IKEv1 and IKEv2 message parsing and NAT detection
 * hashes (the name tables are in ike-names.c). Pure functions: no state,
 * no allocation. */
#include "ike-proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"

#include "../capture/cursor.h"

/* ------------------------------------------------------------------ */
/* Header */

bool ike_parse_header(const uint8_t *buf, size_t len, struct ike_hdr *h)
{
	struct cursor c = cursor_make(buf, len);
	memset(h, 0, sizeof(*h));
	cursor_copy(&c, h->spi_i, 8);
	cursor_copy(&c, h->spi_r, 8);
	h->np = cursor_u8(&c);
	uint8_t v = cursor_u8(&c);
	h->major = v >> 4;
	h->minor = v & 0x0f;
	h->exch = cursor_u8(&c);
	h->flags = cursor_u8(&c);
	h->msgid = cursor_be32(&c);
	h->length = cursor_be32(&c);
	return cursor_ok(&c);
}

static bool exch_known(uint8_t major, uint8_t exch)
{
	if (major == 2)
		return (exch >= IKEV2_SA_INIT && exch <= IKEV2_SESSION_RESUME) || exch == IKEV2_INTERMEDIATE ||
		       exch == IKEV2_FOLLOWUP_KE;
	if (major == 1)
		return (exch >= IKEV1_BASE && exch <= IKEV1_TRANSACTION) || exch == IKEV1_QUICK ||
		       exch == IKEV1_NEW_GROUP;
	return false;
}

bool ike_header_plausible(const uint8_t *buf, size_t len)
{
	struct ike_hdr h;
	if (!ike_parse_header(buf, len, &h))
		return false;
	if (!((h.major == 1 || h.major == 2) && h.minor == 0))
		return false;
	if (!exch_known(h.major, h.exch))
		return false;
	if (h.length != len)
		return false;
	/* The initiator SPI is never zero in a real exchange. */
	static const uint8_t zero[8];
	return memcmp(h.spi_i, zero, 8) != 0;
}

/* ------------------------------------------------------------------ */
/* SA payloads */

/* Read one data attribute: TV when the top bit of the type is set
 * (value in the 2 bytes that follow), else TLV. Long TLV values are read
 * as a big-endian number saturating at 32 bits. */
static bool read_attr(struct cursor *c, uint16_t *type, uint32_t *val)
{
	uint16_t t = cursor_be16(c);
	uint16_t v = cursor_be16(c);
	if (!cursor_ok(c))
		return false;
	*type = t & 0x7fff;
	if (t & 0x8000) {
		*val = v;
		return true;
	}
	const uint8_t *b = cursor_bytes(c, v);
	if (!b)
		return false;
	uint64_t x = 0;
	for (uint16_t i = 0; i < v; i++) {
		x = x << 8 | b[i];
		if (x > UINT32_MAX)
			x = UINT32_MAX;
	}
	*val = (uint32_t)x;
	return true;
}

static void v1_attrs(struct cursor *c, uint8_t proto, struct ike_xform *x)
{
	/* Attributes are at least 4 bytes; bound the loop by that. */
	for (unsigned guard = 0; cursor_left(c) >= 4 && guard < 64; guard++) {
		uint16_t t;
		uint32_t v;
		if (!read_attr(c, &t, &v))
			return;
		uint16_t v16 = v > 0xffff ? 0xffff : (uint16_t)v;
		if (proto == IKE_PROTO_IKE) {
			switch (t) {
			case IKEV1_A_ENC: x->v1_enc = v16; break;
			case IKEV1_A_HASH: x->v1_hash = v16; break;
			case IKEV1_A_AUTH: x->v1_auth = v16; break;
			case IKEV1_A_GROUP: x->v1_group = v16; break;
			case IKEV1_A_LIFE_TYPE: x->v1_life_type = (uint8_t)v16; break;
			case IKEV1_A_LIFE_DURATION:
				if (x->v1_life_type == 2)
					x->v1_life_kb = v;
				else
					x->v1_life_secs = v;
				break;
			case IKEV1_A_PRF: x->v1_prf = v16; break;
			case IKEV1_A_KEYLEN: x->keylen = v16; break;
			default: break;
			}
		} else {
			switch (t) {
			case IPSEC_A_LIFE_TYPE: x->v1_life_type = (uint8_t)v16; break;
			case IPSEC_A_LIFE_DURATION:
				if (x->v1_life_type == 2)
					x->v1_life_kb = v;
				else
					x->v1_life_secs = v;
				break;
			case IPSEC_A_GROUP: x->v1_group = v16; break;
			case IPSEC_A_ENCAP: x->v1_encap = v16; break;
			case IPSEC_A_AUTH: x->v1_integ = v16; break;
			case IPSEC_A_KEYLEN: x->keylen = v16; break;
			default: break;
			}
		}
	}
}

static void v2_attrs(struct cursor *c, struct ike_xform *x)
{
	for (unsigned guard = 0; cursor_left(c) >= 4 && guard < 64; guard++) {
		uint16_t t;
		uint32_t v;
		if (!read_attr(c, &t, &v))
			return;
		if (t == 14) /* Key Length */
			x->keylen = v > 0xffff ? 0xffff : (uint16_t)v;
	}
}

/* Start a proposal: take the next free slot (or a scratch one when all
 * are used, noting that some were left out) and read the fields common
 * to both versions. NULL when the proposal header does not fit. */
static struct ike_prop *prop_begin(struct ike_sa_pl *sa, struct cursor *pc, struct ike_prop *scratch)
{
	struct ike_prop *p = sa->nprops < IKE_MAX_PROPS ? &sa->p[sa->nprops] : scratch;
	memset(p, 0, sizeof(*p));
	if (p == scratch)
		sa->more = true;
	p->num = cursor_u8(pc);
	p->proto = cursor_u8(pc);
	p->spi_size = cursor_u8(pc);
	p->nx_wire = cursor_u8(pc);
	if (p->spi_size == 4)
		p->spi = cursor_be32(pc);
	else
		cursor_skip(pc, p->spi_size);
	return cursor_ok(pc) ? p : NULL;
}

static void prop_add(struct ike_sa_pl *sa, struct ike_prop *p, const struct ike_xform *x)
{
	if (p->nx < IKE_MAX_XFORMS)
		p->x[p->nx++] = *x;
	else
		sa->more = true;
}

static void prop_end(struct ike_sa_pl *sa, const struct ike_prop *p, const struct ike_prop *scratch)
{
	if (p != scratch)
		sa->nprops++;
}

/* A substructure or payload header: flag/next byte, reserved, length.
 * Returns a cursor over the body (length minus the 4 header bytes), bad
 * when the length is below `min` or runs past the parent. */
static struct cursor sub_body(struct cursor *c, uint8_t *first, size_t min)
{
	*first = cursor_u8(c);
	cursor_u8(c);
	uint16_t len = cursor_be16(c);
	if (!cursor_ok(c) || len < min) {
		struct cursor bad = cursor_make(NULL, 0);
		bad.bad = true;
		return bad;
	}
	return cursor_sub(c, len - 4u);
}

/* IKEv2 SA payload body: a list of proposal substructures. */
static void parse_v2_sa(struct cursor *c, struct ike_sa_pl *sa)
{
	for (unsigned guard = 0; cursor_left(c) >= 8 && guard < 64; guard++) {
		uint8_t last;
		struct cursor pc = sub_body(c, &last, 8);
		struct ike_prop scratch;
		struct ike_prop *p = cursor_ok(&pc) ? prop_begin(sa, &pc, &scratch) : NULL;
		if (!p)
			return;
		for (unsigned tg = 0; cursor_left(&pc) >= 8 && tg < 255; tg++) {
			uint8_t tlast;
			struct cursor tc = sub_body(&pc, &tlast, 8);
			if (!cursor_ok(&tc))
				break;
			struct ike_xform x;
			memset(&x, 0, sizeof(x));
			x.type = cursor_u8(&tc);
			cursor_u8(&tc);
			x.id = cursor_be16(&tc);
			v2_attrs(&tc, &x);
			prop_add(sa, p, &x);
			if (tlast == 0)
				break;
		}
		prop_end(sa, p, &scratch);
		if (last == 0)
			return;
	}
}

/* IKEv1 SA payload body: DOI, situation, then proposal payloads with
 * generic headers, each holding transform payloads. */
static void parse_v1_sa(struct cursor *c, struct ike_sa_pl *sa)
{
	sa->doi = cursor_be32(c);
	cursor_be32(c); /* situation (IPsec DOI: 4 bytes) */
	uint8_t np = IKEV1_PL_P;
	for (unsigned guard = 0; np == IKEV1_PL_P && cursor_left(c) >= 8 && guard < 64; guard++) {
		struct cursor pc = sub_body(c, &np, 8);
		struct ike_prop scratch;
		struct ike_prop *p = cursor_ok(&pc) ? prop_begin(sa, &pc, &scratch) : NULL;
		if (!p)
			return;
		uint8_t tnp = IKEV1_PL_T;
		for (unsigned tg = 0; tnp == IKEV1_PL_T && cursor_left(&pc) >= 8 && tg < 255; tg++) {
			struct cursor tc = sub_body(&pc, &tnp, 8);
			if (!cursor_ok(&tc))
				break;
			struct ike_xform x;
			memset(&x, 0, sizeof(x));
			x.num = cursor_u8(&tc);
			x.id = cursor_u8(&tc);
			cursor_be16(&tc);
			v1_attrs(&tc, p->proto, &x);
			prop_add(sa, p, &x);
		}
		prop_end(sa, p, &scratch);
	}
}

/* ------------------------------------------------------------------ */
/* Other payloads */

static void keep_notify(struct ike_msg *m, struct cursor *c, bool v2)
{
	struct ike_notify n;
	memset(&n, 0, sizeof(n));
	if (!v2)
		cursor_be32(c); /* DOI */
	n.proto = cursor_u8(c);
	n.spi_size = cursor_u8(c);
	n.type = cursor_be16(c);
	cursor_skip(c, n.spi_size);
	if (!cursor_ok(c))
		return;
	size_t dl = cursor_left(c);
	n.data_len = dl > 0xffff ? 0xffff : (uint16_t)dl;
	cursor_copy(c, n.data, dl < IKE_NOTIFY_DATA ? dl : IKE_NOTIFY_DATA);
	if (m->nnotify_wire < 255)
		m->nnotify_wire++;
	if (m->nnotify < IKE_MAX_NOTIFY)
		m->n[m->nnotify++] = n;
}

static void keep_vid(struct ike_msg *m, struct cursor *c)
{
	if (m->nvid_wire < 255)
		m->nvid_wire++;
	if (m->nvid >= IKE_MAX_VID)
		return;
	struct ike_vid *v = &m->vid[m->nvid++];
	size_t n = cursor_left(c);
	v->wire_len = n > 0xffff ? 0xffff : (uint16_t)n;
	v->len = (uint8_t)(n < IKE_VID_KEEP ? n : IKE_VID_KEEP);
	cursor_copy(c, v->b, v->len);
}

static void keep_natd(struct ike_msg *m, struct cursor *c)
{
	if (m->nnatd >= IKE_MAX_NATD)
		return;
	size_t n = cursor_left(c);
	if (n > IKE_HASH_MAX)
		n = IKE_HASH_MAX;
	m->natd_len[m->nnatd] = (uint8_t)n;
	cursor_copy(c, m->natd[m->nnatd], n);
	m->nnatd++;
}

static inline void bump(uint8_t *n)
{
	if (*n < 255)
		(*n)++;
}

static void parse_v2_payload(struct ike_msg *m, uint8_t type, struct cursor *b)
{
	switch (type) {
	case IKEV2_PL_SA:
		if (!m->has_sa) {
			m->has_sa = true;
			parse_v2_sa(b, &m->sa);
		}
		break;
	case IKEV2_PL_KE:
		m->has_ke = true;
		m->ke_group = cursor_be16(b);
		cursor_be16(b);
		m->ke_len = (uint16_t)cursor_left(b);
		break;
	case IKEV2_PL_NONCE: m->nonce_len = (uint16_t)cursor_left(b); break;
	case IKEV2_PL_NOTIFY: keep_notify(m, b, true); break;
	case IKEV2_PL_VID: keep_vid(m, b); break;
	case IKEV2_PL_IDI:
	case IKEV2_PL_IDR: bump(&m->nid); break;
	case IKEV2_PL_CERT: bump(&m->ncert); break;
	case IKEV2_PL_CERTREQ: bump(&m->ncertreq); break;
	case IKEV2_PL_AUTH: bump(&m->nauth); break;
	case IKEV2_PL_DELETE: bump(&m->ndelete); break;
	case IKEV2_PL_TSI:
	case IKEV2_PL_TSR: bump(&m->nts); break;
	case IKEV2_PL_CP: bump(&m->ncp); break;
	case IKEV2_PL_EAP: bump(&m->neap); break;
	default: break;
	}
}

static void parse_v1_payload(struct ike_msg *m, uint8_t type, struct cursor *b)
{
	switch (type) {
	case IKEV1_PL_SA:
		if (!m->has_sa) {
			m->has_sa = true;
			parse_v1_sa(b, &m->sa);
		}
		break;
	case IKEV1_PL_KE:
		m->has_ke = true;
		m->ke_len = (uint16_t)cursor_left(b);
		break;
	case IKEV1_PL_NONCE: m->nonce_len = (uint16_t)cursor_left(b); break;
	case IKEV1_PL_N: keep_notify(m, b, false); break;
	case IKEV1_PL_VID: keep_vid(m, b); break;
	case IKEV1_PL_ID: bump(&m->nid); break;
	case IKEV1_PL_CERT: bump(&m->ncert); break;
	case IKEV1_PL_CR: bump(&m->ncertreq); break;
	case IKEV1_PL_HASH: bump(&m->nhash); break;
	case IKEV1_PL_SIG: bump(&m->nsig); break;
	case IKEV1_PL_D: bump(&m->ndelete); break;
	case IKEV1_PL_NATD:
	case IKEV1_PL_NATD_DRAFT: keep_natd(m, b); break;
	default: break;
	}
}

enum ike_parse_status ike_parse(const uint8_t *buf, size_t len, struct ike_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (!ike_parse_header(buf, len, &m->h) || (m->h.major != 1 && m->h.major != 2)) {
		m->status = IKE_PARSE_SHORT;
		return IKE_PARSE_SHORT;
	}
	m->v2 = m->h.major == 2;
	if (m->v2) {
		m->response = (m->h.flags & IKEV2_FLAG_RESPONSE) != 0;
		m->initiator = (m->h.flags & IKEV2_FLAG_INITIATOR) != 0;
	}
	enum ike_parse_status st = IKE_PARSE_OK;
	size_t win = len;
	if (m->h.length < IKE_HDR_LEN) {
		st = IKE_PARSE_BAD_LENGTH;
	} else if (m->h.length > len) {
		st = IKE_PARSE_TRUNCATED;
	} else {
		win = m->h.length;
	}
	struct cursor c = cursor_make(buf, win);
	cursor_skip(&c, IKE_HDR_LEN);

	if (!m->v2 && (m->h.flags & IKEV1_FLAG_ENC)) {
		m->encrypted = true;
		m->status = (uint8_t)st;
		return st;
	}
	uint8_t np = m->h.np;
	while (np != 0) {
		if (m->npl >= IKE_MAX_PAYLOADS) {
			if (st == IKE_PARSE_OK)
				st = IKE_PARSE_TOO_MANY;
			break;
		}
		if (cursor_left(&c) < 4) {
			if (st == IKE_PARSE_OK)
				st = IKE_PARSE_BAD_LENGTH;
			break;
		}
		uint8_t type = np;
		np = cursor_u8(&c);
		cursor_u8(&c);
		uint16_t plen = cursor_be16(&c);
		if (plen < 4) {
			if (st == IKE_PARSE_OK)
				st = IKE_PARSE_BAD_LENGTH;
			break;
		}
		m->types[m->npl++] = type;
		if (m->v2 && (type == IKEV2_PL_SK || type == IKEV2_PL_SKF)) {
			/* Everything after is ciphertext; the next-payload field
			 * names the first inner payload. */
			m->encrypted = true;
			m->sk_next = np;
			m->sk_len = plen;
			if (type == IKEV2_PL_SKF) {
				m->skf = true;
				struct cursor fc = c;
				m->frag_num = cursor_be16(&fc);
				m->frag_total = cursor_be16(&fc);
			}
			if (plen - 4u > cursor_left(&c) && st == IKE_PARSE_OK)
				st = IKE_PARSE_BAD_LENGTH;
			break;
		}
		if (plen - 4u > cursor_left(&c)) {
			if (st == IKE_PARSE_OK)
				st = IKE_PARSE_BAD_LENGTH;
			break;
		}
		struct cursor b = cursor_sub(&c, plen - 4u);
		if (m->v2)
			parse_v2_payload(m, type, &b);
		else
			parse_v1_payload(m, type, &b);
	}
	m->status = (uint8_t)st;
	return st;
}

const struct ike_notify *ike_find_notify(const struct ike_msg *m, uint16_t type)
{
	for (unsigned i = 0; i < m->nnotify; i++)
		if (m->n[i].type == type)
			return &m->n[i];
	return NULL;
}

uint16_t ike_invalid_ke_group(const struct ike_msg *m)
{
	const struct ike_notify *n = ike_find_notify(m, IKE_N_INVALID_KE_PAYLOAD);
	if (!n || n->data_len < 2)
		return 0;
	return (uint16_t)(n->data[0] << 8 | n->data[1]);
}

/* ------------------------------------------------------------------ */
/* NAT detection */

size_t ike_natd_hash(bool v2, uint16_t hash_alg, const uint8_t spi_i[8], const uint8_t spi_r[8],
		     const struct addr *a, uint16_t port, uint8_t out[IKE_HASH_MAX])
{
	enum digest_alg md;
	if (v2) {
		md = DIGEST_SHA1;
	} else {
		switch (hash_alg) {
		case 1: md = DIGEST_MD5; break;
		case 2: md = DIGEST_SHA1; break;
		case 4: md = DIGEST_SHA256; break;
		case 5: md = DIGEST_SHA384; break;
		case 6: md = DIGEST_SHA512; break;
		default: return 0;
		}
	}
	uint8_t in[8 + 8 + 16 + 2];
	size_t alen = a->family == 6 ? 16 : 4;
	if (a->family != 4 && a->family != 6)
		return 0;
	memcpy(in, spi_i, 8);
	memcpy(in + 8, spi_r, 8);
	memcpy(in + 16, a->b, alen);
	in[16 + alen] = (uint8_t)(port >> 8);
	in[17 + alen] = (uint8_t)port;
	_Static_assert(IKE_HASH_MAX == DIGEST_MAX, "NAT-D buffers hold any digest");
	return digest_once(md, in, 18 + alen, out);
}

bool ikev2_sk_overhead(uint16_t encr, uint16_t keylen, uint16_t integ, unsigned *iv, unsigned *icv,
		       unsigned *block)
{
	(void)keylen;
	unsigned integ_icv = 0;
	switch (integ) {
	case 0: integ_icv = 0; break;
	case 1: case 2: case 5: case 8: integ_icv = 12; break;
	case 6: case 9: case 10: case 11: case 12: integ_icv = 16; break;
	case 7: integ_icv = 20; break;
	case 13: integ_icv = 24; break;
	case 14: integ_icv = 32; break;
	default: return false;
	}
	switch (encr) {
	case 2: case 3: *iv = 8; *block = 8; *icv = integ_icv; return true;
	case 12: case 23: *iv = 16; *block = 16; *icv = integ_icv; return true;
	case 13: case 24: *iv = 8; *block = 4; *icv = integ_icv; return true;
	case 14: case 18: case 25: *iv = 8; *block = 4; *icv = 8; return true;
	case 15: case 19: case 26: *iv = 8; *block = 4; *icv = 12; return true;
	case 16: case 20: case 27: case 28: *iv = 8; *block = 4; *icv = 16; return true;
	case 11: *iv = 0; *block = 4; *icv = integ_icv; return true;
	default: return false;
	}
}
