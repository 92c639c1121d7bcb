/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ssh-judge.c - when a session's verdict is due and which: on a close, a
 * timer or the flow's end, from the phase the handshake reached, the
 * receiver's acknowledgements (a capture artefact or a real loss, and on
 * which side of the capture point) and, after NEWKEYS, the shape of the
 * encrypted exchange (a failed login). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh-session.h"

void ssh_loss_of(const struct flow *f, const struct ssh_sess *s, int x, struct loss *l)
{
	const struct half *h = &s->h[x];
	uint32_t ack = 0;
	bool acked = tcp_peer_ack(f, x, &ack); /* the peer's highest ACK for x's data */
	memset(l, 0, sizeof *l);
	l->same_max = h->max_acked_len;
	l->other_max = s->h[!x].max_acked_len;
	l->retrans = tcp_retransmissions(f, x);
	l->unseen = tcp_acked_unseen(f, x);
	if (l->unseen) {
		l->kind = LOSS_ARTEFACT;
		return;
	}
	if (h->gap && acked && !ssh_seq_gt(ack, h->gap_start)) {
		l->kind = LOSS_BEFORE;
		l->bytes = l->seg = h->gap_end - h->gap_start;
		l->after = h->after_gap;
		l->frame = h->gap_frame;
		l->ts = h->gap_ts;
	} else if (h->seq_on && acked && ssh_seq_gt(h->hi_end, ack)) {
		l->kind = LOSS_AFTER;
		l->bytes = h->hi_end - ack;
		for (unsigned i = 0; i < h->nsegs; i++) {
			const struct seg_rec *r = &h->segs[i];
			if (!(h->segs_acked >> i & 1u) && ssh_seq_gt(r->seq + r->len, ack) && r->len > l->seg) {
				l->seg = r->len;
				l->frame = r->frame;
				l->ts = r->ts;
			}
		}
	} else {
		return;
	}
	l->mtu = l->seg >= 1000 && ((l->same_max && l->same_max < l->seg) || (l->after && l->after < l->seg));
}

bool ssh_client_unacked(const struct flow *f, const struct ssh_sess *s, struct unacked *u)
{
	int x = s->cdir;
	const struct half *h = &s->h[x];
	uint32_t ack;
	memset(u, 0, sizeof *u);
	if (!h->seq_on)
		return false;
	if (!tcp_peer_ack(f, x, &ack) || ssh_seq_gt(h->base_seq, ack))
		ack = h->base_seq;
	if (!ssh_seq_gt(h->hi_end, ack))
		return false;
	u->bytes = h->hi_end - ack;
	u->retrans = h->unacked_retrans;
	for (unsigned i = 0; i < h->nsegs; i++) {
		const struct seg_rec *r = &h->segs[i];
		if (!(h->segs_acked >> i & 1u) && ssh_seq_gt(r->seq + r->len, ack) && (!u->since || r->ts < u->since)) {
			u->since = r->ts;
			u->frame = r->frame;
		}
	}
	return true;
}

/* Is the handshake waiting on the server (its identification or a key
 * exchange message)? */
static bool waits_on_server(const struct ssh_sess *s)
{
	if (!ssh_srv(s)->ident_seen)
		return true;
	if (!ssh_cli(s)->ident_seen)
		return false;
	struct missing m;
	ssh_find_missing(s, &m);
	return m.dir != s->cdir;
}

/* The wire proves the path broken: while the handshake waits on the
 * server, the client re-sent its data PROOF_RETRANS times over at least
 * PROOF_MIN_WAIT and nothing acknowledged it. No client timeout needs to
 * pass for that (and the client's giving up may never show: Linux sends
 * no FIN while data is unacknowledged). */
bool ssh_path_proven(const struct flow *f, const struct ssh_sess *s, ts_usec now)
{
	struct unacked u;
	if (s->rstate != SSH_REPORT_OPEN || s->complete || s->waiting_client || !ssh_conn_open(f))
		return false;
	if (!ssh_client_unacked(f, s, &u) || u.retrans < PROOF_RETRANS || !u.since ||
	    ssh_since(now, u.since) < PROOF_MIN_WAIT)
		return false;
	return waits_on_server(s);
}

void ssh_find_missing(const struct ssh_sess *s, struct missing *m)
{
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	const struct half_kex *ck = ssh_hk(c), *sk = ssh_hk(sv);
	int cd = s->cdir, sd = !s->cdir;
	memset(m, 0, sizeof *m);
	ts_usec idents = c->ident_ts > sv->ident_ts ? c->ident_ts : sv->ident_ts;
	if (!sk->kexinit) {
		m->dir = sd;
		m->name = "KEXINIT";
		m->since = idents;
		m->last = ck->kexinit ? ssh_last_msg(c) : NULL;
		if (m->last && m->last->ts > m->since)
			m->since = m->last->ts;
		return;
	}
	if (!ck->kexinit) {
		m->dir = cd;
		m->name = "KEXINIT";
		m->since = sk->kexinit_ts > idents ? sk->kexinit_ts : idents;
		m->last = ssh_last_msg(sv);
		return;
	}
	ts_usec both = ck->kexinit_ts > sk->kexinit_ts ? ck->kexinit_ts : sk->kexinit_ts;
	const struct msg_rec *ci = ssh_find_msg(c, SSH_MSG_KEX_30, 49);
	if (!ci) {
		m->dir = cd;
		m->name = ssh_msg_label(s->fam == SSH_KEXFAM_GEX ? SSH_MSG_KEX_34 : SSH_MSG_KEX_30, (enum ssh_kexfam)s->fam);
		m->since = both;
		m->last = ssh_last_msg(sv);
		return;
	}
	if (s->fam == SSH_KEXFAM_GEX) {
		const struct msg_rec *grp = ssh_find_msg(sv, SSH_MSG_KEX_31, SSH_MSG_KEX_31);
		if (!grp) {
			m->dir = sd;
			m->name = "GEX_GROUP";
			m->since = ci->ts;
			m->last = ci;
			return;
		}
		const struct msg_rec *gi = ssh_find_msg(c, SSH_MSG_KEX_32, SSH_MSG_KEX_32);
		if (!gi) {
			m->dir = cd;
			m->name = "GEX_INIT";
			m->since = grp->ts;
			m->last = grp;
			return;
		}
		ci = gi;
	}
	const struct msg_rec *r = ssh_server_reply(s);
	if (!r) {
		m->dir = sd;
		m->name = ssh_msg_label(s->fam == SSH_KEXFAM_GEX ? SSH_MSG_KEX_33 : SSH_MSG_KEX_31, (enum ssh_kexfam)s->fam);
		m->since = ci->ts;
		m->last = ci;
		return;
	}
	if (!sk->newkeys) {
		m->dir = sd;
		m->name = "NEWKEYS";
		m->since = r->ts;
		m->last = ci;
		return;
	}
	m->dir = cd;
	m->name = "NEWKEYS";
	m->since = r->ts > sk->newkeys_ts ? r->ts : sk->newkeys_ts;
	m->last = ssh_last_msg(sv);
}

/* Do the server's answers after NEWKEYS stay small (see auth_shape)? */
bool ssh_answers_small(const struct enc_count *ans)
{
	return ans->segs <= 6 && ans->max < 256 && ans->bytes <= 1024;
}

/* Authentication failure: the client asks for ssh-userauth and tries
 * credentials; the server answers each with a short FAILURE and, after
 * MaxAuthTries, a DISCONNECT; then one side closes. After a successful
 * login the server sends more and larger packets (host keys announcement,
 * channel replies, output). Server data sent before the client's first
 * encrypted packet (EXT_INFO) is not an answer. */
static bool auth_shape(const struct ssh_sess *s)
{
	const struct half_kex *c = ssh_hk(ssh_cli(s)), *sv = ssh_hk(ssh_srv(s));
	if (s->closer < 0 || !sv->ans.segs || !ssh_answers_small(&sv->ans) || c->enc.segs < 2 || s->srv_repeat)
		return false;
	return s->closer != s->cdir || ssh_since(s->close_ts, sv->enc.last_ts) <= SEC(2);
}

/* After NEWKEYS, at a close or the flow's end: the login's outcome, and the
 * deferred ssh.ok. */
void ssh_judge_post(struct flow *f, struct ssh_sess *s)
{
	if (!s->complete || (s->rstate != SSH_REPORT_OK_PENDING && s->rstate != SSH_REPORT_AUTH_PENDING))
		return;
	if (auth_shape(s)) {
		ssh_report_auth_failed(f, s); /* the inference replaces the ok */
		s->rstate = SSH_REPORT_DONE;
	} else if (s->rstate == SSH_REPORT_OK_PENDING) {
		ssh_report_ok(f, s);
	} else {
		s->rstate = SSH_REPORT_DONE;
	}
}

/* Nothing left to say about this session. */
bool ssh_sess_done(const struct ssh_sess *s)
{
	return s->rstate == SSH_REPORT_DONE;
}

static ts_usec end_min_wait(ts_usec threshold)
{
	return threshold / 4;
}

/* Bytes side x sent that the peer acknowledged, up to stream offset off? */
static bool acked_upto(const struct flow *f, const struct half *h, int x, uint64_t off)
{
	uint32_t ack;
	if (!h->seq_on || !tcp_peer_ack(f, x, &ack))
		return true; /* cannot tell: assume it arrived */
	return ssh_seq_ge(ack, h->base_seq + (uint32_t)off);
}

/* Did the peer acknowledge bytes of side x that never reached us as
 * stream bytes (snap length, capture gap)? Then their content is unknown. */
static bool content_unseen(const struct flow *f, const struct half *h, int x)
{
	if (tcp_acked_unseen(f, x))
		return true;
	uint32_t ack;
	return h->seq_on && tcp_peer_ack(f, x, &ack) && ssh_seq_gt(ack, h->base_seq + (uint32_t)h->off);
}

/* How long a timer lets a wait go on before the verdict. While the
 * client's data goes unacknowledged and the server is awaited, the client
 * gives up at its timeout without a trace (Linux holds the FIN behind the
 * unacknowledged data): report at the threshold. Otherwise the client's
 * giving up shows (its FIN or RST), and a handshake that completes after
 * the threshold is slow, not failed: only a wait of a few thresholds is
 * reported by timer. */
static ts_usec timer_wait(const struct flow *f, const struct ssh_sess *s, ts_usec threshold)
{
	struct unacked u;
	if (ssh_client_unacked(f, s, &u) && waits_on_server(s))
		return threshold;
	return TIMER_FACTOR * threshold;
}

/* The capture ends within a second of a message of either side: it was
 * cut off while the exchange went on, not stalled. */
static bool ended_in_exchange(const struct ssh_sess *s, ts_usec now)
{
	ts_usec last = 0;
	for (int d = 0; d < 2; d++) {
		const struct msg_rec *m = ssh_last_msg(&s->h[d]);
		if (m && m->ts > last)
			last = m->ts;
		if (s->h[d].ident_ts > last)
			last = s->h[d].ident_ts;
	}
	return last && ssh_since(now, last) < SEC(1);
}

static void judge_prebanner(struct flow *f, struct ssh_sess *s, ts_usec now, enum trigger tr, int why)
{
	const struct half *c = &s->h[DIR_C2S], *sv = &s->h[DIR_S2C];
	ts_usec waited = ssh_since(tr == TR_CLOSE ? s->close_ts : now, ssh_est_time(f));
	if (!s->expected)
		return;
	if (sv->text_lines || sv->off) {
		/* the server said something that is not an identification */
		if (tr == TR_PROOF)
			return;
		if (tr == TR_CLOSE && s->closer == DIR_S2C)
			ssh_report_closed_before_banner(f, s);
		else if (tr == TR_CLOSE || waited >= end_min_wait(sd_cfg.banner_timeout))
			ssh_report_not_ssh(f, s, tr == TR_CLOSE ? "the client then closed" : "no identification followed");
		return;
	}
	if (content_unseen(f, sv, DIR_S2C))
		return; /* the client got server bytes we cannot read: not a stall */
	if (tr == TR_CLOSE) {
		/* a server that closes at once refuses; one that closes after a
		 * long silence had the client waiting for a banner first */
		if (s->closer == DIR_S2C && waited < end_min_wait(sd_cfg.banner_timeout)) {
			ssh_report_closed_before_banner(f, s);
			return;
		}
		/* a port check connects and leaves at once without a word */
		if (!c->ident_seen && waited < SEC(1))
			return;
		ssh_report_banner_stall(f, s, now, tr, why);
		return;
	}
	if (tr == TR_TIMER && waited < timer_wait(f, s, sd_cfg.banner_timeout))
		return;
	if (tr == TR_END && waited < end_min_wait(sd_cfg.banner_timeout))
		return;
	ssh_report_banner_stall(f, s, now, tr, why);
}

void ssh_judge(struct flow *f, struct ssh_sess *s, ts_usec now, enum trigger tr, int why)
{
	if (s->rstate != SSH_REPORT_OPEN) {
		if (tr != TR_TIMER)
			ssh_judge_post(f, s);
		return;
	}
	if (!ssh_conn_open(f) || tcp_is_mptcp(f))
		return; /* Multipath TCP: the handshake may go on over another subflow */
	const struct half *c = &s->h[DIR_C2S], *sv = &s->h[DIR_S2C];
	if (s->waiting_client)
		return; /* not SSH unless the client identifies: nothing to say */
	if (!sv->ident_seen) {
		judge_prebanner(f, s, now, tr, why);
		return;
	}
	/* the identification went out, but did the client ever get it? */
	if (!acked_upto(f, sv, DIR_S2C, sv->ident_end) && !ssh_hk(c)->kexinit) {
		ts_usec w = ssh_since(tr == TR_CLOSE ? s->close_ts : now, sv->ident_ts);
		bool gave_up = tr == TR_CLOSE && s->closer == DIR_C2S;
		bool long_wait = (tr == TR_END && w >= end_min_wait(sd_cfg.banner_timeout)) ||
				 (tr == TR_TIMER && w >= timer_wait(f, s, sd_cfg.banner_timeout)) || tr == TR_PROOF;
		if (gave_up || long_wait) {
			ssh_report_banner_stall(f, s, now, tr, why);
			return;
		}
	}
	if (!c->ident_seen)
		return; /* something read the banner without speaking SSH (a port check) */
	bool both_v2 = ssh_ident_v2(&c->ident) && ssh_ident_v2(&sv->ident);
	if (!both_v2) {
		/* SSH 1 on both sides (1.99 speaks both) is not followed further */
		bool both_v1 = c->ident.major == 1 && sv->ident.major == 1;
		if (!both_v1 && tr != TR_TIMER)
			ssh_report_version_mismatch(f, s);
		return;
	}
	if (s->complete)
		return;
	if (s->nego_done && ssh_nego_of(s)->decided && !ssh_nego_of(s)->ok) {
		ssh_report_no_common(f, s, now);
		return;
	}
	/* bytes that do not frame as SSH packets: we lost track, say nothing */
	if (c->dead_framing || sv->dead_framing)
		return;
	struct missing m;
	ssh_find_missing(s, &m);
	if (content_unseen(f, &s->h[m.dir], m.dir))
		return; /* the peer got bytes we cannot read: maybe the very message */
	ts_usec waited = ssh_since(tr == TR_CLOSE ? s->close_ts : now, m.since);
	/* a client that leaves within a second did not wait for anything: it
	 * gave up on what it saw (a version, a banner), which is no stall */
	if (tr == TR_CLOSE && s->closer == DIR_C2S && waited < SEC(1))
		return;
	if (tr == TR_TIMER && waited < timer_wait(f, s, sd_cfg.ssh_timeout))
		return;
	if (tr == TR_END && (waited < end_min_wait(sd_cfg.ssh_timeout) || ended_in_exchange(s, now)))
		return;
	if (tr == TR_PROOF && m.dir == s->cdir)
		return;
	ssh_report_kex_stall(f, s, now, tr, why);
}

/* When the next timer check is due. */
void ssh_arm(struct flow *f, struct ssh_sess *s)
{
	s->deadline = 0;
	if (s->rstate != SSH_REPORT_OPEN || s->waiting_client || !ssh_conn_open(f))
		return;
	const struct half *sv = &s->h[DIR_S2C];
	if (!sv->ident_seen) {
		if (s->expected && ssh_est_time(f))
			s->deadline = ssh_est_time(f) + timer_wait(f, s, sd_cfg.banner_timeout);
	} else if (!s->complete && s->h[DIR_C2S].ident_seen) {
		struct missing m;
		ssh_find_missing(s, &m);
		if (m.since)
			s->deadline = m.since + timer_wait(f, s, sd_cfg.ssh_timeout);
	}
	if (s->deadline)
		flow_set_deadline(f, s->deadline);
}
