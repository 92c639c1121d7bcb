/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike.c - the IKE / NAT-T / ESP analyzer: follows every IKE SA it sees
 * (by SPI pair, across the move from UDP 500 to 4500) and every ESP SA
 * (by destination and SPI), and says why a tunnel does not come up or
 * drops: blocked ports, proposal and DH group mismatches, authentication
 * and traffic selector failures (read in cleartext, or inferred from the
 * size of encrypted answers), dead peer detection and rekey failures,
 * IKE messages lost as IP fragments, one-way or missing ESP.
 *
 * Packet timestamps drive every timer. Verdicts about a failure are given
 * as soon as the wire proves it (a cleartext error) or when its timer runs
 * out (ike_timeout, esp_timeout); the healthy verdict (ike.ok) and the
 * inferences that need to see what follows are given when the capture
 * ends, or when the SA's slot is recycled.
 *
 * This file is the entry point: it recognises IKE and NAT-T datagrams,
 * reassembles fragmented ones, finds or creates the SA of each message and
 * hands it to ike-v1.c or ike-v2.c; the SA table is in ike-sa.c, the
 * verdicts in ike-verdicts.c, ESP in esp.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike-int.h"

static const uint8_t zero8[8];

bool ike_is_auth_error(bool v2, uint16_t t)
{
	if (t == IKE_N_AUTHENTICATION_FAILED || t == IKE_N_AUTHORIZATION_FAILED)
		return true;
	if (v2)
		return false;
	return t == IKEV1_N_INVALID_HASH_INFORMATION || t == IKEV1_N_INVALID_SIGNATURE ||
	       t == IKEV1_N_INVALID_CERTIFICATE || t == IKEV1_N_INVALID_ID_INFORMATION;
}

bool ike_natd_match(const struct ike_sa *sa, const uint8_t *hash, size_t hlen, const struct addr *a,
		       uint16_t port, const struct ike_hdr *h)
{
	uint8_t want[IKE_HASH_MAX];
	size_t n = ike_natd_hash(sa->ver == 2, ike_v1_of(sa)->hash, h->spi_i, h->spi_r, a, port, want);
	return n && n == hlen && memcmp(want, hash, n) == 0;
}

/* Record what one message's NAT detection data says. `side` sent it:
 * its source hash is about itself, its destination hash about the other
 * peer. */
void ike_nat_note(struct ike_sa *sa, int side, bool src_ok, bool dst_ok)
{
	uint8_t *me = side == SIDE_I ? &sa->nat_i : &sa->nat_r;
	uint8_t *peer = side == SIDE_I ? &sa->nat_r : &sa->nat_i;
	sa->natd_seen = true;
	*me |= src_ok ? NAT_SRC_OK : NAT_SRC_BAD;
	*peer |= dst_ok ? NAT_DST_OK : NAT_DST_BAD;
}

static void note_vendors(struct ike_sa *sa, int side, const struct ike_msg *m)
{
	for (unsigned i = 0; i < m->nvid; i++) {
		char nb[48];
		ike_vendor_str(m->vid[i].b, m->vid[i].len, m->vid[i].wire_len, nb, sizeof(nb));
		if (ike_vendor_is_natt(m->vid[i].b, m->vid[i].len))
			sa->natt_vid = true;
		ike_text_append_once(&sa->vendors[side], IKE_TEXT_ROOM, nb);
	}
}

static void note_notifies(struct ike_sa *sa, const struct ike_msg *m)
{
	char nn[48];
	for (unsigned i = 0; i < m->nnotify; i++) {
		uint16_t t = m->n[i].type;
		if (t == IKEV2_N_FRAGMENTATION_SUPPORTED && sa->ver == 2)
			sa->frag_supported = true;
		const char *name = ike_notify_name(sa->ver == 2, t); /* no copy when named */
		ike_text_append_once(&sa->notifies, IKE_TEXT_ROOM, name ? name : ike_notify_str(sa->ver == 2, t, nn, sizeof(nn)));
	}
}

/* The first error notify of a message (types below 16384). */
uint16_t ike_first_error(const struct ike_msg *m)
{
	for (unsigned i = 0; i < m->nnotify; i++)
		if (m->n[i].type && m->n[i].type < 16384)
			return m->n[i].type;
	return 0;
}

/* The SA's first error notify: who sent it, in which exchange, where. */
void ike_keep_first_error(struct ike_sa *sa, int side, uint8_t ex, uint16_t err, const struct pkt *p)
{
	if (sa->err)
		return;
	sa->err = err;
	sa->err_side = (uint8_t)side;
	sa->err_exch = ex;
	sa->err_frame = (uint32_t)p->frame;
	sa->err_ts = p->ts;
}

void ike_mark_up(struct ike_sa *sa, ts_usec ts)
{
	if (!ike_hs_reached(sa, IKE_HS_UP)) {
		ike_hs_advance(sa, IKE_HS_UP);
		sa->up_ts = ts;
	}
}

void ike_new_request(struct req *r, const struct ike_msg *m, uint8_t v1pos, uint64_t fp, const struct pkt *p,
			uint16_t len, bool natt, uint32_t room)
{
	memset(r, 0, sizeof(*r));
	r->active = true;
	r->exch = m->h.exch;
	r->msgid = m->h.msgid;
	r->v1pos = v1pos;
	r->fp = fp;
	r->len = len;
	r->natt = natt;
	r->sends = 1;
	r->inner = room;
	r->first_frame = r->last_frame = (uint32_t)p->frame;
	r->first_ts = r->last_ts = p->ts;
}

void ike_answer(struct ike_sa *sa, int side_of_req, const struct pkt *p)
{
	struct req *r = &sa->req[side_of_req];
	if (!r->active || r->answered)
		return;
	r->answered = true;
	r->answers = 1;
	r->answer_frame = (uint32_t)p->frame;
	r->answer_ts = p->ts;
	sa->answered_reqs++;
}

/* Another copy of the answer to the side's current request. */
void ike_answer_again(struct ike_sa *sa, int side_of_req)
{
	struct req *r = &sa->req[side_of_req];
	if (r->active && r->answered && r->answers < 255)
		r->answers++;
}

/* Another copy of a request: counted, and noted when an answer to it had
 * already passed this point (the sender did not get it). */
void ike_resent(struct req *r, ts_usec ts)
{
	r->gap = ts > r->last_ts ? ts - r->last_ts : 0;
	if (r->sends < 255)
		r->sends++;
	if (r->answered && r->resent_after_answer < 255)
		r->resent_after_answer++;
}

static uint32_t peers_hash(const struct addr *a, const struct addr *b)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 16; i++)
		h = (h ^ a->b[i]) * 16777619u;
	for (int i = 0; i < 16; i++)
		h = (h ^ b->b[i]) * 16777619u;
	return h & (ike_tab.nbuckets - 1);
}

/* Link a new attempt to the latest earlier SA between the same peers
 * (remembered per peer pair, so this costs one look-up). */
static void link_attempt(struct ike_sa *sa)
{
	uint32_t *slot = &ike_tab.latest[peers_hash(&sa->ini, &sa->rsp)];
	if (*slot) {
		struct ike_sa *o = ike_sa_at(*slot - 1);
		if (o != sa && o->in_use && !ike_sa_next(o) && o->ver == sa->ver && addr_eq(&o->ini, &sa->ini) &&
		    addr_eq(&o->rsp, &sa->rsp)) {
			o->next = sa->idx + 1;
			sa->prev = o->idx + 1;
		}
	}
	*slot = sa->idx + 1;
}

/* The newest SA from ini to rsp, if bucket h of `latest` holds it. */
static struct ike_sa *latest_in(uint32_t h, const struct addr *ini, const struct addr *rsp)
{
	uint32_t slot = ike_tab.latest[h];
	if (!slot)
		return NULL;
	struct ike_sa *sa = ike_sa_at(slot - 1);
	return sa->in_use && addr_eq(&sa->ini, ini) && addr_eq(&sa->rsp, rsp) ? sa : NULL;
}

/* The newest SA set up between two addresses (a the initiator first,
 * then b), or NULL. */
struct ike_sa *ike_sa_between(const struct addr *a, const struct addr *b)
{
	if (!ike_tab.nbuckets)
		return NULL;
	struct ike_sa *sa = latest_in(peers_hash(a, b), a, b);
	return sa ? sa : latest_in(peers_hash(b, a), b, a);
}

struct ike_sa *ike_sa_between_esp(struct esp_sa *e, const struct pkt *p)
{
	/* e was found by (destination, SPI): its source may differ */
	if (!e || !addr_eq(&e->src, &p->src))
		return ike_sa_between(&p->src, &p->dst);
	if (!ike_tab.nbuckets)
		return NULL;
	if (!e->ike_pair[0]) {
		e->ike_pair[0] = peers_hash(&p->src, &p->dst) + 1;
		e->ike_pair[1] = peers_hash(&p->dst, &p->src) + 1;
	}
	struct ike_sa *sa = latest_in(e->ike_pair[0] - 1, &p->src, &p->dst);
	return sa ? sa : latest_in(e->ike_pair[1] - 1, &p->dst, &p->src);
}

/* Which side of the SA sent this packet? */
static int side_of(const struct ike_sa *sa, const struct ike_msg *m, const struct pkt *p)
{
	bool from_i = addr_eq(&p->src, &sa->ini);
	bool from_r = addr_eq(&p->src, &sa->rsp);
	if (from_i && !from_r)
		return SIDE_I;
	if (from_r && !from_i)
		return SIDE_R;
	if (from_i && from_r) /* same address both ends (loopback tests) */
		return p->sport == sa->iport_now || p->sport == sa->iport ? SIDE_I : SIDE_R;
	if (m->v2)
		return m->initiator ? SIDE_I : SIDE_R;
	return addr_eq(&p->dst, &sa->rsp) ? SIDE_I : SIDE_R;
}

/* The move to 4500: the initiator's first message there floats the SA;
 * anything from the responder there shows 4500 passes back. */
static void note_ports(struct ike_sa *sa, int side, const struct pkt *p, bool natt)
{
	if (!natt)
		return;
	if (side == SIDE_I) {
		if (!sa->floated && sa->iport != NAT_T_PORT && sa->rport != NAT_T_PORT)
			sa->floated = true;
		sa->iport_now = p->sport;
		sa->rport_now = p->dport;
	} else {
		sa->resp_natt = true;
	}
}

/* When the SA table was first full in this run (ike-sa.c counts how
 * often; its counter starts at 0 with every run). */
static struct limit_hit ike_full;

void ike_fill_limits(struct limit_hit *ike, struct limit_hit *esp)
{
	*ike = ike_full;
	if (!ike_tab.table_full)
		memset(ike, 0, sizeof *ike);
	ike->times = ike_tab.table_full;
	/* once full, the SAs it held: the cap rounded up to whole blocks */
	ike->limit = ike_tab.table_full ? ike_tab.nused : ike_tab.cap;
	*esp = esp_table_stats()->full;
}

static struct ike_sa *sa_create(const struct ike_msg *m, const struct pkt *p, const struct flow *f)
{
	uint64_t full_before = ike_tab.table_full;
	struct ike_sa *sa = ike_sa_new(m->h.spi_i, p->ts);
	if (ike_tab.table_full != full_before && full_before == 0) {
		ike_full.first_ts = p->ts;
		ike_full.first_frame = p->frame;
	}
	if (!sa)
		return NULL;
	sa->ver = m->v2 ? 2 : 1;
	bool zr = memcmp(m->h.spi_r, zero8, 8) == 0;
	bool initial = m->v2 ? (m->h.exch == IKEV2_SA_INIT && !m->response)
			     : ((m->h.exch == IKEV1_MAIN || m->h.exch == IKEV1_AGGRESSIVE) && zr);
	/* Who started it: the sender of a request flagged I (IKEv2), or of
	 * the first message we see (IKEv1); the receiver of a response. */
	bool sender_is_i = !m->v2 || (!m->response && (m->initiator || m->h.exch == IKEV2_SA_INIT));
	if (sender_is_i) {
		sa->ini = p->src, sa->iport = p->sport;
		sa->rsp = p->dst, sa->rport = p->dport;
	} else {
		sa->ini = p->dst, sa->iport = p->dport;
		sa->rsp = p->src, sa->rport = p->sport;
	}
	sa->iport_now = sa->iport;
	sa->rport_now = sa->rport;
	sa->midstream = !initial;
	sa->flow_id = f ? f->id : 0;
	sa->first_frame = (uint32_t)p->frame;
	sa->first_ts = p->ts;
	if (initial)
		link_attempt(sa);
	return sa;
}

static void handle_message(struct flow *f, const uint8_t *b, size_t n, const struct pkt *p, bool natt)
{
	struct ike_msg m;
	enum ike_parse_status st = ike_parse(b, n, &m);
	if (st == IKE_PARSE_SHORT) {
		ike_tab.bad_msgs++;
		return;
	}
	if (st != IKE_PARSE_OK)
		ike_tab.bad_msgs++;
	ike_tab.msgs++;
	struct ike_sa *sa = ike_sa_find(&m.h);
	if (sa && sa->ver != (m.v2 ? 2 : 1)) {
		/* The same SPI answered in the other IKE version. */
		int side = side_of(sa, &m, p);
		if (side == SIDE_R && !(sa->reported & R_VERSION)) {
			sa->reported |= R_VERSION;
			struct verdict v;
			ike_sa_verdict(&v, V_IKE_VERSION_MISMATCH, SEV_FAIL, sa);
			verdict_summary(&v, "The initiator speaks IKEv%u, the responder answered in IKEv%u", sa->ver,
					m.v2 ? 2 : 1);
			ike_ev_log(&v, sa, -1, -1);
			verdict_evidence(&v, p->frame, p->ts, DIR_S2C, "IKEv%u %s", m.v2 ? 2 : 1,
					 ike_exch_name(m.v2, m.h.exch));
			ike_sa_details(&v, sa);
			verdict_remedy(&v, RV_IKE_VERSION_MISMATCH_ANSWERED_OTHER);
			verdict_emit(&v);
			ike_answer(sa, SIDE_I, p);
		}
		return;
	}
	if (!sa)
		sa = sa_create(&m, p, f);
	if (!sa)
		return;
	if (f)
		flow_state(f)->app_state = sa;
	int side = side_of(sa, &m, p);
	if (!sa->have_spir && memcmp(m.h.spi_r, zero8, 8) != 0) {
		memcpy(sa->spi_r, m.h.spi_r, 8);
		sa->have_spir = true;
	}
	if (sa->msgs[side] < UINT32_MAX)
		sa->msgs[side]++;
	if (sa->msgs[SIDE_I] + sa->msgs[SIDE_R] >= 2)
		ike_sa_seen_twice(sa);
	sa->last_frame = (uint32_t)p->frame;
	sa->last_ts = p->ts;
	if (p->pflog.present)
		ike_pf_set(sa, &p->pflog);
	note_ports(sa, side, p, natt);

	uint64_t fp = ike_fingerprint(b, n);
	struct mrec rec;
	memset(&rec, 0, sizeof(rec));
	rec.frame = (uint32_t)p->frame;
	rec.ts = p->ts;
	rec.msgid = m.h.msgid;
	rec.len = (uint16_t)(m.h.length > 0xffff ? 0xffff : m.h.length);
	rec.exch = m.h.exch;
	rec.side = (uint8_t)side;
	rec.response = m.response;
	rec.natt = natt;
	rec.frag = p->reassembled;
	rec.enc = m.encrypted;
	if (m.skf) {
		rec.skf_num = (uint8_t)(m.frag_num > 255 ? 255 : m.frag_num);
		rec.skf_total = (uint8_t)(m.frag_total > 255 ? 255 : m.frag_total);
	}

	/* Anything from this side answers the other side's Informationals. */
	if (sa->v1) {
		struct ike_v1 *v1 = ike_v1_take(sa);
		v1->info_run[1 - side] = 0;
	}
	if (!m.encrypted || m.v2)
		note_vendors(sa, side, &m);
	note_notifies(sa, &m);
	if (m.v2)
		ike_handle_v2(sa, side, &m, p, &rec, fp, natt);
	else
		ike_handle_v1(sa, side, &m, p, &rec, fp, natt);

	/* A reassembled copy of a request whose first fragment we saw. */
	struct req *r = &sa->req[side];
	if (p->reassembled && r->active && r->frag && r->msgid == m.h.msgid) {
		if (r->frag_done < r->frag_firsts) {
			r->frag_done++;
			if (rec.retrans && r->sends > 1)
				r->sends--; /* the first fragment already counted this copy */
		}
	}
	ike_log_msg(sa, &rec);
}

/* The first IP fragment of an IKE datagram: only the header may be there. */
static void handle_fragment(struct flow *f, const uint8_t *b, size_t n, const struct pkt *p, bool natt)
{
	struct ike_hdr h;
	ike_tab.fragments++;
	if (!ike_parse_header(b, n, &h) || (h.major != 1 && h.major != 2))
		return;
	struct ike_sa *sa = ike_sa_find(&h);
	if (!sa)
		return; /* a fragmented first message: too little to start an SA on */
	if (f)
		flow_state(f)->app_state = sa;
	struct ike_msg m;
	memset(&m, 0, sizeof(m));
	m.h = h;
	m.v2 = h.major == 2;
	m.response = m.v2 && (h.flags & IKEV2_FLAG_RESPONSE);
	m.initiator = m.v2 && (h.flags & IKEV2_FLAG_INITIATOR);
	int side = side_of(sa, &m, p);
	sa->last_frame = (uint32_t)p->frame;
	sa->last_ts = p->ts;
	ike_sa_seen_twice(sa);
	if (p->pflog.present)
		ike_pf_set(sa, &p->pflog);
	struct req *r = &sa->req[side];
	bool is_req = m.v2 ? !m.response : true;
	if (is_req) {
		if (r->active && r->msgid == h.msgid && r->exch == h.exch && !r->answered) {
			ike_resent(r, p->ts);
			r->last_frame = (uint32_t)p->frame;
			r->last_ts = p->ts;
		} else {
			uint8_t pos = 0;
			struct ike_v1 *v1 = m.v2 ? NULL : ike_v1_take(sa);
			if (v1 && (h.exch == IKEV1_MAIN || h.exch == IKEV1_AGGRESSIVE)) {
				pos = (uint8_t)(v1->mm_count + 1);
				v1->mm_count++;
				v1->mm_fp[side] = 0;
				if (pos >= 5 && h.exch == IKEV1_MAIN)
					ike_hs_advance(sa, IKE_HS_AUTH_SENT);
			}
			ike_new_request(r, &m, pos, 0, p, (uint16_t)h.length, natt, UINT32_MAX);
			if (m.v2 && h.exch == IKEV2_AUTH)
				ike_hs_advance(sa, IKE_HS_AUTH_SENT);
		}
		r->frag = true;
		if (r->frag_firsts < 255)
			r->frag_firsts++;
	}
	note_ports(sa, side, p, natt);
	struct mrec rec;
	memset(&rec, 0, sizeof(rec));
	rec.frame = (uint32_t)p->frame;
	rec.ts = p->ts;
	rec.msgid = h.msgid;
	rec.len = (uint16_t)(h.length > 0xffff ? 0xffff : h.length);
	rec.exch = h.exch;
	rec.side = (uint8_t)side;
	rec.response = m.response;
	rec.natt = natt;
	rec.frag = true;
	rec.v1pos = r->v1pos;
	ike_log_msg(sa, &rec);
}

static bool natt_port(const struct pkt *p)
{
	return p->sport == NAT_T_PORT || p->dport == NAT_T_PORT;
}

bool ike_claims(const struct pkt *p)
{
	if (!p->ipver || p->proto != IPPROTO_NUM_UDP)
		return false;
	if (p->sport == IKE_PORT || p->dport == IKE_PORT || natt_port(p))
		return true;
	if (p->is_fragment)
		return false;
	if (ike_header_plausible(p->payload, p->payload_len))
		return true;
	/* A non-ESP marker in front of a whole IKE message. */
	return p->payload_len > 4 + IKE_HDR_LEN && !memcmp(p->payload, zero8, 4) &&
	       ike_header_plausible(p->payload + 4, p->payload_len - 4);
}

void ike_packet(struct flow *f, int dir, const struct pkt *p)
{
	(void)dir;
	struct cursor c = cursor_make(p->payload, p->payload_len);
	bool marker = false;
	if (natt_port(p)) {
		if (p->payload_len == 1 && p->payload[0] == 0xff) {
			ike_tab.keepalives++;
			return;
		}
		uint8_t first[4];
		if (!cursor_peek(&c, 0, first, 4))
			return;
		if (memcmp(first, zero8, 4) != 0) {
			/* ESP in UDP: SPI and sequence number. */
			if (p->is_fragment)
				return;
			uint32_t spi = cursor_be32(&c);
			uint32_t seq = cursor_be32(&c);
			if (!cursor_ok(&c))
				return;
			ike_tab.esp_udp++;
			uint32_t wire = p->payload_wire_len ? p->payload_wire_len : p->payload_len;
			struct esp_sa *e = esp_account(p, spi, seq, true, wire, NULL);
			ike_esp_note(f, p, spi, e);
			return;
		}
		marker = true;
	} else if (p->sport != IKE_PORT && p->dport != IKE_PORT && p->payload_len > 4 + IKE_HDR_LEN &&
		   !memcmp(p->payload, zero8, 4) && ike_header_plausible(p->payload + 4, p->payload_len - 4)) {
		marker = true;
	}
	if (marker)
		cursor_skip(&c, 4);
	const uint8_t *b = cursor_here(&c);
	size_t n = cursor_left(&c);
	if (p->is_fragment)
		handle_fragment(f, b, n, p, marker || natt_port(p));
	else
		handle_message(f, b, n, p, marker || natt_port(p));
}

void ike_icmp(struct flow *f, int dir, const struct pkt *icmp)
{
	(void)f;
	(void)dir;
	const struct icmp_quote *q = &icmp->quote;
	if (!q->present || q->proto != IPPROTO_NUM_UDP)
		return;
	bool unreach = (icmp->ipver == 4 && icmp->icmp_type == 3) || (icmp->ipver == 6 && icmp->icmp_type == 1);
	if (!unreach)
		return;
	/* The newest SA with an unanswered request on that 5-tuple. */
	struct ike_sa *best = NULL;
	int best_side = 0;
	for (uint32_t i = 0; i < ike_tab.nused; i++) {
		struct ike_sa *sa = ike_sa_at(i);
		if (!sa->in_use)
			continue;
		for (int s = 0; s < 2; s++) {
			const struct addr *src = s == SIDE_I ? &sa->ini : &sa->rsp;
			const struct addr *dst = s == SIDE_I ? &sa->rsp : &sa->ini;
			const struct req *r = &sa->req[s];
			if (!r->active || r->answered || !addr_eq(src, &q->src) || !addr_eq(dst, &q->dst))
				continue;
			if (!best || r->last_ts > best->req[best_side].last_ts) {
				best = sa;
				best_side = s;
			}
		}
	}
	if (!best)
		return;
	struct req *r = &best->req[best_side];
	r->icmp_type = icmp->icmp_type;
	r->icmp_code = icmp->icmp_code;
	r->icmp_frame = (uint32_t)icmp->frame;
	r->icmp_ts = icmp->ts;
}

void ike_tick(ts_usec now)
{
	ike_tab.last_tick = now;
	for (uint32_t i = 0; i < ike_tab.nused; i++) {
		struct ike_sa *sa = ike_sa_at(i);
		if (sa->in_use && !sa->final)
			ike_sa_evaluate(sa, now, false);
	}
}

void ike_flow_end(struct flow *f, int why, ts_usec now)
{
	(void)why;
	(void)now;
	if (f)
		flow_state(f)->app_state = NULL;
}

void ike_finish(ts_usec now)
{
	ike_tick(now);
	for (uint32_t i = 0; i < ike_tab.nused; i++)
		ike_sa_finalize(ike_sa_at(i), now);
}

void ike_describe(const struct flow *f, ts_usec now, char *buf, size_t len)
{
	if (!len)
		return;
	buf[0] = 0;
	if (f->proto == IPPROTO_NUM_ESP) {
		struct addr srv = flow_srv(f), cli = flow_cli(f);
		const struct esp_sa *e = esp_find(&srv, f->key.spi);
		if (!e)
			e = esp_find(&cli, f->key.spi);
		if (e)
			snprintf(buf, len, "ESP spi 0x%08x: %llu packets, seq %u..%u, %llu gaps, %llu replays", e->spi,
				 (unsigned long long)e->pkts, e->seq_first, e->seq_max, (unsigned long long)e->gaps,
				 (unsigned long long)e->replays);
		else
			snprintf(buf, len, "ESP");
		return;
	}
	const struct ike_sa *sa = flow_state_c(f)->app_state;
	if (!sa || !sa->in_use) {
		snprintf(buf, len, "UDP 500/4500");
		return;
	}
	const struct req *ri = &sa->req[SIDE_I];
	if (ike_hs_reached(sa, IKE_HS_UP)) {
		struct esp_sum e;
		esp_summarize(sa, sa->up_ts, &e);
		snprintf(buf, len, "IKEv%u up%s, ESP %llu/%llu%s", sa->ver, sa->floated ? " (NAT-T)" : "",
			 (unsigned long long)e.pkts[0], (unsigned long long)e.pkts[1],
			 (e.pkts[0] && !e.pkts[1]) || (e.pkts[1] && !e.pkts[0]) ? " one-way" : "");
	} else if (ri->active && !ri->answered) {
		snprintf(buf, len, "IKEv%u %s%s sent%s, %.0f s unanswered", sa->ver, ike_exch_short(sa->ver, ri->exch),
			 ri->natt ? " on 4500" : "", ri->sends > 1 ? " (retransmitted)" : "",
			 ike_secs(now > ri->first_ts ? now - ri->first_ts : 0));
	} else if (sa->err) {
		char nn[48];
		snprintf(buf, len, "IKEv%u failed: %s", sa->ver, ike_notify_str(sa->ver == 2, sa->err, nn, sizeof(nn)));
	} else {
		snprintf(buf, len, "IKEv%u %s in progress", sa->ver, ike_exch_short(sa->ver, ri->exch));
	}
}
