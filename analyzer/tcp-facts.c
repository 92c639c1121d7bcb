/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp-facts.c - what the TCP tracker (tcp.c) tells others about a
 * connection, read-only: its evidence as verdict lines ("SYN,ACK len 0
 * (retransmission)"), pf's state pair for it, the facts the application
 * analyzers (ssh) read (tcp.h), and the one-line description of the live
 * view. Nothing here changes a connection's state. */
#include <stdio.h>
#include <string.h>

#include "tcp-int.h"

/* "SYN,ACK", "FIN,PSH,ACK", "none": the flags of a packet, appended. */
static void label_flags(struct verdict_label *l, uint8_t fl)
{
	static const struct {
		uint8_t bit;
		char name[4];
	} names[] = { { TH_SYN, "SYN" }, { TH_FIN, "FIN" }, { TH_RST, "RST" }, { TH_PSH, "PSH" }, { TH_ACK, "ACK" } };
	bool any = false;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(fl & names[i].bit))
			continue;
		if (any)
			label_put(l, ",", 1);
		label_put(l, names[i].name, 3);
		any = true;
	}
	if (!any)
		label_put(l, "none", 4);
}

/* The label "FLAGS[ len N][ (note)]", built by hand: tcp.* verdicts carry
 * up to 24 of them each. */
static void ev_to_verdict(const struct tcp_ev *e, struct verdict *v)
{
	if (verdict_brief(v)) { /* the frame only: nobody reads the label */
		verdict_evidence_label(v, e->frame, e->ts, e->dir, "", 0);
		return;
	}
	const char *note = e->note == TCP_EVN_BADRST	  ? " (bad ACK: ignored)"
			   : e->note == TCP_EVN_RETRANS	  ? " (retransmission)"
			   : e->note == TCP_EVN_KEEPALIVE ? " (keep-alive)"
			   : e->note == TCP_EVN_ZEROWIN	  ? " (zero window)"
							  : "";
	struct verdict_label l = { 0 };
	label_flags(&l, e->flags);
	if (e->len) {
		label_put(&l, " len ", 5);
		label_u32(&l, e->len);
		if (e->len == TCP_EV_LEN_MAX)
			label_put(&l, "+", 1);
	}
	label_str(&l, note);
	verdict_evidence_label(v, e->frame, e->ts, e->dir, l.s, l.n);
}

void tcp_add_evidence(const struct flow *f, struct verdict *v)
{
	const struct tcp_state *t = ts_of_c(f);
	for (unsigned i = 0; i < t->nev_head; i++)
		ev_to_verdict(&t->ev_head[i], v);
	if (t->nev_total > TCP_EV_HEAD) {
		unsigned n = t->nev_total - TCP_EV_HEAD < TCP_EV_TAIL ? t->nev_total - TCP_EV_HEAD : TCP_EV_TAIL;
		unsigned start = n < TCP_EV_TAIL ? 0 : t->ev_tail_pos;
		for (unsigned i = 0; i < n; i++)
			ev_to_verdict(&t->ev_tail[(start + i) % TCP_EV_TAIL], v);
	}
}

/* pf's view of one peer: CLOSED, SYN_SENT, ESTABLISHED, CLOSING,
 * FIN_WAIT_2, TIME_WAIT (as pfctl -ss prints them). */
static const char *pf_peer_state(const struct tcp_state *t, int dir)
{
	const struct tcp_side *me = &t->side[dir], *peer = &t->side[!dir];
	if (me->rst || peer->rst)
		return "TIME_WAIT";
	if (me->fin)
		return me->fin_acked ? "FIN_WAIT_2" : "CLOSING";
	if (me->syn || me->synack)
		return peer->ack_known ? "ESTABLISHED" : "SYN_SENT";
	if (me->pkts && t->phase == TCPS_MIDSTREAM)
		return "ESTABLISHED";
	return "CLOSED";
}

const char *tcp_pf_states(const struct flow *f, char *buf, size_t len)
{
	const struct tcp_state *t = ts_of_c(f);
	snprintf(buf, len, "%s:%s", pf_peer_state(t, DIR_C2S), pf_peer_state(t, DIR_S2C));
	return buf;
}

uint64_t tcp_acked_unseen(const struct flow *f, int dir)
{
	return ts_of_c(f)->side[dir].acked_unseen;
}

ts_usec tcp_start_time(const struct flow *f)
{
	const struct tcp_state *t = ts_of_c(f);
	return t->side[DIR_C2S].first_syn_ts ? t->side[DIR_C2S].first_syn_ts : f->first_ts;
}

ts_usec tcp_setup_time(const struct flow *f)
{
	const struct tcp_state *t = ts_of_c(f);
	if (t->est_ts)
		return t->est_ts;
	return t->side[DIR_S2C].synack ? t->side[DIR_S2C].syn_ts : 0;
}

bool tcp_syn_answered(const struct flow *f)
{
	const struct tcp_state *t = ts_of_c(f);
	return t->side[DIR_C2S].syn && t->side[DIR_S2C].synack;
}

bool tcp_established(const struct flow *f)
{
	return ts_of_c(f)->est_ts != 0;
}

bool tcp_is_mptcp(const struct flow *f)
{
	return ts_of_c(f)->mptcp;
}

uint32_t tcp_retransmissions(const struct flow *f, int dir)
{
	return ts_of_c(f)->side[dir].retrans;
}

bool tcp_data_start(const struct flow *f, int dir, uint32_t *seq)
{
	const struct tcp_side *me = &ts_of_c(f)->side[dir];
	if (!(dir == DIR_C2S ? me->syn : me->synack))
		return false;
	*seq = me->isn + 1;
	return true;
}

bool tcp_peer_ack(const struct flow *f, int dir, uint32_t *ack)
{
	const struct tcp_side *peer = &ts_of_c(f)->side[!dir];
	if (!peer->ack_known)
		return false;
	*ack = peer->ack_hi;
	return true;
}

void tcp_describe(const struct flow *f, ts_usec now, char *buf, size_t len)
{
	if (flow_state_c(f)->tcp_closed) {
		/* what the state said at its close: both FINs acknowledged */
		snprintf(buf, len, "closed [FIN_WAIT_2:FIN_WAIT_2]");
		return;
	}
	const struct tcp_state *t = ts_of_c(f);
	const struct tcp_side *c = &t->side[DIR_C2S];
	char pf[48];
	tcp_pf_states(f, pf, sizeof pf);
	switch (t->phase) {
	case TCPS_SYN_SENT:
		snprintf(buf, len, "SYN sent x%u, waiting %.1f s", c->syn_count, (double)(now - c->first_syn_ts) / USEC_F);
		break;
	case TCPS_SYN_RCVD:
		snprintf(buf, len, "SYN-ACK seen, waiting for the handshake ACK");
		break;
	case TCPS_ESTABLISHED:
		snprintf(buf, len, "established %.1f s [%s]", (double)(now - t->est_ts) / USEC_F, pf);
		break;
	case TCPS_CLOSING:
		snprintf(buf, len, "closing [%s]", pf);
		break;
	case TCPS_CLOSED:
		snprintf(buf, len, "closed [%s]", pf);
		break;
	case TCPS_RESET:
		snprintf(buf, len, "reset");
		break;
	case TCPS_MIDSTREAM:
		snprintf(buf, len, "mid-flow (no handshake seen) [%s]", pf);
		break;
	default:
		snprintf(buf, len, "tcp");
	}
}
