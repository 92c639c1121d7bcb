/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp.c - the per-packet TCP tracker (the tcp.* verdicts are built in
 * tcp-verdicts.c, what others read of a connection in tcp-facts.c, its
 * state's memory in tcp-state.c, TIME_WAIT in tcp-timewait.c).
 *
 * Every TCP packet of every flow passes through tcp_packet(); the tracker
 * keeps, per side, what was sent (sequence space, SYN, FIN, RST) and what
 * was acknowledged, with the frames and times that prove it. Verdicts come
 * from state changes (refused, ICMP-rejected, slow handshake), from
 * deadlines (unanswered SYN, unacknowledged FIN, half-close) and from the
 * end of the flow (one-sided, reset, ok). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp-int.h"

static struct {
	uint64_t flows, midstream, one_direction;
} counters;


/* What each server's own stack looks like from here: the TTL (hop limit)
 * range of the SYN-ACKs it sent in this capture, and of its first data
 * segment in each connection. A SYN answered by a reset
 * has no packet of the server to compare with in its own connection; its
 * other connections are the reference (tcp_server_ttl). Open addressing
 * with a short probe: a server that finds no free slot is not remembered
 * (its refusals are then judged without a reference, as before), which the
 * limit record counts. */
#define STTL_SLOTS 16384
#define STTL_PROBE 16
struct sttl_slot {
	struct addr a;
	bool used;
	uint8_t ttl_min, ttl_max;
};
static struct sttl_slot server_ttl[STTL_SLOTS];
static uint32_t sttl_nused; /* slots taken since the reset (none: no clearing) */
static struct limit_hit sttl_full;

static uint32_t sttl_hash(const struct addr *a)
{
	uint32_t h = 2166136261u ^ a->family;
	unsigned n = a->family == 6 ? 16 : 4;
	for (unsigned i = 0; i < n; i++)
		h = (h ^ a->b[i]) * 16777619u;
	return h;
}

static bool sttl_same(const struct addr *x, const struct addr *y)
{
	return x->family == y->family && !memcmp(x->b, y->b, x->family == 6 ? 16 : 4);
}

/* the slot of a (found, or free for it when add), or NULL */
static struct sttl_slot *sttl_slot_of(const struct addr *a, bool add)
{
	uint32_t h = sttl_hash(a);
	for (unsigned i = 0; i < STTL_PROBE; i++) {
		struct sttl_slot *s = &server_ttl[(h + i) & (STTL_SLOTS - 1)];
		if (s->used && sttl_same(&s->a, a))
			return s;
		if (!s->used)
			return add ? s : NULL;
	}
	return NULL;
}

static void sttl_note(const struct pkt *p)
{
	struct sttl_slot *s = sttl_slot_of(&p->src, true);
	if (!s) {
		limit_note(&sttl_full, p->ts, p->frame);
		return;
	}
	if (!s->used) {
		s->used = true;
		sttl_nused++;
		s->a = p->src;
		s->ttl_min = s->ttl_max = p->ttl;
	} else if (p->ttl < s->ttl_min) {
		s->ttl_min = p->ttl;
	} else if (p->ttl > s->ttl_max) {
		s->ttl_max = p->ttl;
	}
}

bool tcp_server_ttl(const struct addr *a, uint8_t *ttl_min, uint8_t *ttl_max)
{
	const struct sttl_slot *s = sttl_slot_of(a, false);
	if (!s)
		return false;
	*ttl_min = s->ttl_min;
	*ttl_max = s->ttl_max;
	return true;
}

void tcp_tracker_init(void)
{
	memset(&counters, 0, sizeof counters);
	tcp_syn_agg_reset();
	tcp_timewait_init();
	if (sttl_nused)
		memset(server_ttl, 0, sizeof server_ttl);
	sttl_nused = 0;
	memset(&sttl_full, 0, sizeof sttl_full);
	sttl_full.limit = STTL_SLOTS;
	tcp_state_pool_reset();
}

void tcp_tracker_free(void)
{
	tcp_timewait_free();
	tcp_state_pool_reset();
}


/* A first packet whose whole effect on a cleared state is what the compact
 * form holds (tcp_packet on it sets only the fields of struct
 * tcp_syn_only): a SYN without ACK, RST or FIN, no data, nothing pf logged,
 * no bad checksum, no MPTCP. */
static bool plain_first_syn(const struct pkt *p)
{
	return (p->tcp_flags & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) == TH_SYN && !p->payload_wire_len &&
	       p->l4_csum != CSUM_BAD && !p->pflog.present && !p->opt.mptcp;
}

static struct tcp_state *full_state_new(struct flow *f)
{
	struct tcp_state *t = flow_state(f)->tcp = tcp_state_get();
	if (!t) {
		fprintf(stderr, "shakedown: out of memory for TCP state\n");
		abort();
	}
	tcp_state_clear(t);
	return t;
}

void tcp_flow_new(struct flow *f, const struct pkt *p)
{
	counters.flows++;
	struct tw_record rec;
	const struct tw_record *w = NULL;
	bool syn = p->proto == IPPROTO_NUM_TCP && (p->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN;
	if (syn && tcp_timewait_find(f, &rec))
		w = &rec;
	bool rst_again = w && w->rst_attempt && p->seq == w->isn && p->ts >= w->close_ts &&
			 p->ts - w->close_ts < 2 * sd_cfg.msl;
	bool reuse = w && !w->rst_attempt && w->close_ts && p->ts >= w->close_ts && p->ts - w->close_ts < 2 * sd_cfg.msl;
	tcp_state_release(f);
	if (syn && !rst_again && !reuse && plain_first_syn(p)) {
		flow_state(f)->tcp_fresh = true; /* tcp_packet makes the compact form */
		return;
	}
	struct tcp_state *t = full_state_new(f);
	if (rst_again) {
		struct tcp_side *c = &t->side[DIR_C2S];
		c->syn = c->seq_known = true;
		c->isn = w->isn;
		c->seq_next = w->isn + 1;
		c->syn_count = w->syn_count;
		c->first_syn_ts = c->syn_ts = w->first_syn_ts;
		c->first_syn_frame = c->syn_frame = w->first_syn_frame;
		t->phase = TCPS_SYN_SENT;
	} else if (reuse) {
		t->prev_time_wait = true;
		t->prev_close_ts = w->close_ts;
		t->prev_close_frame = w->frame;
	}
}

static void close_time(const struct tcp_state *t, ts_usec *ts, uint32_t *frame)
{
	bool c = t->side[0].fin_ack_ts > t->side[1].fin_ack_ts;
	*ts = c ? t->side[0].fin_ack_ts : t->side[1].fin_ack_ts;
	*frame = c ? t->side[0].fin_ack_frame : t->side[1].fin_ack_frame;
	if (t->phase == TCPS_RESET) {
		c = t->side[DIR_C2S].rst_ts >= t->side[DIR_S2C].rst_ts;
		*ts = c ? t->side[DIR_C2S].rst_ts : t->side[DIR_S2C].rst_ts;
		*frame = c ? t->side[DIR_C2S].rst_frame : t->side[DIR_S2C].rst_frame;
	}
}

static void record_ev(struct tcp_state *t, int dir, const struct pkt *p, uint8_t note)
{
	struct tcp_ev e;
	memset(&e, 0, sizeof e); /* no stray padding: tcp_state_pack compares states whole */
	e.frame = (uint32_t)p->frame;
	e.len = p->payload_wire_len < TCP_EV_LEN_MAX ? p->payload_wire_len : TCP_EV_LEN_MAX;
	e.ts = p->ts;
	e.dir = (unsigned)dir & 1u;
	e.flags = p->tcp_flags;
	e.note = note & 7u;
	if (t->nev_head < TCP_EV_HEAD) {
		t->ev_head[t->nev_head++] = e;
	} else {
		t->ev_tail[t->ev_tail_pos] = e;
		t->ev_tail_pos = (uint8_t)((t->ev_tail_pos + 1) % TCP_EV_TAIL);
	}
	t->nev_total++;
}

static void hist_add(struct tcp_state *t, int dir, char c)
{
	char ch = dir == DIR_C2S ? c : (char)(c - 'A' + 'a');
	if (c == '^')
		ch = c;
	for (unsigned i = 0; i < t->nhist; i++)
		if (t->hist[i] == ch)
			return;
	if (t->nhist < TCP_HIST_LEN) {
		t->hist[t->nhist++] = ch;
		t->hist[t->nhist] = 0;
	}
}

static bool is_new_connection(const struct tcp_state *t, int dir, const struct pkt *p)
{
	if ((p->tcp_flags & (TH_SYN | TH_ACK | TH_RST)) != TH_SYN || dir != DIR_C2S)
		return false;
	const struct tcp_side *c = &t->side[DIR_C2S];
	if (!c->syn || p->seq == c->isn)
		return false;
	/* the old connection is over: closed, reset, refused, or both FINs sent */
	return t->phase == TCPS_CLOSED || t->phase == TCPS_RESET || (t->side[0].fin && t->side[1].fin);
}

static void connection_end(struct flow *f, ts_usec now, bool ended);

void tcp_restart(struct flow *f, const struct pkt *p)
{
	struct flow_state *fs = flow_state(f);
	if (fs->tcp_closed) {
		/* the old connection was judged at its close and its state is
		 * gone: start as a new flow does, TIME_WAIT reuse included (its
		 * record was written at the close) */
		fs->tcp_closed = false;
		fs->app = APP_UNKNOWN;
		fs->app_verdict = false;
		f->want_stream = true;
		tcp_flow_new(f, p);
		return;
	}
	struct tcp_state *t = tcp_ts_of(f);
	ts_usec close_ts;
	uint32_t close_frame;
	close_time(t, &close_ts, &close_frame);
	bool was_closed = t->phase == TCPS_CLOSED && close_ts;
	connection_end(f, p->ts, false);
	fs->app = APP_UNKNOWN;
	fs->app_verdict = false;
	f->want_stream = true;
	tcp_state_clear(t);
	if (was_closed && p->ts - close_ts < 2 * sd_cfg.msl) {
		t->prev_time_wait = true;
		t->prev_close_ts = close_ts;
		t->prev_close_frame = close_frame;
	}
	counters.flows++;
}

static void track_syn(struct flow *f, struct tcp_state *t, int dir, const struct pkt *p, struct tcp_side *me)
{
	bool synack = p->tcp_flags & TH_ACK;
	if ((synack ? me->synack : me->syn) && p->seq == me->isn) {
		/* the client reset its own unanswered attempt and sends the same
		 * SYN again: still the same attempt, timed from the first SYN */
		if (!synack && t->phase == TCPS_RESET && me->rst && !t->side[!dir].rst && !t->side[!dir].synack &&
		    !t->est_ts) {
			t->phase = TCPS_SYN_SENT;
			me->rst = false;
			f->idle_timeout = OPENING_IDLE;
		}
		me->syn_count++;
		me->syn_ts = p->ts;
		me->syn_frame = (uint32_t)p->frame;
		hist_add(t, dir, 'T');
		return;
	}
	me->isn = p->seq;
	me->seq_next = p->seq + 1 + p->payload_wire_len; /* TCP Fast Open puts data on the SYN */
	me->seq_known = true;
	me->syn_count = 1;
	me->first_syn_ts = me->syn_ts = p->ts;
	me->first_syn_frame = me->syn_frame = (uint32_t)p->frame;
	me->mss = p->opt.mss;
	me->wscale = p->opt.has_wscale ? p->opt.wscale : 0xff;
	if (synack) {
		me->synack = true;
		if (t->phase == TCPS_SYN_SENT || t->phase == TCPS_NONE)
			t->phase = TCPS_SYN_RCVD;
	} else {
		me->syn = true;
		t->phase = TCPS_SYN_SENT;
	}
}

static void track_ack(struct flow *f, struct tcp_state *t, int dir, const struct pkt *p)
{
	struct tcp_side *me = &t->side[dir], *peer = &t->side[!dir];
	uint32_t ack = p->ack;
	if (!me->ack_known || seq_gt(ack, me->ack_hi)) {
		me->ack_hi = ack;
		me->ack_known = true;
		/* the peer's bytes are moving again: no stall so far */
		peer->rtx_unacked = 0;
		peer->last_ack_ts = p->ts;
		peer->last_ack_frame = (uint32_t)p->frame;
	}
	/* bytes acknowledged that this capture never saw the peer send */
	if (peer->seq_known && seq_gt(ack, peer->seq_next) && (uint32_t)(ack - peer->seq_next) < (1u << 30)) {
		peer->acked_unseen += ack - peer->seq_next;
		peer->seq_next = ack;
	} else if (!peer->seq_known && dir == DIR_S2C && (p->tcp_flags & TH_SYN) && !peer->pkts) {
		/* a SYN-ACK whose SYN never passed here still says where the
		 * client's bytes start: the server's later ACKs then prove what
		 * the client sent by another path */
		peer->seq_known = true;
		peer->seq_next = ack;
		peer->isn = ack - 1;
	} else if (!peer->seq_known && dir == DIR_C2S && me->syn && !peer->synack && !(p->tcp_flags & TH_SYN) &&
		   seq_gt(p->seq, me->isn)) {
		/* the client moved on past its SYN: it got a SYN-ACK we never saw */
		t->reported |= R_SYNACK_UNSEEN;
		peer->seq_known = true;
		peer->seq_next = ack;
		peer->isn = ack - 1;
		if (t->phase == TCPS_SYN_SENT) {
			t->phase = TCPS_ESTABLISHED;
			t->est_ts = p->ts;
			t->est_frame = (uint32_t)p->frame;
		}
	}
	if (t->phase == TCPS_SYN_RCVD && dir == DIR_C2S && peer->synack && ack == peer->isn + 1) {
		t->phase = TCPS_ESTABLISHED;
		f->idle_timeout = 0;
		t->est_ts = p->ts;
		t->est_frame = (uint32_t)p->frame;
		t->handshake_seen = me->syn;
		if (t->handshake_seen)
			tcp_report_slow_handshake(f);
		if (t->prev_time_wait && !(t->reported & R_TIME_WAIT))
			tcp_report_time_wait_reuse(f, "accepted it (SYN-ACK): no harm this time");
	}
	if (peer->fin && !peer->fin_acked && seq_geq(ack, peer->fin_seq + 1)) {
		peer->fin_acked = true;
		peer->fin_ack_ts = p->ts;
		peer->fin_ack_frame = (uint32_t)p->frame;
		if (!me->fin)
			flow_set_deadline(f, p->ts + sd_cfg.half_close_timeout);
	}
	if (me->fin_acked && peer->fin_acked && t->phase != TCPS_RESET) {
		t->phase = TCPS_CLOSED;
		f->idle_timeout = CLOSED_LINGER;
	}
}

static uint8_t track_data(struct tcp_state *t, int dir, const struct pkt *p)
{
	struct tcp_side *me = &t->side[dir];
	uint32_t len = p->payload_wire_len;
	uint8_t note = TCP_EVN_NONE;
	if (!me->seq_known) {
		me->seq_known = true;
		me->seq_next = p->seq;
		me->isn = p->seq - 1;
	}
	uint32_t end = p->seq + len;
	if (len == 0) {
		if (p->seq == me->seq_next - 1 && !(p->tcp_flags & (TH_SYN | TH_FIN | TH_RST))) {
			me->keepalives++;
			note = TCP_EVN_KEEPALIVE;
		}
		return note;
	}
	if (len == 1 && p->seq == me->seq_next - 1) {
		me->keepalives++;
		return TCP_EVN_KEEPALIVE;
	}
	if (seq_geq(p->seq, me->seq_next)) {
		me->data_bytes += len;
		me->data_pkts++;
		me->seq_next = end;
		me->rtx_acked = 0; /* new bytes: the sender got the ACKs it needed */
	} else if (seq_gt(end, me->seq_next)) {
		me->data_bytes += end - me->seq_next;
		me->data_pkts++;
		me->retrans++;
		me->seq_next = end;
		note = TCP_EVN_RETRANS;
	} else {
		me->retrans++;
		note = TCP_EVN_RETRANS;
		hist_add(t, dir, 'T');
	}
	if (note != TCP_EVN_RETRANS || !me->first_data_frame) {
		if (!me->first_data_frame) {
			me->first_data_frame = (uint32_t)p->frame;
			me->first_data_ts = p->ts;
		}
	}
	me->last_data_frame = (uint32_t)p->frame;
	me->last_data_ts = p->ts;
	return note;
}

/* Returns true for a FIN sent again. */
static bool track_fin(struct flow *f, struct tcp_state *t, int dir, const struct pkt *p)
{
	struct tcp_side *me = &t->side[dir];
	uint32_t fin_seq = p->seq + p->payload_wire_len;
	bool again = false;
	if (me->fin && fin_seq == me->fin_seq) {
		me->fin_count++;
		again = true;
	} else if (!me->fin) {
		me->fin = true;
		me->fin_seq = fin_seq;
		me->fin_count = 1;
		me->first_fin_ts = p->ts;
		me->first_fin_frame = (uint32_t)p->frame;
		flow_set_deadline(f, p->ts + sd_cfg.fin_timeout);
	}
	me->fin_ts = p->ts;
	me->fin_frame = (uint32_t)p->frame;
	if (seq_gt(fin_seq + 1, me->seq_next))
		me->seq_next = fin_seq + 1;
	if (t->phase == TCPS_ESTABLISHED || t->phase == TCPS_MIDSTREAM || t->phase == TCPS_SYN_RCVD) {
		t->phase = TCPS_CLOSING;
		f->idle_timeout = CLOSING_IDLE;
	}
	return again;
}

/* Side dir sent bytes (or its FIN) again, up to sequence number end. Bytes
 * the peer has not acknowledged count toward a stall; bytes the peer did
 * acknowledge here mean its ACKs get lost beyond this point. */
static void note_retransmission(struct flow *f, struct tcp_state *t, int dir, const struct pkt *p, uint32_t end)
{
	struct tcp_side *me = &t->side[dir], *peer = &t->side[!dir];
	if ((!peer->ack_known && peer->pkts) || (t->reported & R_STALLED))
		return;
	if (peer->zw_on)
		return; /* a probe of a zero window, not a stall */
	/* a peer never seen acknowledged nothing here */
	if (!peer->ack_known || seq_gt(end, peer->ack_hi)) {
		if (!me->rtx_unacked) {
			me->first_rtx_ts = p->ts;
			me->first_rtx_frame = (uint32_t)p->frame;
			me->peer_pkts_at_rtx = peer->pkts;
		}
		me->rtx_unacked++;
		me->last_rtx_ts = p->ts;
		flow_set_deadline(f, me->first_rtx_ts + STALL_WAIT);
	} else {
		if (!me->rtx_acked) {
			me->first_rtx_acked_ts = p->ts;
			me->first_rtx_acked_frame = (uint32_t)p->frame;
		}
		me->rtx_acked++;
		me->last_rtx_ts = p->ts;
	}
}

/* What side dir's own packets look like, to recognise a reset forged in
 * its name; resets themselves are not part of it. */
static void note_fingerprint(struct tcp_side *me, const struct pkt *p)
{
	if (!me->ttl_known) {
		me->ttl_min = me->ttl_max = p->ttl;
		me->ttl_known = true;
	} else if (p->ttl < me->ttl_min) {
		me->ttl_min = p->ttl;
	} else if (p->ttl > me->ttl_max) {
		me->ttl_max = p->ttl;
	}
	/* SYN-ACKs of some stacks carry IP ID 0 whatever the socket's counter */
	if (p->ipver == 4 && p->ip_id && !(p->tcp_flags & TH_SYN)) {
		if (me->ip_id_known && p->ip_id != me->ip_id_last)
			me->ip_id_varies = true;
		me->ip_id_last = p->ip_id;
		me->ip_id_known = true;
	}
	me->win_last = p->win;
}

static void zero_window_close(struct tcp_side *me, ts_usec now)
{
	ts_usec len = now - me->zw_ts;
	if (me->zw_probes && len > me->zw_max_s) {
		me->zw_max_s = len;
		me->zw_max_start = me->zw_ts;
		me->zw_max_probes = me->zw_probes;
		me->zw_max_frame = me->zw_frame;
	}
	me->zw_on = false;
}

/* Zero windows: side dir advertises one, or the peer probes it. */
static void track_zero_window(struct flow *f, struct tcp_state *t, int dir, const struct pkt *p, uint8_t note)
{
	struct tcp_side *me = &t->side[dir], *peer = &t->side[!dir];
	if (p->tcp_flags & (TH_SYN | TH_RST))
		return;
	if (peer->zw_on && (p->payload_wire_len || note == TCP_EVN_KEEPALIVE)) {
		peer->zw_probes++;
		if (!(t->reported & R_ZERO_WINDOW) && peer->zw_probes >= 2 && p->ts - peer->zw_ts >= ZERO_WINDOW_LIVE)
			tcp_report_zero_window(f, !dir, p->ts);
	}
	if (!(p->tcp_flags & TH_ACK))
		return;
	if (p->win == 0 && !me->zw_on) {
		me->zw_on = true;
		me->zw_ts = p->ts;
		me->zw_frame = (uint32_t)p->frame;
		me->zw_probes = 0;
	} else if (p->win && me->zw_on) {
		zero_window_close(me, p->ts);
	}
}

enum tcp_step tcp_packet(struct flow *f, int dir, const struct pkt *p)
{
	struct flow_state *fs = flow_state(f);
	if (fs->tcp_closed) {
		/* a late packet of a connection judged at its close (the final
		 * ACK again, a retransmitted FIN): absorbed; the client's new
		 * SYN starts the next connection on the 4-tuple */
		if (dir == DIR_C2S && (p->tcp_flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN)
			return TCP_STEP_NEW_CONNECTION;
		return TCP_STEP_DONE;
	}
	if (fs->tcp_fresh) {
		/* the flow's first packet, a plain SYN: what the code below would
		 * leave in a cleared state is exactly its compact form */
		fs->tcp_fresh = false;
		if (dir == DIR_C2S && tcp_syn_only_start(f, p)) {
			flow_set_deadline(f, p->ts + sd_cfg.syn_timeout);
			f->idle_timeout = OPENING_IDLE;
			return TCP_STEP_DONE;
		}
		full_state_new(f);
	}
	struct tcp_state *t = tcp_ts_of(f);
	if (is_new_connection(t, dir, p))
		return TCP_STEP_NEW_CONNECTION; /* the dispatcher restarts the flow first */
	struct tcp_side *me = &t->side[dir];
	uint8_t fl = p->tcp_flags;
	bool was_closed = t->phase == TCPS_CLOSED;
	me->pkts++;
	me->last_ts = p->ts;
	if (!me->first_ts)
		me->first_ts = p->ts;
	if (t->phase == TCPS_NONE && !(fl & TH_SYN)) {
		t->phase = TCPS_MIDSTREAM;
		if (!(t->reported & R_MIDSTREAM_COUNTED)) {
			t->reported |= R_MIDSTREAM_COUNTED;
			counters.midstream++;
		}
	}
	if (p->l4_csum == CSUM_BAD)
		hist_add(t, dir, 'C');
	if (p->pflog.present)
		t->pf = p->pflog; /* what pf logged: rule, action, reason, interface */

	if (fl & TH_RST) {
		hist_add(t, dir, 'R');
		/* A reset for a SYN must acknowledge it (RFC 9293 3.10.7.1: ACK =
		 * ISN + 1); one that does not would be dropped by the client, and is
		 * typically injected by a middlebox or an attacker. Note it, change
		 * nothing: the connection may well go on. */
		if (dir == DIR_S2C && t->phase == TCPS_SYN_SENT && !me->synack &&
		    (!(fl & TH_ACK) || p->ack != t->side[DIR_C2S].isn + 1)) {
			record_ev(t, dir, p, TCP_EVN_BADRST);
			t->bad_rsts++;
			return TCP_STEP_DONE;
		}
		record_ev(t, dir, p, TCP_EVN_NONE);
		if (!me->rst) {
			me->rst = true;
			me->rst_ts = p->ts;
			me->rst_frame = (uint32_t)p->frame;
			me->rst_ttl = p->ttl;
			me->rst_ip_id = p->ipver == 4 ? p->ip_id : 0;
			me->rst_win = p->win;
		}
		if (dir == DIR_S2C && t->phase == TCPS_SYN_SENT && !me->synack && !(t->reported & R_REFUSED)) {
			if (t->prev_time_wait && !(t->reported & R_TIME_WAIT))
				tcp_report_time_wait_reuse(f, "answered with a reset");
			tcp_report_refused(f, p);
		}
		t->phase = TCPS_RESET;
		f->idle_timeout = CLOSED_LINGER;
		return TCP_STEP_DONE;
	}
	note_fingerprint(me, p);
	/* a host's SYN-ACKs, and its first data of each connection: a SYN
	 * proxy in front of it (pf synproxy, nftables synproxy) sends the
	 * SYN-ACK with its own TTL, the data then comes from the host */
	if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) || (p->payload_wire_len && !me->data_pkts && !(fl & TH_SYN)))
		sttl_note(p);
	if (fl & TH_SYN) {
		hist_add(t, dir, (fl & TH_ACK) ? 'H' : 'S');
		track_syn(f, t, dir, p, me);
		if (!(fl & TH_ACK)) {
			flow_set_deadline(f, p->ts + sd_cfg.syn_timeout);
			f->idle_timeout = OPENING_IDLE;
		}
	}
	uint8_t note = TCP_EVN_NONE;
	if (fl & TH_ACK) {
		track_ack(f, t, dir, p);
		if (!(fl & (TH_SYN | TH_FIN)) && !p->payload_wire_len)
			hist_add(t, dir, 'A');
	} else if (!(fl & TH_SYN)) {
		hist_add(t, dir, 'Q'); /* data or FIN without ACK: odd */
	}
	if (!(fl & TH_SYN)) {
		note = track_data(t, dir, p);
		if (p->payload_wire_len && note != TCP_EVN_RETRANS)
			hist_add(t, dir, 'D');
		track_zero_window(f, t, dir, p, note);
	}
	if (p->win == 0 && !(fl & TH_SYN) && t->phase != TCPS_NONE) {
		me->zero_window = true;
		hist_add(t, dir, 'W');
		if (note == TCP_EVN_NONE)
			note = TCP_EVN_ZEROWIN;
	}
	bool fin_again = false;
	if (fl & TH_FIN) {
		hist_add(t, dir, 'F');
		fin_again = track_fin(f, t, dir, p);
	}
	if (note == TCP_EVN_RETRANS || fin_again)
		note_retransmission(f, t, dir, p, p->seq + p->payload_wire_len + (fin_again ? 1 : 0));
	/* the server's answer to a SYN that reused a recently closed 4-tuple */
	if (dir == DIR_S2C && t->prev_time_wait && !(t->reported & R_TIME_WAIT) && !(fl & TH_SYN) &&
	    t->phase == TCPS_SYN_SENT)
		tcp_report_time_wait_reuse(f, "answered with an ACK for the old connection (it still holds TIME_WAIT)");
	record_ev(t, dir, p, note);
	if (f->pkts[DIR_S2C] == 0 && (t->phase == TCPS_MIDSTREAM || (t->reported & R_SYNACK_UNSEEN)) &&
	    !(t->reported & R_ONE_SIDED))
		flow_set_deadline(f, p->ts > f->first_ts + SEC(10) ? p->ts + SEC(1) : f->first_ts + SEC(10));
	if (p->opt.mptcp)
		t->mptcp = true;
	return t->phase == TCPS_CLOSED && !was_closed ? TCP_STEP_CLOSED : TCP_STEP_DONE;
}

static void stall_check(struct flow *f, ts_usec now, bool final);

/* one direction only: at the end of the connection; before that only on
 * strong evidence (the client repeating itself, or ACKing data that keeps
 * arriving by another path), so a slow peer is not called asymmetric while
 * the connection is still going on */
static void one_sided_check(struct flow *f, ts_usec now, bool final)
{
	struct tcp_state *t = tcp_ts_of(f);
	int only;
	bool works;
	if ((t->reported & R_ONE_SIDED) || !tcp_one_sided_evidence(f, &only, &works))
		return;
	const struct tcp_side *o = &t->side[only];
	bool strong = only == DIR_C2S && f->pkts[DIR_S2C] == 0 && now - f->first_ts >= SEC(10) &&
		      (o->retrans >= 3 || (o->pkts >= 4 && t->side[!only].acked_unseen > 0));
	if (final || strong) {
		tcp_report_one_sided(f, only, works);
		counters.one_direction++;
	}
}

/* An unanswered SYN (the connection is only the client's SYNs so far):
 * wait at least syn_timeout, and twice the client's last retransmission
 * gap, so a client still retrying is not cut short. */
static void syn_check(struct flow *f, ts_usec now, bool ended, ts_usec first_syn_ts, ts_usec syn_ts,
		      unsigned syn_count, bool capture_ended_told)
{
	ts_usec gap = syn_ts - first_syn_ts;
	if (syn_count > 1)
		gap /= (syn_count - 1);
	ts_usec wait = sd_cfg.syn_timeout > 2 * gap ? sd_cfg.syn_timeout : 2 * gap;
	if (now - syn_ts >= wait || (ended && syn_count >= 2))
		tcp_report_syn_unanswered(f, now, ended, false);
	else if (!ended)
		flow_set_deadline(f, syn_ts + wait);
	else if (!capture_ended_told)
		tcp_report_capture_ended(f, now); /* one SYN, then the end: too soon to tell */
}

/* Verdicts that are due at time now, whether by deadline or at the end. */
static void evaluate(struct flow *f, ts_usec now, bool ended)
{
	struct tcp_state *t = tcp_ts_of(f);
	struct flow_state *fs = flow_state(f);
	const struct tcp_side *c = &t->side[DIR_C2S], *s = &t->side[DIR_S2C];

	if (t->phase == TCPS_SYN_SENT && c->syn && f->pkts[DIR_S2C] == 0 &&
	    !(t->reported & (R_SYN_UNANSWERED | R_ICMP | R_SYNACK_UNSEEN)))
		syn_check(f, now, ended, c->first_syn_ts, c->syn_ts, c->syn_count, t->reported & R_CAPTURE_ENDED);

	one_sided_check(f, now, ended);

	for (int d = 0; d < 2; d++) {
		const struct tcp_side *x = &t->side[d];
		uint32_t bit = d == DIR_C2S ? R_FIN_UNACKED_C : R_FIN_UNACKED_S;
		if (x->fin && !x->fin_acked && x->fin_count >= 2 && !(t->reported & (bit | R_ONE_SIDED)) &&
		    !t->side[!d].rst && !x->rst) {
			if (now - x->first_fin_ts >= sd_cfg.fin_timeout || ended)
				tcp_report_fin_unacked(f, d, now, ended);
			else
				flow_set_deadline(f, x->first_fin_ts + sd_cfg.fin_timeout);
		}
		const struct tcp_side *y = &t->side[!d];
		if (x->fin && x->fin_acked && !y->fin && !y->rst && !x->rst && !(t->reported & R_HALF_CLOSED)) {
			if (now - x->fin_ack_ts >= sd_cfg.half_close_timeout)
				tcp_report_half_closed(f, d, now, ended);
			else if (!ended)
				flow_set_deadline(f, x->fin_ack_ts + sd_cfg.half_close_timeout);
		}
	}
	stall_check(f, now, ended);
	(void)s;
	(void)fs;
}

/* Is side d's data stalled: re-sent with nothing acknowledging it? final:
 * the connection is over, so what is unacknowledged now stays so. */
static bool stall_due(const struct tcp_state *t, int d, ts_usec now, bool final,
		      bool *acked_here)
{
	const struct tcp_side *x = &t->side[d], *y = &t->side[!d];
	if (t->reported & (R_STALLED | R_ONE_SIDED))
		return false;
	if (!t->est_ts && t->phase != TCPS_MIDSTREAM && !(t->phase == TCPS_CLOSING && t->handshake_seen))
		return false;
	if (y->zw_on || (y->win_last == 0 && y->ack_known))
		return false; /* a zero window: tcp.zero_window */
	uint32_t n;
	ts_usec since;
	if (x->rtx_unacked) {
		/* only the FIN outstanding: that is tcp.fin_unacked */
		if (x->fin && y->ack_known && seq_geq(y->ack_hi, x->fin_seq))
			return false;
		n = x->rtx_unacked;
		since = x->first_rtx_ts;
		*acked_here = false;
	} else if (x->rtx_acked >= 3) {
		n = x->rtx_acked;
		since = x->first_rtx_acked_ts;
		*acked_here = true;
	} else {
		return false;
	}
	if (final)
		return n >= 3 || (n >= 2 && x->last_rtx_ts - since >= SEC(1));
	return n >= 3 && now - since >= STALL_WAIT;
}

static void stall_check(struct flow *f, ts_usec now, bool final)
{
	struct tcp_state *t = tcp_ts_of(f);
	for (int d = 0; d < 2; d++) {
		bool acked_here;
		if (stall_due(t, d, now, final, &acked_here))
			tcp_report_stalled(f, d, now, acked_here);
	}
}

/* A compact connection (only its client's SYNs) whose only verdicts so far
 * are an unanswered SYN or a capture end: of evaluate() and
 * connection_end(), only the unanswered-SYN check can do anything for it
 * (no answer, no FIN, no reset, no data, no handshake, no TIME_WAIT). */
static bool syn_only_simple(const struct flow *f, const struct tcp_syn_only *c)
{
	return !(c->reported & ~(uint32_t)(R_SYN_UNANSWERED | R_CAPTURE_ENDED)) && f->pkts[DIR_S2C] == 0;
}

/* evaluate()'s unanswered-SYN check on the compact form; c is not valid
 * after it (a verdict in full unpacks the state). */
static void syn_only_evaluate(struct flow *f, const struct tcp_syn_only *c, ts_usec now, bool ended)
{
	if (!(c->reported & R_SYN_UNANSWERED))
		syn_check(f, now, ended, c->first_syn_ts, c->syn_ts, c->syn_count, c->reported & R_CAPTURE_ENDED);
}

void tcp_timer(struct flow *f, ts_usec now)
{
	if (flow_state(f)->tcp_closed)
		return; /* judged at its close */
	const struct tcp_syn_only *c = tcp_syn_only_of(f);
	if (c && syn_only_simple(f, c))
		syn_only_evaluate(f, c, now, false);
	else
		evaluate(f, now, false);
}

/* The connection in f is over (flow end, or a new connection replaces it). */
static void connection_end(struct flow *f, ts_usec now, bool ended)
{
	struct tcp_state *t = tcp_ts_of(f);
	struct flow_state *fs = flow_state(f);
	one_sided_check(f, now, true);
	evaluate(f, now, ended);
	stall_check(f, now, true);
	for (int d = 0; d < 2; d++) {
		struct tcp_side *x = &t->side[d];
		if (x->zw_on)
			zero_window_close(x, now);
		if (x->zw_max_probes >= 2 && x->zw_max_s >= ZERO_WINDOW_WARN && !(t->reported & R_ZERO_WINDOW))
			tcp_report_zero_window(f, d, now);
	}
	if ((t->side[0].rst || t->side[1].rst) && t->phase == TCPS_RESET &&
	    !(t->reported & (R_REFUSED | R_RESET | R_ICMP)) && (t->handshake_seen || t->phase == TCPS_RESET) &&
	    (t->side[0].data_bytes || t->side[1].data_bytes))
		tcp_report_reset(f);
	if (t->prev_time_wait && !(t->reported & R_TIME_WAIT))
		tcp_report_time_wait_reuse(f, "did not answer");
	uint32_t bad = R_SYN_UNANSWERED | R_REFUSED | R_ICMP | R_ONE_SIDED | R_FIN_UNACKED_C | R_FIN_UNACKED_S |
		       R_HALF_CLOSED | R_TIME_WAIT | R_SLOW | R_RESET | R_STALLED | R_ZERO_WINDOW;
	if (!fs->app_verdict && !(t->reported & bad) && t->handshake_seen && t->phase == TCPS_CLOSED)
		tcp_report_ok(f);
}

void tcp_flow_end(struct flow *f, int why, ts_usec now)
{
	if (flow_state(f)->tcp_closed)
		return; /* judged at its close, TIME_WAIT remembered then */
	flow_state(f)->tcp_fresh = false;
	const struct tcp_syn_only *c0 = tcp_syn_only_of(f);
	if (c0 && syn_only_simple(f, c0)) {
		/* what the code below does for it, without unpacking it */
		if (why == FLOW_END_EVICTED && !(c0->reported & R_SYN_UNANSWERED))
			tcp_report_syn_unanswered(f, now, false, true);
		else
			syn_only_evaluate(f, c0, now, why == FLOW_END_EOF);
		tcp_state_release(f);
		return;
	}
	struct tcp_state *t = tcp_ts_of(f);
	if (!t)
		return;
	/* evicted while its SYN was still unanswered: count it for its target */
	if (why == FLOW_END_EVICTED && t->phase == TCPS_SYN_SENT && t->side[DIR_C2S].syn && f->pkts[DIR_S2C] == 0 &&
	    !(t->reported & (R_SYN_UNANSWERED | R_ICMP | R_SYNACK_UNSEEN)))
		tcp_report_syn_unanswered(f, now, false, true);
	connection_end(f, now, why == FLOW_END_EOF);
	const struct tcp_side *c = &t->side[DIR_C2S];
	if (t->phase == TCPS_CLOSED) {
		ts_usec close_ts;
		uint32_t frame;
		close_time(t, &close_ts, &frame);
		struct tw_record w = { .close_ts = close_ts, .frame = frame };
		tcp_timewait_put(f, &w);
	} else if (t->phase == TCPS_RESET && c->syn && c->rst && !t->side[DIR_S2C].pkts && !t->est_ts) {
		struct tw_record w = { .close_ts = c->rst_ts, .frame = c->rst_frame, .rst_attempt = true,
				       .isn = c->isn, .syn_count = c->syn_count,
				       .first_syn_ts = c->first_syn_ts, .first_syn_frame = c->first_syn_frame };
		tcp_timewait_put(f, &w);
	}
	tcp_state_release(f);
}

void tcp_close(struct flow *f, ts_usec now)
{
	tcp_flow_end(f, FLOW_END_DONE, now);
	flow_state(f)->tcp_closed = true;
	f->deadline = 0; /* nothing left to time */
}

void tcp_fill_summary(struct run_summary *sum)
{
	sum->limits[LIMIT_TIME_WAIT] = tcp_timewait_limit();
	sum->limits[LIMIT_SYN_TARGETS] = tcp_syn_agg_limit();
	sum->limits[LIMIT_SERVER_TTLS] = sttl_full;
	sum->tcp_flows = counters.flows;
	sum->tcp_midstream = counters.midstream;
	sum->tcp_one_direction = counters.one_direction;
}
