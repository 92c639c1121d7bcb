/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike-v2.c - IKEv2 (RFC 7296): what each exchange (IKE_SA_INIT, IKE_AUTH,
 * CREATE_CHILD_SA, INFORMATIONAL) means for the SA's state, the chosen
 * proposal, NAT detection and the size inference on encrypted answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike-int.h"

static void nat_check_v2(struct ike_sa *sa, int side, const struct ike_msg *m, const struct pkt *p)
{
	bool any_src = false, src_ok = false, have_dst = false, dst_ok = false;
	for (unsigned i = 0; i < m->nnotify; i++) {
		const struct ike_notify *n = &m->n[i];
		if (n->type == IKEV2_N_NAT_DETECTION_SOURCE_IP) {
			any_src = true;
			if (ike_natd_match(sa, n->data, n->data_len > IKE_NOTIFY_DATA ? IKE_NOTIFY_DATA : n->data_len, &p->src,
				       p->sport, &m->h))
				src_ok = true;
		} else if (n->type == IKEV2_N_NAT_DETECTION_DESTINATION_IP) {
			have_dst = true;
			dst_ok = ike_natd_match(sa, n->data, n->data_len > IKE_NOTIFY_DATA ? IKE_NOTIFY_DATA : n->data_len,
					    &p->dst, p->dport, &m->h);
		}
	}
	if (any_src && have_dst)
		ike_nat_note(sa, side, src_ok, dst_ok);
}

static void record_chosen_v2(struct ike_sa *sa, const struct ike_msg *m)
{
	if (!m->has_sa || !m->sa.nprops)
		return;
	const struct ike_prop *p = &m->sa.p[0];
	sa->have_chosen = true;
	for (unsigned i = 0; i < p->nx; i++) {
		const struct ike_xform *x = &p->x[i];
		switch (x->type) {
		case IKEV2_TT_ENCR: sa->encr = x->id; sa->encr_keylen = x->keylen; break;
		case IKEV2_TT_INTEG: sa->integ = x->id; break;
		case IKEV2_TT_PRF: sa->prf = x->id; break;
		case IKEV2_TT_DH: sa->dh = x->id; break;
		default: break;
		}
	}
	char buf[IKE_TEXT_ROOM];
	ike_format_sa(true, &m->sa, buf, sizeof(buf));
	ike_text_set(&sa->chosen, buf);
}

static unsigned prf_len(uint16_t prf)
{
	switch (prf) {
	case 1: return 16;
	case 2: return 20;
	case 3: return 24;
	case 4: case 8: return 16;
	case 5: return 32;
	case 6: return 48;
	case 7: return 64;
	default: return 20;
	}
}

/* Bytes of payloads an SK payload of `sk_len` can hold with the chosen
 * cipher: its length less header, IV and ICV (padding included). */
static uint32_t sk_room(const struct ike_sa *sa, uint32_t sk_len)
{
	unsigned iv, icv, blk;
	if (!sa->have_chosen || !ikev2_sk_overhead(sa->encr, sa->encr_keylen, sa->integ, &iv, &icv, &blk))
		return UINT32_MAX;
	if (sk_len < 4 + iv + icv)
		return 0;
	return sk_len - 4 - iv - icv;
}

/* Judge an encrypted IKE_AUTH response from its size. A success carries
 * IDr, AUTH, an SA with one ESP proposal and TSi/TSr: at least 12 + (8 +
 * PRF output) + 28 + 2 * 24 bytes with the smallest of each. A response
 * without room for IDr + AUTH can only hold notifies. */
static uint8_t auth_shape(const struct ike_sa *sa, uint32_t room)
{
	if (room == UINT32_MAX)
		return SHAPE_UNKNOWN;
	unsigned id_auth = 12 + 8 + prf_len(sa->prf);
	unsigned success = id_auth + 28 + 48;
	if (room < id_auth)
		return SHAPE_NOTIFY_ONLY;
	if (room < success)
		return SHAPE_NO_CHILD;
	return SHAPE_FULL;
}

void ike_handle_v2(struct ike_sa *sa, int side, const struct ike_msg *m, const struct pkt *p, struct mrec *rec,
		      uint64_t fp, bool natt)
{
	uint32_t room = m->encrypted ? sk_room(sa, m->sk_len) : UINT32_MAX;
	uint8_t ex = m->h.exch;
	if (!m->response) {
		struct req *r = &sa->req[side];
		/* Same message ID and exchange: a retransmission (IKEv2 never
		 * reuses an ID for a new request, except IKE_SA_INIT retried
		 * after a COOKIE or INVALID_KE_PAYLOAD answer). */
		uint32_t fbit = m->skf && m->frag_num >= 1 && m->frag_num <= 32 ? 1u << (m->frag_num - 1) : 0;
		if (r->active && r->msgid == m->h.msgid && r->exch == ex && !r->answer_note) {
			if (fbit && !(r->skf_mask & fbit)) {
				/* another fragment of the same copy */
				r->skf_mask |= fbit;
				if (r->len < 0xffff - m->h.length)
					r->len = (uint16_t)(r->len + m->h.length);
			} else {
				ike_resent(r, p->ts);
				r->skf_mask = fbit;
				rec->retrans = true;
			}
			r->last_frame = (uint32_t)p->frame;
			r->last_ts = p->ts;
		} else {
			ike_new_request(r, m, 0, fp, p, (uint16_t)m->h.length, natt, room);
			r->skf_mask = fbit;
		}
		if (ex == IKEV2_INFORMATIONAL && m->encrypted && room != UINT32_MAX && room <= 16)
			rec->dpd_like = true;
		if (ex == IKEV2_SA_INIT) {
			if (m->has_sa) {
				char buf[IKE_OFFERED_ROOM];
				ike_format_sa(true, &m->sa, buf, sizeof(buf));
				ike_text_set(&sa->offered, buf);
			}
			if (m->has_ke) {
				if (sa->n_invalid_ke && m->ke_group == sa->ke_asked)
					sa->ke_retry_group = m->ke_group;
				else if (!sa->n_invalid_ke)
					sa->ke_sent = m->ke_group;
			}
			nat_check_v2(sa, side, m, p);
		} else if (ex == IKEV2_AUTH) {
			ike_hs_advance(sa, IKE_HS_AUTH_SENT);
			if (room != UINT32_MAX)
				sa->auth_req_inner = room;
		}
		return;
	}
	/* A response answers the other side's request with the same ID. */
	int rs = 1 - side;
	struct req *r = &sa->req[rs];
	if (r->active && r->msgid == m->h.msgid) {
		if (r->answered && !(m->skf && m->frag_num > 1)) {
			rec->retrans = true;
			ike_answer_again(sa, rs);
		}
		ike_answer(sa, rs, p);
	}
	uint16_t err = ike_first_error(m);
	if (ex == IKEV2_SA_INIT) {
		uint16_t g = ike_invalid_ke_group(m);
		if (g || ike_find_notify(m, IKE_N_INVALID_KE_PAYLOAD)) {
			if (!rec->retrans) {
				sa->n_invalid_ke++;
				sa->ke_asked = g;
				sa->ke_frame = (uint32_t)p->frame;
				sa->ke_ts = p->ts;
			}
			rec->note = IKE_N_INVALID_KE_PAYLOAD;
			r->answer_note = rec->note;
		} else if (ike_find_notify(m, IKEV2_N_COOKIE)) {
			if (!rec->retrans)
				sa->n_cookie++;
			rec->note = IKEV2_N_COOKIE;
			r->answer_note = rec->note;
		} else if (m->has_sa && m->has_ke) {
			ike_hs_advance(sa, IKE_HS_INIT_DONE);
			record_chosen_v2(sa, m);
			if (sa->n_invalid_ke)
				sa->ke_resolved = true;
			struct ike_sa *o = ike_sa_prev(sa);
			if (o && o->n_invalid_ke && !o->ke_resolved && m->ke_group == o->ke_asked)
				o->ke_resolved = true;
			nat_check_v2(sa, side, m, p);
		}
	} else if (ex == IKEV2_AUTH && m->encrypted) {
		sa->auth_frame = (uint32_t)p->frame;
		sa->auth_ts = p->ts;
		sa->auth_len = (uint16_t)m->h.length;
		sa->auth_inner = room;
		/* A response big enough to need IKE fragmentation is no error. */
		sa->shape = m->skf ? SHAPE_FULL : auth_shape(sa, room);
		if (sa->shape == SHAPE_FULL || sa->shape == SHAPE_UNKNOWN) {
			ike_mark_up(sa, p->ts);
			sa->child_up = true;
			sa->child_ok_ts = p->ts;
		} else if (sa->shape == SHAPE_NO_CHILD) {
			ike_mark_up(sa, p->ts);
		}
	} else if (ex == IKEV2_CREATE_CHILD_SA && m->encrypted) {
		/* Success carries SA, nonce and TS: far more than a notify. */
		if (room != UINT32_MAX && room < 48 && !rec->retrans) {
			sa->rekey_error = true;
			sa->rekey_err_frame = (uint32_t)p->frame;
			sa->rekey_err_ts = p->ts;
		} else if (room >= 48) {
			sa->child_up = true;
			sa->child_ok_ts = p->ts;
		}
	}
	if (err && err != IKE_N_INVALID_KE_PAYLOAD) {
		rec->note = err;
		ike_keep_first_error(sa, side, ex, err, p);
		if (err == IKE_N_NO_PROPOSAL_CHOSEN || err == IKE_N_INVALID_MAJOR_VERSION || err == IKE_N_TS_UNACCEPTABLE ||
		    err == IKE_N_INVALID_SELECTORS || ike_is_auth_error(true, err))
			ike_emit_error_notify(sa, m, err, rec);
	}
}
