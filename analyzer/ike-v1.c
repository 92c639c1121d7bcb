/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike-v1.c - IKEv1 (RFC 2409): main, aggressive, quick and informational
 * exchanges by message position, and NAT-D (RFC 3947). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike-int.h"

static void nat_check_v1(struct ike_sa *sa, int side, const struct ike_msg *m, const struct pkt *p)
{
	if (m->nnatd < 2 || !ike_v1_of(sa)->hash)
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
	struct ike_v1 *v1 = ike_v1_take(sa);
	if (!v1) /* out of memory: the message is logged, not followed */
		return;
	if (ex == IKEV1_MAIN || ex == IKEV1_AGGRESSIVE) {
		if (!v1->exch)
			v1->exch = ex;
		if (v1->mm_fp[side] == fp) {
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
		v1->mm_fp[side] = fp;
		if (v1->mm_count < 255)
			v1->mm_count++;
		uint8_t pos = v1->mm_count;
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
			v1->hash = m->sa.p[0].x[0].v1_hash;
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
		if (m->h.msgid != v1->qm_msgid || !v1->qm_count) {
			v1->qm_msgid = m->h.msgid;
			v1->qm_count = 1;
			v1->qm_side = (uint8_t)side;
			v1->qm_fp[side] = fp;
			v1->qm_fp[1 - side] = 0;
			ike_new_request(&sa->req[side], m, 0, fp, p, (uint16_t)m->h.length, natt, UINT32_MAX);
			/* Phase 1 must be done if quick mode runs. */
			ike_mark_up(sa, p->ts);
			return;
		}
		if (v1->qm_fp[side] == fp) {
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
		v1->qm_fp[side] = fp;
		v1->qm_count++;
		if (v1->qm_count == 2 && side != v1->qm_side) {
			ike_answer(sa, v1->qm_side, p);
			sa->child_up = true;
			if (v1->qm_done < 255)
				v1->qm_done++;
		}
		return;
	}
	if (ex == IKEV1_INFORMATIONAL) {
		v1->n_info[side]++;
		if (m->encrypted && ike_hs_reached(sa, IKE_HS_UP) && !rec->retrans) {
			if (!v1->info_run[side]++) {
				v1->info_first[side] = p->ts;
				v1->info_frame[side] = (uint32_t)p->frame;
			}
			v1->info_last[side] = p->ts;
		}
		struct req *other = &sa->req[1 - side];
		if (side == SIDE_R && ike_hs_reached(sa, IKE_HS_AUTH_SENT) && !ike_hs_reached(sa, IKE_HS_UP))
			v1->info_after_auth++;
		if (other->active && !other->answered && other->exch == IKEV1_QUICK && other->msgid == v1->qm_msgid &&
		    v1->qm_count == 1 && !v1->qm_refused_frame) {
			/* An Informational instead of quick mode message 2. */
			v1->qm_refused_frame = (uint32_t)p->frame;
			v1->qm_refused_ts = p->ts;
			v1->qm_refused_done = v1->qm_done;
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
