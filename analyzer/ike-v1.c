/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike-v1.c - IKEv1 (RFC 2409): main, aggressive, quick and informational
 * exchanges by message position, and NAT-D (RFC 3947). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike-int.h"

static void nat_check_v1(struct ike_sa *sa, int side, const struct ike_msg *m, const struct pkt *p)
{
	if (m->nnatd < 2 || !sa->v1_hash)
		return;
	/* RFC 3947: the first NAT-D is the remote end, the others local. */
	bool dst_ok = ike_natd_match(sa, m->natd[0], m->natd_len[0], &p->dst, p->dport, &m->h);
	bool src_ok = false;
	for (unsigned i = 1; i < m->nnatd; i++)
		if (ike_natd_match(sa, m->natd[i], m->natd_len[i], &p->src, p->sport, &m->h))
			src_ok = true;
	ike_nat_note(sa, side, src_ok, dst_ok);
}

void ike_handle_v1(struct ike_sa *sa, int side, const struct ike_msg *m, const struct pkt *p, struct mrec *rec,
		      uint64_t fp, bool natt)
{
	uint8_t ex = m->h.exch;
	if (ex == IKEV1_MAIN || ex == IKEV1_AGGRESSIVE) {
		if (!sa->v1_exch)
			sa->v1_exch = ex;
		if (sa->mm_fp[side] == fp) {
			rec->retrans = true;
			struct req *r = &sa->req[side];
			if (r->active && r->fp == fp) {
				ike_resent(r, p->ts);
				r->last_frame = (uint32_t)p->frame;
				r->last_ts = p->ts;
			}
			/* it also answers the other side's message again */
			ike_answer_again(sa, 1 - side);
			rec->v1pos = r->active ? r->v1pos : 0;
			return;
		}
		sa->mm_fp[side] = fp;
		if (sa->mm_count < 255)
			sa->mm_count++;
		uint8_t pos = sa->mm_count;
		if (sa->midstream)
			pos = 0;
		rec->v1pos = pos;
		ike_answer(sa, 1 - side, p);
		uint8_t last = ex == IKEV1_MAIN ? 6 : 3;
		if (pos && pos < last)
			ike_new_request(&sa->req[side], m, pos, fp, p, (uint16_t)m->h.length, natt, UINT32_MAX);
		else
			sa->req[side].active = false;
		if (pos == 1 && m->has_sa) {
			char buf[IKE_OFFERED_ROOM];
			ike_format_sa(false, &m->sa, buf, sizeof(buf));
			ike_text_set(&sa->offered, buf);
		}
		if (pos == 2 && m->has_sa && m->sa.nprops && m->sa.p[0].nx) {
			ike_hs_advance(sa, IKE_HS_INIT_DONE);
			sa->have_chosen = true;
			sa->v1_hash = m->sa.p[0].x[0].v1_hash;
			char buf[IKE_TEXT_ROOM];
			ike_format_sa(false, &m->sa, buf, sizeof(buf));
			ike_text_set(&sa->chosen, buf);
		}
		if (m->nnatd >= 2)
			nat_check_v1(sa, side, m, p);
		if (pos >= 5 && ex == IKEV1_MAIN)
			ike_hs_advance(sa, IKE_HS_AUTH_SENT);
		if ((ex == IKEV1_MAIN && pos == 6) || (ex == IKEV1_AGGRESSIVE && pos == 3))
			ike_mark_up(sa, p->ts);
		return;
	}
	if (ex == IKEV1_QUICK) {
		if (m->h.msgid != sa->qm_msgid || !sa->qm_count) {
			sa->qm_msgid = m->h.msgid;
			sa->qm_count = 1;
			sa->qm_side = (uint8_t)side;
			sa->qm_fp[side] = fp;
			sa->qm_fp[1 - side] = 0;
			ike_new_request(&sa->req[side], m, 0, fp, p, (uint16_t)m->h.length, natt, UINT32_MAX);
			/* Phase 1 must be done if quick mode runs. */
			ike_mark_up(sa, p->ts);
			return;
		}
		if (sa->qm_fp[side] == fp) {
			rec->retrans = true;
			struct req *r = &sa->req[side];
			if (r->active && r->fp == fp && r->msgid == m->h.msgid) {
				r->gap = p->ts > r->last_ts ? p->ts - r->last_ts : 0;
				if (r->sends < 255)
					r->sends++;
				r->last_frame = (uint32_t)p->frame;
				r->last_ts = p->ts;
			}
			return;
		}
		sa->qm_fp[side] = fp;
		sa->qm_count++;
		if (sa->qm_count == 2 && side != sa->qm_side) {
			ike_answer(sa, sa->qm_side, p);
			sa->child_up = true;
			if (sa->qm_done < 255)
				sa->qm_done++;
		}
		return;
	}
	if (ex == IKEV1_INFORMATIONAL) {
		sa->n_v1_info[side]++;
		if (m->encrypted && ike_hs_reached(sa, IKE_HS_UP) && !rec->retrans) {
			if (!sa->v1_info_run[side]++) {
				sa->v1_info_first[side] = p->ts;
				sa->v1_info_frame[side] = (uint32_t)p->frame;
			}
			sa->v1_info_last[side] = p->ts;
		}
		struct req *other = &sa->req[1 - side];
		if (side == SIDE_R && ike_hs_reached(sa, IKE_HS_AUTH_SENT) && !ike_hs_reached(sa, IKE_HS_UP))
			sa->v1_info_after_auth++;
		if (other->active && !other->answered && other->exch == IKEV1_QUICK && other->msgid == sa->qm_msgid &&
		    sa->qm_count == 1 && !sa->qm_refused_frame) {
			/* An Informational instead of quick mode message 2. */
			sa->qm_refused_frame = (uint32_t)p->frame;
			sa->qm_refused_ts = p->ts;
			sa->qm_refused_done = sa->qm_done;
			other->judged = true;
		}
		uint16_t err = ike_first_error(m);
		if (err) {
			rec->note = err;
			/* A cleartext error answers what the other side sent. */
			ike_answer(sa, 1 - side, p);
			ike_keep_first_error(sa, side, ex, err, p);
			if (err == IKE_N_NO_PROPOSAL_CHOSEN || err == IKE_N_INVALID_MAJOR_VERSION ||
			    ike_is_auth_error(false, err) ||
			    (err == IKE_N_INVALID_KE_PAYLOAD && !ike_hs_reached(sa, IKE_HS_UP)))
				ike_emit_error_notify(sa, m, err, rec);
			else if ((err == IKEV1_N_PAYLOAD_MALFORMED || err == 1) && ike_hs_reached(sa, IKE_HS_AUTH_SENT) && !ike_hs_reached(sa, IKE_HS_UP)) {
				sa->bad = true;
				ike_emit_auth_likely(sa, "phase 1 stopped there");
			}
		}
		return;
	}
	ike_answer(sa, 1 - side, p);
}
