/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike-verdicts.c - the ike.* verdicts: unanswered requests (by what they
 * were), cleartext error notifies, inferences from the size of encrypted
 * answers, DH group retries, abandoned initiations, failed rekeys and DPD,
 * and ike.ok; ike_sa_evaluate() decides which are due, from the timers and at
 * the end of the capture. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike-int.h"

void ike_sa_verdict(struct verdict *v, enum verdict_id id, enum severity sev, struct ike_sa *sa)
{
	verdict_begin(v, id, sev, NULL);
	verdict_endpoints(v, IPPROTO_NUM_UDP, &sa->ini, sa->iport, &sa->rsp, sa->rport);
	v->flow_id = sa->flow_id;
	if (sev >= SEV_WARN)
		sa->bad = true;
}

/* Begin a verdict about the SA unless `bit` says it was given already. */
static bool begin_once(struct verdict *v, struct ike_sa *sa, uint32_t bit, enum verdict_id id, enum severity sev)
{
	if (sa->reported & bit)
		return false;
	sa->reported |= bit;
	ike_sa_verdict(v, id, sev, sa);
	return true;
}

/* The details every IKE verdict carries. */
void ike_sa_details(struct verdict *v, const struct ike_sa *sa)
{
	if (verdict_brief(v))
		return;
	char buf[VERDICT_VALUE_LEN];
	char si[17], sr[17];
	ike_spi_hex(sa->spi_i, si);
	ike_spi_hex(sa->spi_r, sr);
	verdict_str(v, "ike_version", "IKEv%u", sa->ver);
	if (v->summary[0])
		verdict_pflog_note(v, ike_pf(sa));
	verdict_pflog(v, ike_pf(sa));
	verdict_str(v, "spi_i", "%s", si);
	verdict_str(v, "spi_r", "%s", sa->have_spir ? sr : "(none yet)");
	ike_exchange_list(sa, buf, sizeof(buf));
	verdict_str(v, "exchanges", "%s", buf);
	if (sa->offered)
		verdict_str(v, "proposals_offered", "%s", ike_text(sa->offered));
	if (sa->chosen)
		verdict_str(v, "proposal_chosen", "%s", ike_text(sa->chosen));
	if (sa->floated)
		verdict_str(v, "nat_t", "moved to UDP %u/%u", sa->iport_now, sa->rport_now);
	if (sa->natd_seen) {
		verdict_str(v, "nat_initiator", "%s", ike_nat_text(sa->nat_i));
		verdict_str(v, "nat_responder", "%s", ike_nat_text(sa->nat_r));
	}
	if (sa->vendors[SIDE_I])
		verdict_str(v, "vendor_initiator", "%s", ike_text(sa->vendors[SIDE_I]));
	if (sa->vendors[SIDE_R])
		verdict_str(v, "vendor_responder", "%s", ike_text(sa->vendors[SIDE_R]));
	if (sa->notifies)
		verdict_str(v, "notifies", "%s", ike_text(sa->notifies));
	if (sa->midstream)
		verdict_bool(v, "capture_began_mid_sa", true);
}

/* IKEv1 aggressive mode: message 2 carries the responder's hash, which the
 * initiator checks with its own key before sending message 3. With a
 * pre-shared key mismatch the check fails: the initiator sends an
 * encrypted Informational (AUTHENTICATION_FAILED, unreadable here) or
 * nothing, and the responder, still waiting for message 3, re-sends 2. */
static void emit_am_auth(struct ike_sa *sa, const struct req *r)
{
	struct verdict v;
	if (!begin_once(&v, sa, R_AUTH_LIKELY, V_IKE_AUTH_REJECTED_LIKELY, SEV_WARN))
		return;
	uint32_t infos = ike_v1_of(sa)->n_info[SIDE_I];
	bool nat = ike_nat_found(sa->nat_i) || ike_nat_found(sa->nat_r);
	verdict_summary(&v, "Aggressive mode authentication most likely failed: the responder sent message 2 (with its "
			    "hash) %u times and the initiator %s instead of message 3: it could not verify that hash "
			    "(inference; the sign of a pre-shared key or identity mismatch)%s",
			r->sends, infos ? "sent an encrypted Informational" : "sent nothing",
			!infos && nat ? "; with NAT detected, message 3 would go on UDP 4500, so a block of 4500 "
					"before this point looks the same"
				      : "");
	ike_ev_log(&v, sa, -1, -1);
	ike_sa_details(&v, sa);
	verdict_remedy(&v, RV_IKE_AUTH_REJECTED_LIKELY_AGGRESSIVE);
	verdict_emit(&v);
}

static void emit_unanswered(struct ike_sa *sa, int side, ts_usec now, const char *until)
{
	struct req *r = &sa->req[side];
	struct verdict v;
	char sched[160];
	const char *ex = ike_exch_short(sa->ver, r->exch);
	ike_schedule(sa, r, side, sched, sizeof(sched));
	const char *who = side == SIDE_I ? "initiator" : "responder";
	bool is_init = (sa->ver == 2 && r->exch == IKEV2_SA_INIT) || (sa->ver == 1 && r->v1pos == 1);
	bool is_auth = (sa->ver == 2 && r->exch == IKEV2_AUTH) || (sa->ver == 1 && r->v1pos >= 5);
	bool is_info = r->exch == IKEV2_INFORMATIONAL || r->exch == IKEV1_INFORMATIONAL;
	bool is_child = r->exch == IKEV2_CREATE_CHILD_SA || r->exch == IKEV1_QUICK;
	uint32_t bit;

	if (sa->ver == 1 && r->v1pos == 5 && ike_v1_of(sa)->info_after_auth) {
		ike_emit_auth_likely(sa, "message 6 never came");
		return;
	}
	if (sa->ver == 1 && ike_v1_of(sa)->exch == IKEV1_AGGRESSIVE && side == SIDE_R && r->v1pos == 2) {
		/* The responder re-sends aggressive mode message 2: the
		 * initiator got it (it did not re-send message 1) and did not
		 * go on. That is its check of the responder's hash failing. */
		if (!(sa->reported & (R_AUTH_FAILED | R_AUTH_LIKELY | R_LOST)))
			emit_am_auth(sa, r);
		return;
	}
	if (r->icmp_frame) {
		bit = R_ICMP;
		if (sa->reported & bit)
			return;
		ike_sa_verdict(&v, V_IKE_ICMP_UNREACHABLE, SEV_FAIL, sa);
		bool port = (r->icmp_type == 3 && r->icmp_code == 3) || (r->icmp_type == 1 && r->icmp_code == 4);
		bool admin = (r->icmp_type == 3 && (r->icmp_code == 9 || r->icmp_code == 10 || r->icmp_code == 13)) ||
			     (r->icmp_type == 1 && (r->icmp_code == 1 || r->icmp_code == 5 || r->icmp_code == 6));
		verdict_summary(&v, "%s %s answered by ICMP %s (type %u code %u)%s", ex,
				sa->ver == 2 ? "request" : "message", port ? "port unreachable" : admin ? "administratively prohibited" : "destination unreachable",
				r->icmp_type, r->icmp_code,
				port ? ": nothing listens for IKE on the peer" : admin ? ": a firewall rejects it" : "");
		ike_ev_log(&v, sa, side, r->msgid);
		verdict_evidence(&v, r->icmp_frame, r->icmp_ts, -1, "ICMP unreachable %u/%u", r->icmp_type, r->icmp_code);
		verdict_int(&v, "icmp_type", r->icmp_type);
		verdict_int(&v, "icmp_code", r->icmp_code);
		verdict_str(&v, "sent_at", "%s", sched);
		ike_sa_details(&v, sa);
		if (port)
			verdict_remedy(&v, RV_IKE_ICMP_UNREACHABLE_PORT);
	} else if (r->frag) {
		bit = R_FRAGS;
		if (sa->reported & bit)
			return;
		ike_sa_verdict(&v, V_IKE_FRAGMENTS_LOST, SEV_FAIL, sa);
		bool done = r->frag_done > 0;
		verdict_summary(&v, "%s %s of %u bytes went out as IP fragments and got no answer%s (%u copies, %s)", ex,
				r->v1pos ? "message" : "request", r->len,
				done ? "; the fragments did reassemble at this point, so they are lost beyond it"
				     : "; its fragment set never completed at this point",
				r->sends, until);
		ike_ev_log(&v, sa, side, r->msgid);
		verdict_int(&v, "message_bytes", r->len);
		verdict_int(&v, "fragmented_copies", r->frag_firsts);
		verdict_int(&v, "reassembled_here", r->frag_done);
		verdict_str(&v, "sent_at", "%s", sched);
		verdict_bool(&v, "fragmentation_supported_ikev2", sa->frag_supported);
		ike_sa_details(&v, sa);
	} else if (is_auth && (r->natt || sa->floated) && !sa->resp_natt) {
		bit = R_NATT;
		if (sa->reported & bit)
			return;
		ike_sa_verdict(&v, V_IKE_NATT_BLOCKED, SEV_FAIL, sa);
		const char *why = ike_nat_found(sa->nat_i) || ike_nat_found(sa->nat_r)
					  ? "NAT was detected"
					  : sa->natd_seen ? "no NAT was detected (the peers float to 4500 anyway, e.g. for MOBIKE)"
							  : "NAT status unknown";
		verdict_summary(&v, "%s answered on UDP %u, then the initiator moved to UDP 4500 (%s) and its %s went "
				    "unanswered %s (%u copies): UDP 4500 is blocked on the way",
				sa->ver == 2 ? "IKE_SA_INIT" : "Main mode 1-4", sa->rport, why,
				sa->ver == 2 ? "IKE_AUTH" : "message 5", until, r->sends);
		ike_ev_log(&v, sa, -1, -1);
		verdict_str(&v, "sent_at", "%s", sched);
		ike_sa_details(&v, sa);
	} else if (is_info && ike_hs_reached(sa, IKE_HS_UP)) {
		bit = R_DPD;
		if (sa->reported & bit)
			return;
		ike_sa_verdict(&v, V_IKE_DPD_FAILED, SEV_FAIL, sa);
		verdict_summary(&v, "Liveness check from the %s (%s request, message ID %u, %u copies) unanswered %s: "
				    "the peer or the path to it is gone, and the SA %s",
				who, ex, r->msgid, r->sends, until,
				ike_sa_next(sa) ? "was set up again from scratch" : "is dropped");
		ike_ev_log(&v, sa, side, r->msgid);
		verdict_str(&v, "sent_at", "%s", sched);
		verdict_num(&v, "up_for_s", ike_secs(r->first_ts - sa->up_ts));
		ike_sa_details(&v, sa);
	} else if (is_child && (sa->child_up || ike_v1_of(sa)->qm_done)) {
		bit = R_REKEY;
		if (sa->reported & bit)
			return;
		ike_sa_verdict(&v, V_IKE_REKEY_FAILED, SEV_FAIL, sa);
		verdict_summary(&v, "%s request from the %s (message ID %u, %u copies) unanswered %s: the rekey of a "
				    "working tunnel failed",
				ex, who, r->msgid, r->sends, until);
		ike_ev_log(&v, sa, side, r->msgid);
		verdict_str(&v, "sent_at", "%s", sched);
		ike_sa_details(&v, sa);
	} else {
		bit = R_NO_RESPONSE;
		if (sa->reported & bit)
			return;
		ike_sa_verdict(&v, V_IKE_NO_RESPONSE, SEV_FAIL, sa);
		if (is_init)
			verdict_summary(&v, "%s request sent %u times with nothing back %s: UDP %u is blocked on the way "
					    "or the peer's IPsec service is down",
					ex, r->sends, until, sa->rport);
		else
			verdict_summary(&v, "%s %s from the %s sent %u times with nothing back %s", ex,
					sa->ver == 2 ? "request" : "message", who, r->sends, until);
		ike_ev_log(&v, sa, side, r->msgid);
		verdict_str(&v, "sent_at", "%s", sched);
		ike_sa_details(&v, sa);
	}
	(void)now;
	sa->reported |= bit;
	verdict_emit(&v);
}

/* A request that was answered here, yet its sender kept sending it: the
 * answers leave this point and do not arrive (or the sender cannot use
 * them). Said in the verdict of what fails: DPD, a rekey, the setup. */
static void emit_responses_lost(struct ike_sa *sa, int side, bool at_end)
{
	if (sa->reported & R_LOST)
		return;
	sa->reported |= R_LOST;
	struct req *r = &sa->req[side];
	struct verdict v;
	char sched[160];
	const char *ex = ike_exch_short(sa->ver, r->exch);
	const char *who = side == SIDE_I ? "initiator" : "responder";
	const char *peer = side == SIDE_I ? "responder" : "initiator";
	const char *until = at_end ? "until the capture ended" : "for the whole timeout";
	bool is_info = r->exch == IKEV2_INFORMATIONAL || r->exch == IKEV1_INFORMATIONAL;
	bool is_child = r->exch == IKEV2_CREATE_CHILD_SA || r->exch == IKEV1_QUICK;
	bool up = ike_hs_reached(sa, IKE_HS_UP);
	enum verdict_remedy rv;
	const char *what;
	ike_schedule(sa, r, side, sched, sizeof(sched));
	if (is_info && up && (sa->reported & R_DPD) == 0) {
		sa->reported |= R_DPD;
		ike_sa_verdict(&v, V_IKE_DPD_FAILED, SEV_FAIL, sa);
		rv = RV_IKE_DPD_FAILED_RESPONSES_LOST;
		what = "its liveness check fails";
	} else if (is_child && (sa->child_up || ike_v1_of(sa)->qm_done) && (sa->reported & R_REKEY) == 0) {
		sa->reported |= R_REKEY;
		ike_sa_verdict(&v, V_IKE_REKEY_FAILED, SEV_FAIL, sa);
		rv = RV_IKE_REKEY_FAILED_RESPONSES_LOST;
		what = "the rekey of a working tunnel fails";
	} else {
		sa->reported |= R_NO_RESPONSE;
		ike_sa_verdict(&v, V_IKE_NO_RESPONSE, SEV_FAIL, sa);
		rv = RV_IKE_NO_RESPONSE_RESPONSES_LOST;
		what = r->exch == IKEV2_AUTH || (sa->ver == 1 && r->v1pos >= 5) ? "IKE_AUTH never completes for it"
										   : "the exchange never completes for it";
	}
	verdict_summary(&v, "%s %s from the %s (message ID %u) seen %u times and answered %u times here, and the %s "
			    "kept re-sending it %s: the responses leave here but do not arrive (lost between this "
			    "point and the %s, or it cannot process them), so %s",
			ex, sa->ver == 2 ? "request" : "message", who, r->msgid, r->sends, r->answers, who, until, who,
			what);
	ike_ev_log(&v, sa, -1, r->msgid);
	verdict_str(&v, "sent_at", "%s", sched);
	verdict_int(&v, "requests_seen", r->sends);
	verdict_int(&v, "responses_seen", r->answers);
	verdict_bool(&v, "responses_lost_beyond_capture", true);
	ike_sa_details(&v, sa);
	verdict_remedy(&v, rv);
	(void)peer;
	verdict_emit(&v);
}

/* A request is unanswered once ike_timeout has passed since its first
 * copy and a little more since its latest one (an answer to the latest
 * retransmission may still be on its way). The sender must have sent it
 * at least twice: every IKE implementation retransmits, so one lone copy
 * means the capture does not show the whole exchange. At the end of the
 * capture three copies (two retransmissions) are enough, or one ICMP
 * error. */
#define IKE_GRACE SEC(2)
/* The sender's own schedule proves it gave up: three copies or more, then
 * a silence of 2.5 times its last interval (at least IKE_GAVE_UP_MIN).
 * Senders back off by at most doubling (strongSwan's base is 1.8 by
 * default), so the copy that would come next is overdue. With a short
 * schedule this is seconds before ike_timeout, which matters live. */
#define IKE_GAVE_UP_MIN SEC(1)

static bool gave_up(const struct req *r, ts_usec now)
{
	ts_usec wait = r->gap * 5 / 2;
	if (wait < IKE_GAVE_UP_MIN)
		wait = IKE_GAVE_UP_MIN;
	return r->sends >= 3 && r->gap && now >= r->last_ts + wait;
}
/* Silence after an answered IKE_SA_INIT, at the end of a capture, that
 * says the initiator's next message (due at once) is not coming here. */
#define NATT_QUIET_END SEC(3)

static void judge_requests(struct ike_sa *sa, ts_usec now, bool at_end)
{
	for (int s = 0; s < 2; s++) {
		struct req *r = &sa->req[s];
		if (r->active && r->answered && !r->judged && r->resent_after_answer >= 2 &&
		    r->answers + 1 >= r->sends &&
		    (at_end || (now >= r->last_ts + IKE_GRACE && now >= r->first_ts + sd_cfg.ike_timeout))) {
			r->judged = true;
			emit_responses_lost(sa, s, at_end && now < r->first_ts + sd_cfg.ike_timeout);
			continue;
		}
		if (!r->active || r->answered || r->judged)
			continue;
		bool old = now >= r->first_ts + sd_cfg.ike_timeout && now >= r->last_ts + IKE_GRACE;
		bool quit = !old && !at_end && gave_up(r, now);
		bool enough = (old && (r->sends >= 2 || r->icmp_frame)) || quit ||
			      (at_end && (r->sends >= 3 || r->icmp_frame ||
					  (r->frag && r->frag_done < r->frag_firsts && r->sends >= 2)));
		if (!enough)
			continue;
		r->judged = true;
		emit_unanswered(sa, s, now,
				quit ? "until its sender gave up (silent for 2.5 times its last retransmission interval)"
				: at_end && !old ? "until the capture ended" : "for the whole timeout");
	}
}

void ike_emit_error_notify(struct ike_sa *sa, const struct ike_msg *m, uint16_t type, const struct mrec *rec)
{
	struct verdict v;
	bool v2 = sa->ver == 2;
	char nn[48];
	ike_notify_str(v2, type, nn, sizeof(nn));
	const char *ex = ike_exch_short(sa->ver, m->h.exch);
	bool phase2 = ike_hs_reached(sa, IKE_HS_UP) || m->h.exch == IKEV2_CREATE_CHILD_SA || m->h.exch == IKEV1_QUICK;

	if (type == IKE_N_NO_PROPOSAL_CHOSEN) {
		/* Given by ike_sa_evaluate(), once it is known whether a later
		 * attempt between the same peers came up (then it is info). */
		sa->no_prop_pending = true;
		sa->no_prop_phase2 = phase2;
		return;
	} else if (type == IKE_N_INVALID_KE_PAYLOAD && !v2) {
		/* IKEv1 INVALID-KEY-INFORMATION in phase 1: the key exchange
		 * (its DH group) was refused, in clear; IKEv1 has no retry. */
		if (!begin_once(&v, sa, R_DH, V_IKE_DH_GROUP_MISMATCH, SEV_FAIL))
			return;
		verdict_summary(&v, "The responder refused the initiator's key exchange in cleartext (%s in %s): the DH "
				    "group is not one it accepts",
				nn, ex);
		ike_ev_log(&v, sa, -1, -1);
		ike_sa_details(&v, sa);
	} else if (type == IKE_N_INVALID_MAJOR_VERSION) {
		if (sa->reported & R_VERSION)
			return;
		sa->reported |= R_VERSION;
		ike_sa_verdict(&v, V_IKE_VERSION_MISMATCH, SEV_FAIL, sa);
		verdict_summary(&v, "The responder rejected IKEv%u with %s", sa->ver, nn);
		ike_ev_log(&v, sa, -1, -1);
		ike_sa_details(&v, sa);
	} else if (type == IKE_N_TS_UNACCEPTABLE || type == IKE_N_INVALID_SELECTORS ||
		   (!v2 && type == IKEV1_N_INVALID_ID_INFORMATION && phase2)) {
		if (sa->reported & R_TS)
			return;
		sa->reported |= R_TS;
		ike_sa_verdict(&v, V_IKE_TS_UNACCEPTABLE, SEV_FAIL, sa);
		verdict_summary(&v, "The responder refused the traffic selectors (phase 2 networks): %s in %s", nn, ex);
		ike_ev_log(&v, sa, -1, -1);
		ike_sa_details(&v, sa);
	} else {
		if (sa->reported & R_AUTH_FAILED)
			return;
		sa->reported |= R_AUTH_FAILED;
		ike_sa_verdict(&v, V_IKE_AUTH_FAILED, SEV_FAIL, sa);
		verdict_summary(&v, "Authentication failed: %s in cleartext %s", nn, ex);
		ike_ev_log(&v, sa, -1, -1);
		ike_sa_details(&v, sa);
	}
	/* the refusing message itself: it is logged only after this returns */
	ike_ev_from_rec(&v, sa, rec);
	verdict_emit(&v);
}

/* The first later attempt between the same peers that came up, if any. */
static const struct ike_sa *later_success(const struct ike_sa *sa)
{
	const struct ike_sa *o = sa;
	for (int k = 0; k < 16 && (o = ike_sa_next(o)); k++)
		if (ike_hs_reached(o, IKE_HS_UP))
			return o;
	return NULL;
}

/* NO_PROPOSAL_CHOSEN: a failure, or at info when a later attempt between
 * the same peers came up (the configuration was fixed, or the initiator
 * offered something else). Decided after --ike-timeout or at the end. */
static void judge_no_proposal(struct ike_sa *sa, ts_usec now, bool at_end)
{
	if (!sa->no_prop_pending || (sa->reported & R_NO_PROPOSAL))
		return;
	const struct ike_sa *ok = later_success(sa);
	if (!ok && !at_end && now < sa->err_ts + sd_cfg.ike_timeout)
		return;
	struct verdict v;
	if (!begin_once(&v, sa, R_NO_PROPOSAL, V_IKE_NO_PROPOSAL_CHOSEN, ok ? SEV_INFO : SEV_FAIL))
		return;
	char nn[48];
	ike_notify_str(sa->ver == 2, IKE_N_NO_PROPOSAL_CHOSEN, nn, sizeof(nn));
	const char *what = sa->no_prop_phase2 ? "child SA" : "IKE";
	const char *ex = ike_exch_short(sa->ver, sa->err_exch);
	if (ok) {
		char spi[17];
		ike_spi_hex(ok->spi_i, spi);
		verdict_summary(&v, "The responder refused every %s proposal of this attempt (%s in %s), and a later "
				    "attempt between the same peers (SPI %s) came up %.1f s after: recovered",
				what, nn, ex, spi, ike_secs(ok->up_ts - sa->err_ts));
	} else {
		verdict_summary(&v, "The responder refused every %s proposal the initiator offered (%s in %s)", what, nn, ex);
	}
	ike_ev_log(&v, sa, -1, -1);
	ike_sa_details(&v, sa);
	if (ok)
		verdict_remedy(&v, RV_IKE_NO_PROPOSAL_CHOSEN_RECOVERED);
	verdict_emit(&v);
}

static void dh_str(uint16_t group, char *buf, size_t len)
{
	const char *n = ike_dh_name(group);
	if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "group %u", group);
}

static void emit_dh(struct ike_sa *sa, bool recovered)
{
	if (sa->reported & R_DH)
		return;
	sa->reported |= R_DH;
	struct verdict v;
	ike_sa_verdict(&v, V_IKE_DH_GROUP_MISMATCH, recovered ? SEV_INFO : SEV_FAIL, sa);
	char s1[24], s2[24];
	dh_str(sa->ke_sent, s1, sizeof(s1));
	dh_str(sa->ke_asked, s2, sizeof(s2));
	if (recovered)
		verdict_summary(&v, "The initiator's key exchange used %s, the responder asked for %s "
				    "(INVALID_KE_PAYLOAD); the retry with %s succeeded",
				s1, s2, s2);
	else if (sa->ke_asked == sa->ke_sent)
		verdict_summary(&v, "The responder answered INVALID_KE_PAYLOAD %u times asking for %s, the group the "
				    "initiator already sent: it cannot compute the group it has configured",
				sa->n_invalid_ke, s2);
	else
		verdict_summary(&v, "The initiator's key exchange used %s, the responder asked for %s "
				    "(INVALID_KE_PAYLOAD) and no retry succeeded",
				s1, s2);
	ike_ev_log(&v, sa, -1, 0);
	verdict_str(&v, "group_sent", "%s", s1);
	verdict_str(&v, "group_requested", "%s", s2);
	verdict_int(&v, "invalid_ke_count", sa->n_invalid_ke);
	ike_sa_details(&v, sa);
	if (recovered)
		verdict_remedy(&v, RV_IKE_DH_GROUP_MISMATCH_RECOVERED);
	verdict_emit(&v);
}

void ike_emit_auth_likely(struct ike_sa *sa, const char *after)
{
	if (sa->reported & (R_AUTH_LIKELY | R_AUTH_FAILED))
		return;
	sa->reported |= R_AUTH_LIKELY;
	struct verdict v;
	ike_sa_verdict(&v, V_IKE_AUTH_REJECTED_LIKELY, SEV_WARN, sa);
	if (sa->ver == 2)
		verdict_summary(&v, "Authentication was most likely rejected: the IKE_AUTH response (%u bytes, room for "
				    "about %u bytes of encrypted payloads) is too small to carry the identity and AUTH "
				    "payloads of a success, and %s (inference from sizes; the notify itself is encrypted)",
				sa->auth_len, sa->auth_inner, after);
	else
		verdict_summary(&v, "Authentication was most likely rejected: main mode message 5 (the first encrypted "
				    "one, with identity and hash) was answered by an Informational instead of message 6, "
				    "and %s (inference: the usual shape of a pre-shared key mismatch, where the responder "
				    "cannot decrypt message 5)",
				after);
	ike_ev_log(&v, sa, -1, -1);
	verdict_int(&v, "auth_response_bytes", sa->auth_len);
	verdict_int(&v, "auth_response_payload_room", sa->auth_inner);
	verdict_int(&v, "auth_request_payload_room", sa->auth_req_inner);
	ike_sa_details(&v, sa);
	verdict_emit(&v);
}

static void emit_child_likely(struct ike_sa *sa)
{
	if (sa->reported & (R_CHILD_LIKELY | R_TS))
		return;
	sa->reported |= R_CHILD_LIKELY;
	struct verdict v;
	ike_sa_verdict(&v, V_IKE_CHILD_SA_FAILED_LIKELY, SEV_WARN, sa);
	if (sa->ver == 2)
		verdict_summary(&v, "The IKE SA came up but most likely no child SA did: the IKE_AUTH response (%u "
				    "bytes, room for about %u bytes of encrypted payloads) holds identity and AUTH but is "
				    "too small for an SA and traffic selectors, and no ESP followed (inference from "
				    "sizes: the shape of TS_UNACCEPTABLE or NO_PROPOSAL_CHOSEN for phase 2)",
				sa->auth_len, sa->auth_inner);
	else
		verdict_summary(&v, "Phase 1 came up but phase 2 most likely did not: the quick mode offer was "
				    "answered by an encrypted Informational instead of quick mode message 2, and no "
				    "quick mode completed (inference: the notify is encrypted; the shape of "
				    "INVALID-ID-INFORMATION or NO-PROPOSAL-CHOSEN)");
	ike_ev_log(&v, sa, -1, -1);
	verdict_int(&v, "auth_response_bytes", sa->auth_len);
	verdict_int(&v, "auth_response_payload_room", sa->auth_inner);
	ike_sa_details(&v, sa);
	verdict_emit(&v);
}

static void emit_abandoned(struct ike_sa *sa)
{
	if (sa->reported & R_ABANDONED)
		return;
	sa->reported |= R_ABANDONED;
	struct verdict v;
	ike_sa_verdict(&v, V_IKE_INITIATION_ABANDONED, SEV_WARN, sa);
	const struct req *r = &sa->req[SIDE_I];
	verdict_summary(&v, "The initiator stopped after its %s was answered and never continued or retried: the "
			    "tunnel stays down until something triggers it again",
			ike_exch_short(sa->ver, r->exch));
	ike_ev_log(&v, sa, -1, -1);
	ike_sa_details(&v, sa);
	verdict_emit(&v);
}

/* A CREATE_CHILD_SA answer with room for a notify only, and no child SA
 * came up after it. */
static void emit_rekey_refused(struct ike_sa *sa, uint64_t frame, ts_usec ts)
{
	if (sa->reported & R_REKEY)
		return;
	sa->reported |= R_REKEY;
	bool alive = sa->last_ts > ts + SEC(1) || ike_saw_esp_since(sa, ts + SEC(1));
	/* Not alive, yet ESP flowed before: the old child SA ran out and took
	 * the traffic with it (no ESP after the latest refusal). */
	struct esp_sum e;
	esp_summarize(sa, sa->up_ts, &e);
	ts_usec esp_end = e.last_ts[0] > e.last_ts[1] ? e.last_ts[0] : e.last_ts[1];
	bool expired = !alive && e.pkts[0] + e.pkts[1] > 0;
	char tail[120] = "";
	if (alive)
		snprintf(tail, sizeof(tail), "; the tunnel kept working on its older SAs");
	else if (expired)
		snprintf(tail, sizeof(tail), "; the old child SA then ran out and the traffic stopped (last ESP %.1f s after "
					     "the SA came up)", ike_secs(esp_end - sa->up_ts));
	struct verdict v;
	ike_sa_verdict(&v, V_IKE_REKEY_FAILED, alive ? SEV_WARN : SEV_FAIL, sa);
	if (sa->ver == 2)
		verdict_summary(&v, "A CREATE_CHILD_SA request was answered with a message too small to hold a new "
				    "child SA (an error notify: inference from sizes, the notify is encrypted) and no "
				    "child SA came up after it%s", tail);
	else
		verdict_summary(&v, "A new quick mode offer was answered by an encrypted Informational instead of quick "
				    "mode message 2 (inference: the refusal notify is encrypted) and no quick mode "
				    "completed after it%s", tail);
	ike_ev_log(&v, sa, -1, -1);
	verdict_evidence(&v, frame, ts, -1, "refusal-sized answer");
	if (expired)
		verdict_evidence(&v, e.last_ts[0] > e.last_ts[1] ? e.last_frame[0] : e.last_frame[1], esp_end, -1,
				 "last ESP");
	ike_sa_details(&v, sa);
	if (expired) {
		verdict_remedy(&v, RV_IKE_REKEY_FAILED_EXPIRED);
		verdict_emit(&v);
		return;
	}
	verdict_remedy(&v, RV_IKE_REKEY_FAILED_REFUSED);
	verdict_emit(&v);
}

/* IKEv1: a run of encrypted Informationals from one side with nothing at
 * all back. Dead peer detection (R-U-THERE) has no request/response
 * relation on the wire, so this is an inference from the pattern. */
static void emit_v1_dpd(struct ike_sa *sa, int side, bool at_end)
{
	struct verdict v;
	if (!begin_once(&v, sa, R_DPD, V_IKE_DPD_FAILED, SEV_FAIL))
		return;
	const struct ike_v1 *v1 = ike_v1_of(sa);
	verdict_summary(&v, "The %s sent %u encrypted Informationals over %.1f s and nothing came back from the peer "
			    "%s: its dead peer detection (R-U-THERE) went unanswered (inference: IKEv1 DPD is encrypted "
			    "and unpaired on the wire)",
			side == SIDE_I ? "initiator" : "responder", v1->info_run[side],
			ike_secs(v1->info_last[side] - v1->info_first[side]),
			at_end ? "until the capture ended" : "afterwards");
	ike_ev_log(&v, sa, side, -1);
	verdict_int(&v, "unanswered_informationals", v1->info_run[side]);
	ike_sa_details(&v, sa);
	verdict_remedy(&v, RV_IKE_DPD_FAILED_V1_INFERRED);
	verdict_emit(&v);
}

/* Seen from the responder's side: IKE_SA_INIT (IKEv1: main mode 4) was
 * answered here with NAT detected, so the initiator has to go on over UDP
 * 4500, and nothing from it reached this point since. A real initiator
 * sends its next message at once and retries it for a while; when none of
 * that arrives, 4500 is blocked between it and here. */
static void natt_before_here(struct ike_sa *sa, ts_usec now, bool at_end)
{
	const struct req *ri = &sa->req[SIDE_I];
	if (sa->bad || sa->midstream || sa->floated ||
	    ike_hs_reached(sa, IKE_HS_AUTH_SENT) || !ike_hs_reached(sa, IKE_HS_INIT_DONE) || !ri->active ||
	    !ri->answered || sa->last_frame != ri->answer_frame ||
	    !(ike_nat_found(sa->nat_i) || ike_nat_found(sa->nat_r)))
		return;
	bool v2_init = sa->ver == 2 && ri->exch == IKEV2_SA_INIT;
	bool v1_mm3 = sa->ver == 1 && ike_v1_of(sa)->exch == IKEV1_MAIN && ri->v1pos == 3;
	ts_usec wait = at_end ? NATT_QUIET_END : sd_cfg.ike_timeout;
	struct verdict v;
	if ((!v2_init && !v1_mm3) || now < ri->answer_ts + wait || !begin_once(&v, sa, R_NATT, V_IKE_NATT_BLOCKED, SEV_FAIL))
		return;
	double silent = ike_secs(now - ri->answer_ts);
	verdict_summary(&v, "%s was answered here on UDP %u with NAT detected, so the initiator had to continue on UDP "
			    "4500, and nothing from it reached this point in the %.1f s after (it would have been "
			    "sending and retrying its %s): UDP 4500 is blocked between the initiator and this point",
			v2_init ? "IKE_SA_INIT" : "Main mode 3", sa->rport, silent, v2_init ? "IKE_AUTH" : "message 5");
	ike_ev_log(&v, sa, -1, -1);
	verdict_num(&v, "silent_for_s", silent);
	ike_sa_details(&v, sa);
	verdict_remedy(&v, RV_IKE_NATT_BLOCKED_BEFORE_HERE);
	verdict_emit(&v);
}

/* Is there a later attempt from the same initiator to the same responder? */
static bool restarted(const struct ike_sa *sa)
{
	return ike_sa_next(sa) != NULL;
}

/* Everything that needs the SA's future: run from ike_tick (with the
 * timers) and at the end (at_end). */
void ike_sa_evaluate(struct ike_sa *sa, ts_usec now, bool at_end)
{
	judge_requests(sa, now, at_end);
	judge_no_proposal(sa, now, at_end);

	if (sa->n_invalid_ke && !(sa->reported & R_DH)) {
		if (sa->ke_resolved)
			emit_dh(sa, true);
		else if (at_end || now >= sa->ke_ts + sd_cfg.ike_timeout)
			emit_dh(sa, false);
	}

	bool quiet = at_end || now >= sa->last_ts + sd_cfg.ike_timeout;
	if (sa->shape == SHAPE_NOTIFY_ONLY && quiet && sa->answered_reqs <= 2 &&
	    sa->last_ts <= sa->auth_ts + SEC(2))
		ike_emit_auth_likely(sa, restarted(sa) ? "the initiator started over with a new IKE SA"
						   : "the SA was abandoned right after");
	const struct ike_v1 *v1 = ike_v1_of(sa);
	if (sa->ver == 1 && ike_hs_reached(sa, IKE_HS_AUTH_SENT) && !ike_hs_reached(sa, IKE_HS_UP) && v1->info_after_auth && quiet)
		ike_emit_auth_likely(sa, "message 6 never came");
	for (int sd = 0; sd < 2 && sa->ver == 1 && quiet; sd++)
		if (v1->info_run[sd] >= 3 && v1->info_last[sd] >= v1->info_first[sd] + SEC(2))
			emit_v1_dpd(sa, sd, at_end);
	if (v1->qm_refused_frame && quiet && v1->qm_done == v1->qm_refused_done) {
		if (v1->qm_done)
			emit_rekey_refused(sa, v1->qm_refused_frame, v1->qm_refused_ts);
		else
			emit_child_likely(sa);
	}
	if (sa->shape == SHAPE_NO_CHILD && !sa->child_up &&
	    (at_end || now >= sa->auth_ts + sd_cfg.esp_timeout) && !ike_saw_esp_since(sa, sa->auth_ts))
		emit_child_likely(sa);

	natt_before_here(sa, now, at_end);

	/* The initiator's turn, and it never took it. */
	const struct req *ri = &sa->req[SIDE_I];
	if (!ike_hs_reached(sa, IKE_HS_UP) && !sa->bad && !sa->midstream && ri->active && ri->answered && !restarted(sa) &&
	    !sa->n_invalid_ke && now >= sa->last_ts + sd_cfg.ike_timeout && ike_hs_reached(sa, IKE_HS_INIT_DONE))
		emit_abandoned(sa);

	if (sa->rekey_error && !(sa->reported & R_REKEY) && sa->child_ok_ts < sa->rekey_err_ts &&
	    (at_end || now >= sa->rekey_err_ts + sd_cfg.ike_timeout))
		emit_rekey_refused(sa, sa->rekey_err_frame, sa->rekey_err_ts);

	ike_check_esp(sa, now, at_end);
}

static void emit_ok(struct ike_sa *sa, ts_usec now)
{
	sa->reported |= R_OK;
	struct verdict v;
	ike_sa_verdict(&v, V_IKE_OK, SEV_OK, sa);
	struct esp_sum e;
	/* the list of ESP SAs only when the verdict is printed in full */
	if (verdict_brief(&v))
		esp_summarize(sa, sa->up_ts ? sa->up_ts : sa->first_ts, &e);
	else
		esp_summarize_list(sa, sa->up_ts ? sa->up_ts : sa->first_ts, &e);
	char ini[56] = "", rsp[56] = "";
	if (!verdict_brief(&v)) {
		endpoint_str(&sa->ini, sa->iport, ini, sizeof(ini));
		endpoint_str(&sa->rsp, sa->rport, rsp, sizeof(rsp));
	}
	if (sa->midstream)
		verdict_summary(&v, "IKEv%u SA %s <-> %s answers its exchanges (the capture began after it was set up); "
				    "ESP %llu/%llu packets",
				sa->ver, ini, rsp, (unsigned long long)e.pkts[0], (unsigned long long)e.pkts[1]);
	else
		verdict_summary(&v, "IKEv%u SA %s -> %s up in %.3f s%s; ESP %llu packets i->r, %llu r->i", sa->ver, ini,
				rsp, ike_secs(sa->up_ts - sa->first_ts), sa->floated ? " (NAT-T, UDP 4500)" : "",
				(unsigned long long)e.pkts[0], (unsigned long long)e.pkts[1]);
	ike_ev_log(&v, sa, -1, -1);
	if (e.nspi[0])
		verdict_evidence(&v, e.first_frame[0], e.first_ts[0], DIR_C2S, "ESP spi 0x%08x x%llu", e.spi[0],
				 (unsigned long long)e.pkts[0]);
	if (e.nspi[1])
		verdict_evidence(&v, e.first_frame[1], e.first_ts[1], DIR_S2C, "ESP spi 0x%08x x%llu", e.spi[1],
				 (unsigned long long)e.pkts[1]);
	ike_sa_details(&v, sa);
	if (e.list[0])
		verdict_str(&v, "esp_sas", "%s", e.list);
	verdict_int(&v, "esp_packets_i2r", (long long)e.pkts[0]);
	verdict_int(&v, "esp_packets_r2i", (long long)e.pkts[1]);
	if (e.gaps || e.replays) {
		verdict_int(&v, "esp_seq_gaps", (long long)e.gaps);
		verdict_int(&v, "esp_seq_replays", (long long)e.replays);
	}
	if (sa->ver == 1)
		verdict_int(&v, "quick_modes", ike_v1_of(sa)->qm_done);
	(void)now;
	verdict_emit(&v);
}

/* The last word on an SA: at the end of the capture, or when its slot is
 * recycled. */
void ike_sa_finalize(struct ike_sa *sa, ts_usec now)
{
	if (!sa->in_use || sa->final)
		return;
	ike_sa_evaluate(sa, now, true);
	sa->final = true;
	bool healthy = ike_hs_reached(sa, IKE_HS_UP) || (sa->midstream && sa->answered_reqs > 0);
	if (healthy && !sa->bad)
		emit_ok(sa, now);
}
