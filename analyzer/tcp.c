/* tcp.c - the per-packet TCP tracker and the tcp.* verdicts.
 *
 * Every TCP packet of every flow passes through tcp_packet(); the tracker
 * keeps, per side, what was sent (sequence space, SYN, FIN, RST) and what
 * was acknowledged, with the frames and times that prove it. Verdicts come
 * from state changes (refused, ICMP-rejected, slow handshake), from
 * deadlines (unanswered SYN, unacknowledged FIN, half-close) and from the
 * end of the flow (one-sided, reset, ok). */
#include "tcp.h"
#include "analyzer.h"
#include "config.h"
#include "verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* sequence space comparisons, wrap-around safe */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* bits of tcp_state.reported */
enum {
	R_SYN_UNANSWERED = 1 << 0,
	R_REFUSED = 1 << 1,
	R_ICMP = 1 << 2,
	R_ONE_SIDED = 1 << 3,
	R_FIN_UNACKED_C = 1 << 4,
	R_FIN_UNACKED_S = 1 << 5,
	R_HALF_CLOSED = 1 << 6,
	R_TIME_WAIT = 1 << 7,
	R_SLOW = 1 << 8,
	R_RESET = 1 << 9,
	R_OK = 1 << 10,
	R_SYNACK_UNSEEN = 1 << 11, /* the client ACKed a SYN-ACK we never saw */
	R_MIDSTREAM_COUNTED = 1 << 12,
};

#define USEC_F 1e6
/* how long a closed or reset connection stays in the flow table after its
 * last packet, to absorb the final ACKs and retransmissions */
#define CLOSED_LINGER SEC(2)
/* idle times by state, in the manner of pf's tcp.opening and tcp.closing:
 * a half-open or half-closed flow that goes quiet leaves the table long
 * before an established one (which may idle for minutes) */
#define OPENING_IDLE SEC(30)
#define CLOSING_IDLE SEC(45)

static struct {
	uint64_t flows, midstream, one_direction;
} counters;

/* ---- aggregation of unanswered SYNs per target address ---- */

#define SYN_AGG_SLOTS 4096
#define SYN_AGG_INDIVIDUAL 3

struct syn_agg {
	struct addr target;
	bool used;
	uint64_t attempts; /* connections beyond the individually reported ones */
	uint64_t total;
	uint16_t port_lo, port_hi;
	struct addr a_client;
	uint16_t a_cport, a_sport;
	uint64_t clients_changed;
	uint64_t evicted; /* attempts whose flow was evicted before their timeout */
	ts_usec first_ts, last_ts;
	uint64_t first_frame, last_frame;
};

static struct syn_agg syn_agg[SYN_AGG_SLOTS];

/* Closed connections leave the flow table two seconds after their last
 * packet; what TIME_WAIT reuse needs of them stays here: the 4-tuple's
 * hash, when and where it closed. A later entry overwrites an older one in
 * its slot, so this costs a fixed 1 MiB whatever the traffic. */
#define TW_SLOTS 65536
struct tw_slot {
	uint32_t hash;
	uint32_t frame;
	ts_usec close_ts;
};
static struct tw_slot time_wait[TW_SLOTS];
static uint64_t syn_agg_overflow;

static struct syn_agg *syn_agg_slot(const struct addr *target)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 16; i++)
		h = (h ^ target->b[i]) * 16777619u;
	for (uint32_t n = 0; n < SYN_AGG_SLOTS; n++) {
		struct syn_agg *a = &syn_agg[(h + n) & (SYN_AGG_SLOTS - 1)];
		if (!a->used) {
			memset(a, 0, sizeof *a);
			a->used = true;
			a->target = *target;
			return a;
		}
		if (addr_eq(&a->target, target))
			return a;
	}
	syn_agg_overflow++;
	return NULL;
}

static void tcp_pool_reset(void);

void tcp_tracker_init(void)
{
	memset(&counters, 0, sizeof counters);
	memset(syn_agg, 0, sizeof syn_agg);
	memset(time_wait, 0, sizeof time_wait);
	tcp_pool_reset();
	syn_agg_overflow = 0;
}

void tcp_tracker_free(void)
{
	tcp_pool_reset();
}

static struct tcp_state *ts_of(struct flow *f)
{
	return flow_state(f)->tcp;
}
static const struct tcp_state *ts_of_c(const struct flow *f)
{
	return flow_state_c(f)->tcp;
}

/* The TCP state pool: chunks of TCP_CHUNK states, allocated as flows need
 * them and kept for reuse (a free list threaded through the unused states).
 * The flow table bounds how many are in use at once. */
#define TCP_CHUNK 4096
#define TCP_MAX_CHUNKS 16384

union tcp_slot {
	struct tcp_state st;
	union tcp_slot *next_free;
};

static union tcp_slot *tcp_chunks[TCP_MAX_CHUNKS];
static unsigned tcp_nchunks;
static union tcp_slot *tcp_free;

static void tcp_pool_reset(void)
{
	for (unsigned i = 0; i < tcp_nchunks; i++)
		free(tcp_chunks[i]);
	tcp_nchunks = 0;
	tcp_free = NULL;
}

static struct tcp_state *tcp_state_get(void)
{
	if (!tcp_free) {
		if (tcp_nchunks >= TCP_MAX_CHUNKS)
			return NULL;
		union tcp_slot *c = malloc(TCP_CHUNK * sizeof *c);
		if (!c)
			return NULL;
		tcp_chunks[tcp_nchunks++] = c;
		for (unsigned i = 0; i < TCP_CHUNK; i++) {
			c[i].next_free = tcp_free;
			tcp_free = &c[i];
		}
	}
	union tcp_slot *s = tcp_free;
	tcp_free = s->next_free;
	return &s->st;
}

static void tcp_state_put(struct tcp_state *t)
{
	union tcp_slot *s = (union tcp_slot *)(void *)t;
	s->next_free = tcp_free;
	tcp_free = s;
}

void tcp_flow_new(struct flow *f, const struct pkt *p)
{
	struct flow_state *fs = flow_state(f);
	if (!fs->tcp)
		fs->tcp = tcp_state_get();
	struct tcp_state *t = fs->tcp;
	if (!t) {
		fprintf(stderr, "shakedown: out of memory for TCP state\n");
		abort();
	}
	memset(t, 0, sizeof *t);
	t->side[0].wscale = t->side[1].wscale = 0xff;
	counters.flows++;
	if (p->proto == IPPROTO_NUM_TCP && (p->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN) {
		const struct tw_slot *w = &time_wait[f->hash & (TW_SLOTS - 1)];
		if (w->close_ts && w->hash == f->hash && p->ts >= w->close_ts && p->ts - w->close_ts < 2 * sd_cfg.msl) {
			t->prev_time_wait = true;
			t->prev_close_ts = w->close_ts;
			t->prev_close_frame = w->frame;
		}
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

/* ---- evidence and history ---- */

static void record_ev(struct tcp_state *t, int dir, const struct pkt *p, uint8_t note)
{
	struct tcp_ev e = { (uint32_t)p->frame, p->payload_wire_len, p->ts, (uint8_t)dir, p->tcp_flags, note };
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

static const char *flags_str(uint8_t fl, char *buf, size_t len)
{
	static const struct {
		uint8_t bit;
		const char *name;
	} names[] = { { TH_SYN, "SYN" }, { TH_FIN, "FIN" }, { TH_RST, "RST" }, { TH_PSH, "PSH" }, { TH_ACK, "ACK" } };
	size_t n = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(fl & names[i].bit))
			continue;
		size_t l = strlen(names[i].name);
		if (n + l + 2 > len)
			break;
		if (n)
			buf[n++] = ',';
		memcpy(buf + n, names[i].name, l);
		n += l;
	}
	if (!n && len > 4)
		memcpy(buf, "none", 5), n = 4;
	buf[n < len ? n : len - 1] = 0;
	return buf;
}

static void ev_to_verdict(const struct tcp_ev *e, struct verdict *v)
{
	char fl[32];
	const char *note = e->note == TCP_EVN_BADRST	  ? " (bad ACK: ignored)"
			   : e->note == TCP_EVN_RETRANS	  ? " (retransmission)"
			   : e->note == TCP_EVN_KEEPALIVE ? " (keep-alive)"
			   : e->note == TCP_EVN_ZEROWIN	  ? " (zero window)"
							  : "";
	if (e->len)
		verdict_evidence(v, e->frame, e->ts, e->dir, "%s len %u%s", flags_str(e->flags, fl, sizeof fl), e->len,
				 note);
	else
		verdict_evidence(v, e->frame, e->ts, e->dir, "%s%s", flags_str(e->flags, fl, sizeof fl), note);
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

void tcp_add_details(const struct flow *f, struct verdict *v)
{
	const struct tcp_state *t = ts_of_c(f);
	char pf[48];
	verdict_str(v, "pf_state", "%s", tcp_pf_states(f, pf, sizeof pf));
	verdict_str(v, "history", "%s", t->hist);
	if (t->handshake_seen && t->side[DIR_C2S].first_syn_ts)
		verdict_num(v, "handshake_s", (double)(t->est_ts - t->side[DIR_C2S].first_syn_ts) / USEC_F);
	verdict_int(v, "client_packets", (long long)f->pkts[DIR_C2S]);
	verdict_int(v, "server_packets", (long long)f->pkts[DIR_S2C]);
	if (t->side[0].retrans || t->side[1].retrans) {
		verdict_int(v, "client_retransmissions", t->side[DIR_C2S].retrans);
		verdict_int(v, "server_retransmissions", t->side[DIR_S2C].retrans);
	}
	if (f->initiator_guessed)
		verdict_bool(v, "started_midstream", true);
	if (t->bad_rsts)
		verdict_int(v, "invalid_resets", t->bad_rsts);
	verdict_pflog(v, &t->pf);
}

static const char *side_name(int dir)
{
	return dir == DIR_C2S ? "client" : "server";
}

static void begin(struct verdict *v, enum verdict_id id, enum severity sev, const struct flow *f)
{
	verdict_begin(v, id, sev, f);
	tcp_add_evidence(f, v);
	tcp_add_details(f, v);
}

/* ---- verdicts ---- */

static void report_refused(struct flow *f, const struct pkt *rst)
{
	struct tcp_state *t = ts_of(f);
	const struct tcp_side *c = &t->side[DIR_C2S];
	struct verdict v;
	begin(&v, V_TCP_REFUSED, SEV_FAIL, f);
	double after = (double)(rst->ts - c->syn_ts) / USEC_F;
	verdict_summary(&v, "connection refused: SYN answered by RST after %.3f s (nothing listening on port %u, or the "
			"service is down)", after, f->sport);
	verdict_num(&v, "rst_after_s", after);
	verdict_int(&v, "syn_frame", c->syn_frame);
	verdict_int(&v, "rst_frame", (long long)rst->frame);
	verdict_int(&v, "rst_ttl", rst->ttl);
	verdict_emit(&v);
	t->reported |= R_REFUSED;
}

static const char *icmp_code_name(const struct pkt *p, bool *admin)
{
	*admin = false;
	if (p->proto == IPPROTO_NUM_ICMP) {
		if (p->icmp_type == 11)
			return "time exceeded (TTL expired in transit: a routing loop?)";
		if (p->icmp_type != 3)
			return "ICMP error";
		switch (p->icmp_code) {
		case 0:
			return "network unreachable";
		case 1:
			return "host unreachable";
		case 2:
			return "protocol unreachable";
		case 3:
			return "port unreachable";
		case 4:
			return "fragmentation needed";
		case 9:
		case 10:
		case 13:
			*admin = true;
			return "administratively prohibited";
		default:
			return "destination unreachable";
		}
	}
	if (p->icmp_type == 1) {
		switch (p->icmp_code) {
		case 0:
			return "no route to destination";
		case 1:
			*admin = true;
			return "administratively prohibited";
		case 3:
			return "address unreachable";
		case 4:
			return "port unreachable";
		case 5:
		case 6:
			*admin = true;
			return "rejected by policy";
		default:
			return "destination unreachable";
		}
	}
	if (p->icmp_type == 3)
		return "time exceeded (hop limit)";
	return "ICMPv6 error";
}

void tcp_icmp(struct flow *f, int dir, const struct pkt *icmp)
{
	struct tcp_state *t = ts_of(f);
	if (t->reported & R_ICMP)
		return;
	/* only errors about the initiator's SYN count as a rejected connection */
	if (dir != DIR_C2S || !t->side[DIR_C2S].syn || t->side[DIR_S2C].synack || t->handshake_seen)
		return;
	if (icmp->quote.has_flags && !(icmp->quote.tcp_flags & TH_SYN))
		return;
	if (icmp->quote.seq != t->side[DIR_C2S].isn)
		return;
	if (icmp->proto == IPPROTO_NUM_ICMPV6 ? icmp->icmp_type == 2 : (icmp->icmp_type == 3 && icmp->icmp_code == 4))
		return; /* packet too big: not a rejection */
	bool admin;
	const char *what = icmp_code_name(icmp, &admin);
	bool from_target = addr_eq(&icmp->src, &f->srv);
	char who[64];
	addr_str(&icmp->src, who, sizeof who);
	struct verdict v;
	begin(&v, V_TCP_ICMP_REJECTED, SEV_FAIL, f);
	verdict_evidence(&v, icmp->frame, icmp->ts, -1, "ICMP%s type %u code %u from %s", icmp->ipver == 6 ? "v6" : "",
			 icmp->icmp_type, icmp->icmp_code, who);
	verdict_summary(&v, "connection rejected with ICMP %s, sent by %s%s", what, who,
			from_target ? " (the target itself)" : " (a router or firewall on the path)");
	verdict_int(&v, "icmp_type", icmp->icmp_type);
	verdict_int(&v, "icmp_code", icmp->icmp_code);
	verdict_str(&v, "icmp_meaning", "%s", what);
	verdict_str(&v, "icmp_from", "%s", who);
	verdict_bool(&v, "from_target", from_target);
	if (admin)
		verdict_remedy(&v, RV_TCP_ICMP_REJECTED_ADMIN);
	verdict_emit(&v);
	t->reported |= R_ICMP;
}

static void report_slow_handshake(struct flow *f)
{
	struct tcp_state *t = ts_of(f);
	const struct tcp_side *c = &t->side[DIR_C2S], *s = &t->side[DIR_S2C];
	double total = (double)(t->est_ts - c->first_syn_ts) / USEC_F;
	bool retried = c->syn_count > 1 || s->syn_count > 1;
	if (!retried && t->est_ts - c->first_syn_ts <= sd_cfg.rtt_warn)
		return;
	struct verdict v;
	begin(&v, V_TCP_SLOW_HANDSHAKE, SEV_WARN, f);
	if (retried)
		verdict_summary(&v, "handshake took %.3f s: %u SYN and %u SYN-ACK sent before it completed", total,
				c->syn_count, s->syn_count);
	else
		verdict_summary(&v, "handshake took %.3f s (threshold %.3f s) with no retransmission: a slow or "
				"distant path, or a slow responder", total, (double)sd_cfg.rtt_warn / USEC_F);
	verdict_int(&v, "syn_sent", c->syn_count);
	verdict_int(&v, "synack_sent", s->syn_count);
	if (s->syn_ts && c->syn_ts)
		verdict_num(&v, "synack_after_s", (double)(s->syn_ts - c->syn_ts) / USEC_F);
	if (!retried)
		verdict_remedy(&v, RV_TCP_SLOW_HANDSHAKE_LONG_RTT);
	verdict_emit(&v);
	t->reported |= R_SLOW;
}

/* quiet: count the attempt in its target's aggregate only (a flow evicted
 * before its SYN timeout, as in a flood: no single verdict for it) */
static void report_syn_unanswered(struct flow *f, ts_usec now, bool ended, bool quiet)
{
	struct tcp_state *t = ts_of(f);
	const struct tcp_side *c = &t->side[DIR_C2S];
	t->reported |= R_SYN_UNANSWERED;
	struct syn_agg *a = syn_agg_slot(&f->srv);
	if (quiet && !a)
		return;
	if (a) {
		a->total++;
		if (quiet)
			a->evicted++;
		if (a->total > SYN_AGG_INDIVIDUAL || quiet) {
			if (!a->attempts) {
				a->first_ts = c->first_syn_ts;
				a->first_frame = c->first_syn_frame;
				a->port_lo = a->port_hi = f->sport;
				a->a_client = f->cli;
				a->a_cport = f->cport;
				a->a_sport = f->sport;
			}
			a->attempts++;
			if (f->sport < a->port_lo)
				a->port_lo = f->sport;
			if (f->sport > a->port_hi)
				a->port_hi = f->sport;
			if (!addr_eq(&a->a_client, &f->cli))
				a->clients_changed++;
			a->last_ts = c->syn_ts;
			a->last_frame = c->syn_frame;
			return;
		}
	}
	double span = (double)(c->syn_ts - c->first_syn_ts) / USEC_F;
	double waited = (double)(now - c->first_syn_ts) / USEC_F;
	char spacing[96] = "";
	/* spacing of retransmissions, from the recorded SYN evidence */
	size_t n = 0;
	ts_usec prev = 0;
	for (unsigned i = 0; i < t->nev_head && n < sizeof spacing - 12; i++) {
		const struct tcp_ev *e = &t->ev_head[i];
		if (e->dir != DIR_C2S || !(e->flags & TH_SYN))
			continue;
		if (prev)
			n += (size_t)snprintf(spacing + n, sizeof spacing - n, "%s%.1f", n ? "," : "",
					      (double)(e->ts - prev) / USEC_F);
		prev = e->ts;
	}
	struct verdict v;
	begin(&v, V_TCP_SYN_UNANSWERED, SEV_FAIL, f);
	if (c->syn_count > 1)
		verdict_summary(&v, "SYN sent %u times over %.1f s (gaps %s s), no SYN-ACK, RST or ICMP came back%s",
				c->syn_count, span, spacing, ended ? " before the capture ended" : "");
	else
		verdict_summary(&v, "SYN got no answer in %.1f s%s", waited,
				ended ? " (until the capture ended)" : "");
	verdict_pflog_note(&v, &t->pf);
	verdict_int(&v, "syn_count", c->syn_count);
	verdict_num(&v, "tried_for_s", span);
	verdict_num(&v, "waited_s", waited);
	if (spacing[0])
		verdict_str(&v, "retransmit_gaps_s", "%s", spacing);
	verdict_str(&v, "possible_causes", "filtered on the way (a firewall rule drops it); the host is down; or the "
					   "SYN-ACK returns by another path that bypasses this capture point");
	verdict_emit(&v);
}

static bool one_sided_evidence(const struct flow *f, int *only_dir, bool *works)
{
	const struct tcp_state *t = ts_of_c(f);
	int only = f->pkts[DIR_S2C] == 0 ? DIR_C2S : f->pkts[DIR_C2S] == 0 ? DIR_S2C : -1;
	if (only < 0)
		return false;
	const struct tcp_side *s = &t->side[only];
	*only_dir = only;
	const struct tcp_side *unseen = &t->side[!only]; /* the side the capture never sees */
	if (only == DIR_C2S) {
		/* the client acknowledges a SYN-ACK this point never saw */
		if (!(t->reported & R_SYNACK_UNSEEN) && !(f->initiator_guessed && s->pkts >= 4 && unseen->acked_unseen))
			return false;
		/* works if the client's ACKs keep moving (server data arrives by
		 * another path); fails if it only repeats itself */
		*works = unseen->acked_unseen > 1 || (s->data_pkts >= 2 && s->retrans < 2);
		if (s->retrans >= 2 && unseen->acked_unseen <= 1)
			*works = false;
		return true;
	}
	/* server side only: a SYN-ACK with no SYN, or server data without its peer */
	if (!s->synack && !(f->initiator_guessed && s->pkts >= 4 && s->data_pkts >= 2))
		return false;
	*works = s->data_pkts >= 2 && s->retrans < 2;
	if (s->syn_count > 2 && !s->data_pkts)
		*works = false;
	return true;
}

static void report_one_sided(struct flow *f, int only, bool works)
{
	struct tcp_state *t = ts_of(f);
	const struct tcp_side *s = &t->side[only];
	struct verdict v;
	begin(&v, V_TCP_ONE_SIDED, works ? SEV_WARN : SEV_FAIL, f);
	if (only == DIR_C2S) {
		if (works)
			verdict_summary(&v, "only client->server packets pass this point, yet the client acknowledges "
					"%llu bytes of server data it received by another path: asymmetric routing "
					"that works", (unsigned long long)t->side[DIR_S2C].acked_unseen);
		else
			verdict_summary(&v, "only client->server packets pass this point; the client %s a SYN-ACK "
					"this point never saw and then repeats itself (%u retransmissions): the return "
					"path bypasses this point and a stateful device drops the rest",
					(t->reported & R_SYNACK_UNSEEN) ? "acknowledged" : "acts on", s->retrans);
	} else {
		if (works)
			verdict_summary(&v, "only server->client packets pass this point (SYN-ACK without SYN): the "
					"client's packets take another path; data flows");
		else
			verdict_summary(&v, "only server->client packets pass this point and the server repeats itself "
					"(%u SYN-ACKs, %u retransmissions): the client's side takes another path and "
					"is not getting through", s->syn_count, s->retrans);
	}
	verdict_str(&v, "seen_direction", "%s", only == DIR_C2S ? "client->server" : "server->client");
	verdict_bool(&v, "connection_works", works);
	verdict_int(&v, "acked_unseen_bytes", (long long)t->side[!only].acked_unseen);
	verdict_emit(&v);
	t->reported |= R_ONE_SIDED;
	counters.one_direction++;
}

static void report_fin_unacked(struct flow *f, int dir, ts_usec now, bool ended)
{
	struct tcp_state *t = ts_of(f);
	const struct tcp_side *s = &t->side[dir];
	struct verdict v;
	begin(&v, V_TCP_FIN_UNACKED, SEV_FAIL, f);
	double waited = (double)(now - s->first_fin_ts) / USEC_F;
	verdict_summary(&v, "the %s's FIN was sent %u times over %.1f s and never acknowledged%s: the %s sits in "
			"FIN_WAIT_1", side_name(dir), s->fin_count, (double)(s->fin_ts - s->first_fin_ts) / USEC_F,
			ended ? " before the capture ended" : "", side_name(dir));
	verdict_str(&v, "fin_side", "%s", side_name(dir));
	verdict_int(&v, "fin_count", s->fin_count);
	verdict_num(&v, "waited_s", waited);
	verdict_int(&v, "first_fin_frame", s->first_fin_frame);
	verdict_emit(&v);
	t->reported |= dir == DIR_C2S ? R_FIN_UNACKED_C : R_FIN_UNACKED_S;
}

static void report_half_closed(struct flow *f, int closer, ts_usec now, bool ended)
{
	struct tcp_state *t = ts_of(f);
	const struct tcp_side *s = &t->side[closer];
	int other = !closer;
	double waited = (double)(now - s->fin_ack_ts) / USEC_F;
	struct verdict v;
	begin(&v, V_TCP_HALF_CLOSED, SEV_WARN, f);
	verdict_summary(&v, "the %s closed its side (FIN acknowledged) but the %s did not close in %.1f s%s: its "
			"application holds the socket in CLOSE_WAIT", side_name(closer), side_name(other), waited,
			ended ? " (until the capture ended)" : "");
	verdict_str(&v, "closed_side", "%s", side_name(closer));
	verdict_str(&v, "open_side", "%s", side_name(other));
	verdict_num(&v, "waited_s", waited);
	verdict_emit(&v);
	t->reported |= R_HALF_CLOSED;
}

static void report_reset(struct flow *f)
{
	struct tcp_state *t = ts_of(f);
	int by = t->side[DIR_C2S].rst ? DIR_C2S : DIR_S2C;
	if (t->side[DIR_C2S].rst && t->side[DIR_S2C].rst)
		by = t->side[DIR_C2S].rst_ts <= t->side[DIR_S2C].rst_ts ? DIR_C2S : DIR_S2C;
	const struct tcp_side *s = &t->side[by];
	bool closing = t->side[0].fin || t->side[1].fin;
	/* beside an application verdict the reset is a supporting fact: the
	 * application verdict carries the severity */
	bool explained = flow_state(f)->app_verdict;
	struct verdict v;
	begin(&v, V_TCP_RESET, closing || explained ? SEV_INFO : SEV_WARN, f);
	verdict_summary(&v, "connection reset by the %s after %llu+%llu bytes of data%s", side_name(by),
			(unsigned long long)t->side[DIR_C2S].data_bytes, (unsigned long long)t->side[DIR_S2C].data_bytes,
			closing ? ", during the close (an abortive close)" : ", with no close before it");
	verdict_str(&v, "reset_by", "%s", side_name(by));
	verdict_int(&v, "rst_frame", s->rst_frame);
	if (closing)
		verdict_remedy(&v, RV_TCP_RESET_CLOSING);
	verdict_emit(&v);
	t->reported |= R_RESET;
}

static void report_ok(struct flow *f)
{
	struct tcp_state *t = ts_of(f);
	struct verdict v;
	/* a healthy flow's evidence is its handshake and its close: the first
	 * three and the last three packets, not the whole exchange */
	begin(&v, V_TCP_OK, SEV_OK, f);
	if (v.nevidence > 6) {
		memmove(&v.ev[3], &v.ev[v.nevidence - 3], 3 * sizeof v.ev[0]);
		v.nevidence = 6;
	}

	verdict_summary(&v, "opened in %.3f s, %llu+%llu bytes, closed cleanly",
			(double)(t->est_ts - t->side[DIR_C2S].first_syn_ts) / USEC_F,
			(unsigned long long)t->side[DIR_C2S].data_bytes, (unsigned long long)t->side[DIR_S2C].data_bytes);
	verdict_int(&v, "client_bytes", (long long)t->side[DIR_C2S].data_bytes);
	verdict_int(&v, "server_bytes", (long long)t->side[DIR_S2C].data_bytes);
	verdict_emit(&v);
	t->reported |= R_OK;
}

static void report_time_wait_reuse(struct flow *f, const char *peer_did)
{
	struct tcp_state *t = ts_of(f);
	struct verdict v;
	begin(&v, V_TCP_TIME_WAIT_REUSE, SEV_WARN, f);
	double gap = (double)(t->side[DIR_C2S].first_syn_ts - t->prev_close_ts) / USEC_F;
	verdict_evidence(&v, t->prev_close_frame, t->prev_close_ts, -1, "previous connection closed");
	verdict_summary(&v, "new SYN on the same 4-tuple %.1f s after the previous connection closed (TIME_WAIT "
			"lasts %.0f s); the server %s", gap, 2.0 * (double)sd_cfg.msl / USEC_F, peer_did);
	verdict_num(&v, "since_close_s", gap);
	verdict_num(&v, "time_wait_s", 2.0 * (double)sd_cfg.msl / USEC_F);
	verdict_str(&v, "peer_response", "%s", peer_did);
	verdict_emit(&v);
	t->reported |= R_TIME_WAIT;
}

/* ---- the tracker ---- */

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

static void restart(struct flow *f, const struct pkt *p)
{
	struct tcp_state *t = ts_of(f);
	ts_usec close_ts;
	uint32_t close_frame;
	close_time(t, &close_ts, &close_frame);
	bool was_closed = t->phase == TCPS_CLOSED && close_ts;
	analyzer_conn_restart(f, p->ts); /* the application analyzers finish first */
	connection_end(f, p->ts, false);
	struct flow_state *fs = flow_state(f);
	fs->app = APP_UNKNOWN;
	fs->app_verdict = false;
	f->want_stream = true;
	memset(t, 0, sizeof *t);
	t->side[0].wscale = t->side[1].wscale = 0xff;
	if (was_closed && p->ts - close_ts < 2 * sd_cfg.msl) {
		t->prev_time_wait = true;
		t->prev_close_ts = close_ts;
		t->prev_close_frame = close_frame;
	}
	counters.flows++;
}

static void track_syn(struct tcp_state *t, int dir, const struct pkt *p, struct tcp_side *me)
{
	bool synack = p->tcp_flags & TH_ACK;
	if ((synack ? me->synack : me->syn) && p->seq == me->isn) {
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
	}
	/* bytes acknowledged that this capture never saw the peer send */
	if (peer->seq_known && seq_gt(ack, peer->seq_next) && (uint32_t)(ack - peer->seq_next) < (1u << 30)) {
		peer->acked_unseen += ack - peer->seq_next;
		peer->seq_next = ack;
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
			report_slow_handshake(f);
		if (t->prev_time_wait && !(t->reported & R_TIME_WAIT))
			report_time_wait_reuse(f, "accepted it (SYN-ACK): no harm this time");
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

static void track_fin(struct flow *f, struct tcp_state *t, int dir, const struct pkt *p)
{
	struct tcp_side *me = &t->side[dir];
	uint32_t fin_seq = p->seq + p->payload_wire_len;
	if (me->fin && fin_seq == me->fin_seq) {
		me->fin_count++;
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
}

void tcp_packet(struct flow *f, int dir, const struct pkt *p)
{
	struct tcp_state *t = ts_of(f);
	if (is_new_connection(t, dir, p))
		restart(f, p);
	struct tcp_side *me = &t->side[dir];
	uint8_t fl = p->tcp_flags;
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
			return;
		}
		record_ev(t, dir, p, TCP_EVN_NONE);
		if (!me->rst) {
			me->rst = true;
			me->rst_ts = p->ts;
			me->rst_frame = (uint32_t)p->frame;
		}
		if (dir == DIR_S2C && t->phase == TCPS_SYN_SENT && !me->synack && !(t->reported & R_REFUSED)) {
			if (t->prev_time_wait && !(t->reported & R_TIME_WAIT))
				report_time_wait_reuse(f, "answered with a reset");
			report_refused(f, p);
		}
		t->phase = TCPS_RESET;
		f->idle_timeout = CLOSED_LINGER;
		return;
	}
	if (fl & TH_SYN) {
		hist_add(t, dir, (fl & TH_ACK) ? 'H' : 'S');
		track_syn(t, dir, p, me);
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
	}
	if (p->win == 0 && !(fl & TH_SYN) && t->phase != TCPS_NONE) {
		me->zero_window = true;
		hist_add(t, dir, 'W');
		if (note == TCP_EVN_NONE)
			note = TCP_EVN_ZEROWIN;
	}
	if (fl & TH_FIN) {
		hist_add(t, dir, 'F');
		track_fin(f, t, dir, p);
	}
	/* the server's answer to a SYN that reused a recently closed 4-tuple */
	if (dir == DIR_S2C && t->prev_time_wait && !(t->reported & R_TIME_WAIT) && !(fl & TH_SYN) &&
	    t->phase == TCPS_SYN_SENT)
		report_time_wait_reuse(f, "answered with an ACK for the old connection (it still holds TIME_WAIT)");
	record_ev(t, dir, p, note);
	if (f->pkts[DIR_S2C] == 0 && (t->phase == TCPS_MIDSTREAM || (t->reported & R_SYNACK_UNSEEN)) &&
	    !(t->reported & R_ONE_SIDED))
		flow_set_deadline(f, p->ts > f->first_ts + SEC(10) ? p->ts + SEC(1) : f->first_ts + SEC(10));
	if (p->opt.mptcp)
		t->mptcp = true;
}

/* Verdicts that are due at time now, whether by deadline or at the end. */
static void evaluate(struct flow *f, ts_usec now, bool ended)
{
	struct tcp_state *t = ts_of(f);
	struct flow_state *fs = flow_state(f);
	const struct tcp_side *c = &t->side[DIR_C2S], *s = &t->side[DIR_S2C];

	/* unanswered SYN: wait at least syn_timeout, and twice the client's last
	 * retransmission gap, so a client still retrying is not cut short */
	if (t->phase == TCPS_SYN_SENT && c->syn && f->pkts[DIR_S2C] == 0 &&
	    !(t->reported & (R_SYN_UNANSWERED | R_ICMP | R_SYNACK_UNSEEN))) {
		ts_usec gap = c->syn_ts - c->first_syn_ts;
		if (c->syn_count > 1)
			gap /= (c->syn_count - 1);
		ts_usec wait = sd_cfg.syn_timeout > 2 * gap ? sd_cfg.syn_timeout : 2 * gap;
		if (now - c->syn_ts >= wait || (ended && c->syn_count >= 2))
			report_syn_unanswered(f, now, ended, false);
		else if (!ended)
			flow_set_deadline(f, c->syn_ts + wait);
	}

	/* one direction only: at the end of the connection; before that only on
	 * strong evidence (the client repeating itself, or ACKing data that
	 * keeps arriving by another path), so a slow peer is not called
	 * asymmetric while the connection is still going on */
	if (!(t->reported & R_ONE_SIDED)) {
		int only;
		bool works;
		if (one_sided_evidence(f, &only, &works)) {
			const struct tcp_side *o = &t->side[only];
			bool strong = only == DIR_C2S && now - f->first_ts >= SEC(10) &&
				      (o->retrans >= 3 || (o->pkts >= 4 && t->side[!only].acked_unseen > 0));
			if (ended || strong)
				report_one_sided(f, only, works);
		}
	}

	for (int d = 0; d < 2; d++) {
		const struct tcp_side *x = &t->side[d];
		uint16_t bit = d == DIR_C2S ? R_FIN_UNACKED_C : R_FIN_UNACKED_S;
		if (x->fin && !x->fin_acked && x->fin_count >= 2 && !(t->reported & (bit | R_ONE_SIDED)) &&
		    !t->side[!d].rst && !x->rst) {
			if (now - x->first_fin_ts >= sd_cfg.fin_timeout || ended)
				report_fin_unacked(f, d, now, ended);
			else
				flow_set_deadline(f, x->first_fin_ts + sd_cfg.fin_timeout);
		}
		const struct tcp_side *y = &t->side[!d];
		if (x->fin && x->fin_acked && !y->fin && !y->rst && !x->rst && !(t->reported & R_HALF_CLOSED)) {
			if (now - x->fin_ack_ts >= sd_cfg.half_close_timeout)
				report_half_closed(f, d, now, ended);
			else if (!ended)
				flow_set_deadline(f, x->fin_ack_ts + sd_cfg.half_close_timeout);
		}
	}
	(void)s;
	(void)fs;
}

void tcp_timer(struct flow *f, ts_usec now)
{
	evaluate(f, now, false);
}

/* The connection in f is over (flow end, or a new connection replaces it). */
static void connection_end(struct flow *f, ts_usec now, bool ended)
{
	struct tcp_state *t = ts_of(f);
	struct flow_state *fs = flow_state(f);
	evaluate(f, now, ended);
	if ((t->side[0].rst || t->side[1].rst) && t->phase == TCPS_RESET &&
	    !(t->reported & (R_REFUSED | R_RESET | R_ICMP)) && (t->handshake_seen || t->phase == TCPS_RESET) &&
	    (t->side[0].data_bytes || t->side[1].data_bytes))
		report_reset(f);
	if (t->prev_time_wait && !(t->reported & R_TIME_WAIT))
		report_time_wait_reuse(f, "did not answer");
	uint16_t bad = R_SYN_UNANSWERED | R_REFUSED | R_ICMP | R_ONE_SIDED | R_FIN_UNACKED_C | R_FIN_UNACKED_S |
		       R_HALF_CLOSED | R_TIME_WAIT | R_SLOW | R_RESET;
	if (!fs->app_verdict && !(t->reported & bad) && t->handshake_seen && t->phase == TCPS_CLOSED)
		report_ok(f);
}

void tcp_flow_end(struct flow *f, int why, ts_usec now)
{
	struct tcp_state *t = ts_of(f);
	if (!t)
		return;
	/* evicted while its SYN was still unanswered: count it for its target */
	if (why == FLOW_END_EVICTED && t->phase == TCPS_SYN_SENT && t->side[DIR_C2S].syn && f->pkts[DIR_S2C] == 0 &&
	    !(t->reported & (R_SYN_UNANSWERED | R_ICMP | R_SYNACK_UNSEEN)))
		report_syn_unanswered(f, now, false, true);
	connection_end(f, now, why == FLOW_END_EOF);
	if (t->phase == TCPS_CLOSED) {
		struct tw_slot *w = &time_wait[f->hash & (TW_SLOTS - 1)];
		w->hash = f->hash;
		close_time(t, &w->close_ts, &w->frame);
	}
	tcp_state_put(t);
	flow_state(f)->tcp = NULL;
}

void tcp_finish(ts_usec now)
{
	(void)now;
	for (unsigned i = 0; i < SYN_AGG_SLOTS; i++) {
		struct syn_agg *a = &syn_agg[i];
		if (!a->used || !a->attempts)
			continue;
		struct verdict v;
		verdict_begin(&v, V_TCP_SYN_UNANSWERED, SEV_FAIL, NULL);
		verdict_endpoints(&v, IPPROTO_NUM_TCP, &a->a_client, a->a_cport, &a->target, a->a_sport);
		verdict_evidence(&v, a->first_frame, a->first_ts, DIR_C2S, "SYN (first of the aggregate)");
		verdict_evidence(&v, a->last_frame, a->last_ts, DIR_C2S, "SYN (last of the aggregate)");
		char tgt[64];
		addr_str(&a->target, tgt, sizeof tgt);
		verdict_summary(&v, "%llu more connection attempts to %s went unanswered (ports %u-%u, %s); reported "
				"as one line", (unsigned long long)a->attempts, tgt, a->port_lo, a->port_hi,
				a->clients_changed ? "from several clients" : "from one client");
		verdict_bool(&v, "aggregate", true);
		verdict_int(&v, "attempts", (long long)a->attempts);
		verdict_int(&v, "individually_reported", SYN_AGG_INDIVIDUAL);
		verdict_int(&v, "port_low", a->port_lo);
		verdict_int(&v, "port_high", a->port_hi);
		if (a->evicted)
			verdict_int(&v, "evicted_before_timeout", (long long)a->evicted);
		verdict_bool(&v, "several_clients", a->clients_changed > 0);
		verdict_remedy(&v, RV_TCP_SYN_UNANSWERED_AGGREGATE);
		verdict_emit(&v);
	}
}

void tcp_fill_summary(struct run_summary *sum)
{
	sum->tcp_flows = counters.flows;
	sum->tcp_midstream = counters.midstream;
	sum->tcp_one_direction = counters.one_direction;
}

void tcp_describe(const struct flow *f, ts_usec now, char *buf, size_t len)
{
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
