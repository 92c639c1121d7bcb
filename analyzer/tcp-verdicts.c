/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp-verdicts.c - the tcp.* verdicts: the evidence and details every one
 * carries (frames, pf's state pair, history, counts), one report function
 * per verdict, and the per-target aggregation of unanswered SYNs, reported
 * at the end of the capture. tcp.c decides when each is due. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp-int.h"

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
/* slots taken since the last reset: a run that took none neither clears
 * nor scans the table (its 480 KiB stay untouched: a small capture's
 * start and end cost no page faults for it) */
static uint32_t syn_agg_nused;
static struct syn_agg *syn_agg_find(const struct addr *target);
/* the slot found last: a flood or a scan asks for the same target again
 * and again */
static struct syn_agg *syn_agg_last;
static struct limit_hit syn_agg_overflow; /* attempts whose target found no free slot */

/* SYNs the capture ended too soon after: the first few one by one, the
 * rest counted into one line at the end */
static struct {
	uint64_t total;
	uint32_t first_frame, last_frame;
	ts_usec first_ts, last_ts;
} cap_ended;

void tcp_syn_agg_reset(void)
{
	if (syn_agg_nused)
		memset(syn_agg, 0, sizeof syn_agg);
	syn_agg_nused = 0;
	syn_agg_last = NULL;
	memset(&syn_agg_overflow, 0, sizeof syn_agg_overflow);
	syn_agg_overflow.limit = SYN_AGG_SLOTS;
	memset(&cap_ended, 0, sizeof cap_ended);
}

struct limit_hit tcp_syn_agg_limit(void)
{
	return syn_agg_overflow;
}

static struct syn_agg *syn_agg_slot(const struct addr *target)
{
	if (syn_agg_last && addr_eq(&syn_agg_last->target, target))
		return syn_agg_last;
	syn_agg_last = syn_agg_find(target);
	return syn_agg_last;
}

static struct syn_agg *syn_agg_find(const struct addr *target)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 16; i++)
		h = (h ^ target->b[i]) * 16777619u;
	for (uint32_t n = 0; n < SYN_AGG_SLOTS; n++) {
		struct syn_agg *a = &syn_agg[(h + n) & (SYN_AGG_SLOTS - 1)];
		if (!a->used) {
			memset(a, 0, sizeof *a);
			a->used = true;
			syn_agg_nused++;
			a->target = *target;
			return a;
		}
		if (addr_eq(&a->target, target))
			return a;
	}
	return NULL;
}

void tcp_add_details(const struct flow *f, struct verdict *v)
{
	if (verdict_brief(v))
		return;
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

void tcp_report_refused(struct flow *f, const struct pkt *rst)
{
	struct tcp_state *t = tcp_ts_of(f);
	const struct tcp_side *c = &t->side[DIR_C2S];
	struct verdict v;
	begin(&v, V_TCP_REFUSED, SEV_FAIL, f);
	double after = (double)(rst->ts - c->syn_ts) / USEC_F;
	/* This connection holds no packet of the server to compare the reset
	 * with; the server's SYN-ACKs and first data segments in other
	 * connections seen here are the reference. The same stack sends them
	 * and its resets with the same initial TTL over the same hops, so a TTL
	 * outside their range comes from another device. Without a reference nothing is claimed:
	 * a TTL alone (say 64, a hop count of 0 from a Linux default) cannot
	 * tell a firewall next to this point from a server next to it. */
	uint8_t lo, hi;
	bool ref = tcp_server_ttl(&rst->src, &lo, &hi);
	bool forged = ref && (rst->ttl < lo || rst->ttl > hi);
	char ref_ttl[8];
	if (ref && lo == hi)
		snprintf(ref_ttl, sizeof ref_ttl, "%u", lo);
	else if (ref)
		snprintf(ref_ttl, sizeof ref_ttl, "%u-%u", lo, hi);
	if (forged)
		verdict_summary(&v, "connection refused in the server's name: SYN answered by RST after %.3f s, but the "
				"reset's TTL %u is unlike the server's own packets here (TTL %s): a device in the "
				"path, usually the firewall, answered for it", after, rst->ttl, ref_ttl);
	else
		verdict_summary(&v, "connection refused: SYN answered by RST after %.3f s (nothing listening on port "
				"%u, or the service is down)", after, f->sport);
	verdict_num(&v, "rst_after_s", after);
	verdict_int(&v, "syn_frame", c->syn_frame);
	verdict_int(&v, "rst_frame", (long long)rst->frame);
	verdict_int(&v, "rst_ttl", rst->ttl);
	if (ref) {
		verdict_str(&v, "server_synack_ttl", "%s", ref_ttl);
		verdict_bool(&v, "forged_likely", forged);
	}
	if (forged)
		verdict_remedy(&v, RV_TCP_REFUSED_FORGED);
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
	if (flow_state(f)->tcp_closed)
		return; /* about a connection already judged at its close */
	struct tcp_state *t = tcp_ts_of(f);
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
	struct addr srv = flow_srv(f);
	bool from_target = addr_eq(&icmp->src, &srv);
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

void tcp_report_slow_handshake(struct flow *f)
{
	struct tcp_state *t = tcp_ts_of(f);
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

/* The client's SYN times and frames, with the reported bit set, from the
 * compact form if the flow has one (then NULL is returned: it is unpacked
 * only for a verdict of its own), else from the full state (returned). */
struct syn_facts {
	ts_usec first_syn_ts, syn_ts;
	uint32_t first_syn_frame, syn_frame;
};
static struct tcp_state *syn_facts_of(struct flow *f, uint32_t bit, struct syn_facts *sf)
{
	struct tcp_syn_only *so = tcp_syn_only_of(f);
	if (so) {
		so->reported |= (uint16_t)bit;
		*sf = (struct syn_facts){ so->first_syn_ts, so->syn_ts, so->first_syn_frame, so->syn_frame };
		return NULL;
	}
	struct tcp_state *t = tcp_ts_of(f);
	const struct tcp_side *c = &t->side[DIR_C2S];
	t->reported |= bit;
	*sf = (struct syn_facts){ c->first_syn_ts, c->syn_ts, c->first_syn_frame, c->syn_frame };
	return t;
}

/* quiet: count the attempt in its target's aggregate only (a flow evicted
 * before its SYN timeout, as in a flood: no single verdict for it) */
void tcp_report_syn_unanswered(struct flow *f, ts_usec now, bool ended, bool quiet)
{
	struct syn_facts sf;
	struct tcp_state *t = syn_facts_of(f, R_SYN_UNANSWERED, &sf);
	ts_usec first_syn_ts = sf.first_syn_ts, syn_ts = sf.syn_ts;
	uint32_t first_syn_frame = sf.first_syn_frame, syn_frame = sf.syn_frame;
	struct addr srv = flow_srv(f), cli = flow_cli(f);
	struct syn_agg *a = syn_agg_slot(&srv);
	if (!a)
		limit_note(&syn_agg_overflow, first_syn_ts, first_syn_frame);
	if (quiet && !a)
		return;
	if (a) {
		a->total++;
		if (quiet)
			a->evicted++;
		if (a->total > SYN_AGG_INDIVIDUAL || quiet) {
			if (!a->attempts) {
				a->first_ts = first_syn_ts;
				a->first_frame = first_syn_frame;
				a->port_lo = a->port_hi = f->sport;
				a->a_client = cli;
				a->a_cport = f->cport;
				a->a_sport = f->sport;
			}
			a->attempts++;
			if (f->sport < a->port_lo)
				a->port_lo = f->sport;
			if (f->sport > a->port_hi)
				a->port_hi = f->sport;
			if (!addr_eq(&a->a_client, &cli))
				a->clients_changed++;
			a->last_ts = syn_ts;
			a->last_frame = syn_frame;
			return;
		}
	}
	if (!t)
		t = tcp_ts_of(f);
	const struct tcp_side *c = &t->side[DIR_C2S];
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

bool tcp_one_sided_evidence(const struct flow *f, int *only_dir, bool *works)
{
	const struct tcp_state *t = ts_of_c(f);
	int only = f->pkts[DIR_S2C] == 0 ? DIR_C2S : f->pkts[DIR_C2S] == 0 ? DIR_S2C : -1;
	if (only < 0) {
		/* Both directions pass here, yet one side acknowledges what this
		 * point never saw: the SYN-ACK, or more of the peer's bytes than
		 * passed here (a banner did, the rest took another path). */
		for (int d = 0; d < 2; d++) {
			const struct tcp_side *me = &t->side[d], *u = &t->side[!d];
			/* a SYN-ACK alone missing while the server's data passes here
			 * is more likely a gap in the capture than another path */
			bool synack_unseen = d == DIR_C2S && (t->reported & R_SYNACK_UNSEEN) && !u->data_bytes;
			if (!synack_unseen && !(u->acked_unseen >= 512 && u->acked_unseen > u->data_bytes))
				continue;
			*only_dir = d;
			*works = u->acked_unseen > 1 || (me->data_pkts >= 2 && me->retrans < 2);
			return true;
		}
		return false;
	}
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
	/* works if the server's ACKs move over client bytes that took the
	 * other path, or its own data keeps flowing */
	*works = unseen->acked_unseen > 1 || (s->data_pkts >= 2 && s->retrans < 2);
	if (s->syn_count > 2 && !s->data_pkts && unseen->acked_unseen <= 1)
		*works = false;
	return true;
}

void tcp_report_one_sided(struct flow *f, int only, bool works)
{
	struct tcp_state *t = tcp_ts_of(f);
	const struct tcp_side *s = &t->side[only];
	struct verdict v;
	begin(&v, V_TCP_ONE_SIDED, works ? SEV_WARN : SEV_FAIL, f);
	const struct tcp_side *u = &t->side[!only];
	if (f->pkts[!only]) {
		/* some of the other direction passed: the acknowledgements prove the rest did not */
		verdict_summary(&v, "the %s acknowledges %s%llu bytes from the %s that never passed this point, while "
				"only %llu of the %s's packets (%llu bytes) did: most of the %s->%s path bypasses "
				"this point (asymmetric routing, or a one-sided capture)%s", side_name(only),
				(only == DIR_C2S && (t->reported & R_SYNACK_UNSEEN)) ? "a SYN-ACK and " : "",
				(unsigned long long)u->acked_unseen, side_name(!only), (unsigned long long)f->pkts[!only],
				side_name(!only), (unsigned long long)u->data_bytes, side_name(!only), side_name(only),
				works ? "; data flows" : "");
	} else if (only == DIR_C2S) {
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
		if (works && t->side[DIR_C2S].acked_unseen > 1)
			verdict_summary(&v, "only server->client packets pass this point, yet the server acknowledges "
					"%llu bytes from the client it received by another path: asymmetric routing "
					"that works", (unsigned long long)t->side[DIR_C2S].acked_unseen);
		else if (works)
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
	verdict_int(&v, "other_direction_packets", (long long)f->pkts[!only]);
	verdict_emit(&v);
	t->reported |= R_ONE_SIDED;
}

void tcp_report_fin_unacked(struct flow *f, int dir, ts_usec now, bool ended)
{
	struct tcp_state *t = tcp_ts_of(f);
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

void tcp_report_half_closed(struct flow *f, int closer, ts_usec now, bool ended)
{
	struct tcp_state *t = tcp_ts_of(f);
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

/* How a reset compares with the packets its sender sent before it. */
struct rst_print {
	bool ttl_unlike, ip_id_unlike, win_unlike, forged;
	char why[96];
};

static void rst_fingerprint(const struct tcp_side *s, struct rst_print *fp)
{
	memset(fp, 0, sizeof *fp);
	/* the sender's own packets cross the same hops: the same TTL */
	fp->ttl_unlike = s->ttl_known && (s->rst_ttl < s->ttl_min || s->rst_ttl > s->ttl_max);
	/* its IP IDs count up per packet (Linux: per connection); a reset
	 * from the same stack carries the next few, a forged one anything */
	uint16_t step = (uint16_t)(s->rst_ip_id - s->ip_id_last);
	fp->ip_id_unlike = s->ip_id_varies && s->rst_ip_id && step > 256;
	fp->win_unlike = s->rst_win == 0 && s->win_last != 0;
	/* Only the TTL decides: a stack answering for a socket it already
	 * closed (or lost) sends its reset from another socket, with an IP ID
	 * of 0 or from another counter and a zero window, so IP ID and window
	 * alone do not tell a forged reset from the peer's own; they support
	 * a TTL that differs. */
	fp->forged = fp->ttl_unlike;
	size_t n = 0;
	if (fp->ttl_unlike)
		n += (size_t)snprintf(fp->why + n, sizeof fp->why - n, "TTL %u, its packets %u", s->rst_ttl, s->ttl_min);
	if (fp->forged && fp->ip_id_unlike && n < sizeof fp->why)
		n += (size_t)snprintf(fp->why + n, sizeof fp->why - n, "%sIP ID %u, its last %u", n ? "; " : "",
				      s->rst_ip_id, s->ip_id_last);
	if (fp->forged && fp->win_unlike && n < sizeof fp->why)
		snprintf(fp->why + n, sizeof fp->why - n, "; window 0, its own %u", s->win_last);
}

static void rst_fingerprint_details(struct verdict *v, const struct tcp_side *s, const struct rst_print *fp)
{
	verdict_int(v, "rst_ttl", s->rst_ttl);
	if (s->ttl_known) {
		if (s->ttl_min == s->ttl_max)
			verdict_str(v, "sender_ttl", "%u", s->ttl_min);
		else
			verdict_str(v, "sender_ttl", "%u-%u", s->ttl_min, s->ttl_max);
	}
	if (s->ip_id_known) {
		verdict_int(v, "rst_ip_id", s->rst_ip_id);
		verdict_int(v, "sender_last_ip_id", s->ip_id_last);
	}
	verdict_int(v, "rst_window", s->rst_win);
	verdict_bool(v, "ip_id_unlike", fp->ip_id_unlike);
	verdict_bool(v, "forged_likely", fp->forged);
	if (fp->forged)
		verdict_str(v, "fingerprint_mismatch", "%s", fp->why);
}

void tcp_report_reset(struct flow *f)
{
	struct tcp_state *t = tcp_ts_of(f);
	int by = t->side[DIR_C2S].rst ? DIR_C2S : DIR_S2C;
	if (t->side[DIR_C2S].rst && t->side[DIR_S2C].rst)
		by = t->side[DIR_C2S].rst_ts <= t->side[DIR_S2C].rst_ts ? DIR_C2S : DIR_S2C;
	const struct tcp_side *s = &t->side[by];
	bool closing = t->side[0].fin || t->side[1].fin;
	/* A reset during the close is how many applications end quickly: info.
	 * One that cuts a session short stays a warning, whatever the
	 * application analyzer said about the session's start. */
	struct rst_print fp;
	rst_fingerprint(s, &fp);
	struct verdict v;
	begin(&v, V_TCP_RESET, closing && !fp.forged ? SEV_INFO : SEV_WARN, f);
	if (fp.forged)
		verdict_summary(&v, "connection reset in the %s's name after %llu+%llu bytes of data%s, but the reset "
				"does not look like the %s's own packets (%s): a middlebox, usually the firewall, "
				"forged it", side_name(by), (unsigned long long)t->side[DIR_C2S].data_bytes,
				(unsigned long long)t->side[DIR_S2C].data_bytes,
				closing ? ", during the close" : ", with no close before it", side_name(by), fp.why);
	else
		verdict_summary(&v, "connection reset by the %s after %llu+%llu bytes of data%s", side_name(by),
				(unsigned long long)t->side[DIR_C2S].data_bytes,
				(unsigned long long)t->side[DIR_S2C].data_bytes,
				closing ? ", during the close (an abortive close)" : ", with no close before it");
	verdict_str(&v, "reset_by", "%s", side_name(by));
	verdict_int(&v, "rst_frame", s->rst_frame);
	rst_fingerprint_details(&v, s, &fp);
	if (fp.forged)
		verdict_remedy(&v, RV_TCP_RESET_FORGED);
	else if (closing)
		verdict_remedy(&v, RV_TCP_RESET_CLOSING);
	verdict_emit(&v);
	t->reported |= R_RESET;
}

void tcp_report_ok(struct flow *f)
{
	struct tcp_state *t = tcp_ts_of(f);
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

void tcp_report_time_wait_reuse(struct flow *f, const char *peer_did)
{
	struct tcp_state *t = tcp_ts_of(f);
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

static double rel_bytes(const struct tcp_side *x, uint32_t ack)
{
	/* stream bytes the peer acknowledged: from the first data byte */
	return (double)(uint32_t)(ack - x->isn - 1);
}

void tcp_report_stalled(struct flow *f, int dir, ts_usec now, bool acked_here)
{
	struct tcp_state *t = tcp_ts_of(f);
	const struct tcp_side *x = &t->side[dir], *y = &t->side[!dir];
	uint32_t n = acked_here ? x->rtx_acked : x->rtx_unacked;
	ts_usec since = acked_here ? x->first_rtx_acked_ts : x->first_rtx_ts;
	uint32_t since_frame = acked_here ? x->first_rtx_acked_frame : x->first_rtx_frame;
	ts_usec end = now > x->last_rtx_ts ? now : x->last_rtx_ts;
	double for_s = (double)(end - since) / USEC_F;
	/* did the peer still send after the stall began? its packets reach
	 * here, so the path from it works; ours do not reach it */
	bool peer_talks = y->pkts > x->peer_pkts_at_rtx && y->last_ts > since;
	/* with no ACK seen from the peer, count from the first byte seen */
	uint32_t acked = y->ack_known ? y->ack_hi : x->isn + 1;
	uint32_t unacked = seq_gt(x->seq_next, acked) ? x->seq_next - acked : 0;
	struct verdict v;
	begin(&v, V_TCP_STALLED, SEV_FAIL, f);
	char upto[48] = "no ACK from the peer seen here";
	if (y->ack_known)
		snprintf(upto, sizeof upto, "acknowledged up to byte %.0f", rel_bytes(x, acked));
	if (acked_here)
		verdict_summary(&v, "the %s re-sent data %u times over %.1f s that the %s had already acknowledged "
				"here: the %s's ACKs pass this point but never reach the %s", side_name(dir), n,
				for_s, side_name(!dir), side_name(!dir), side_name(dir));
	else
		verdict_summary(&v, "the %s's data stalled%s: re-sent %u times over %.1f s, never acknowledged (%s, "
				"%u bytes outstanding); the %s %s", side_name(dir),
				t->handshake_seen ? " after the handshake" : "", n, for_s, upto, unacked, side_name(!dir),
				peer_talks  ? "kept sending without acknowledging them: they do not reach it"
				: y->pkts ? "sent nothing since: its packets, or the peer itself, are gone"
					    : "sent nothing this point saw: its packets, or the peer itself, are gone");
	verdict_str(&v, "stalled_side", "%s", side_name(dir));
	verdict_int(&v, "retransmissions", n);
	verdict_int(&v, "first_retransmission_frame", since_frame);
	verdict_num(&v, "stalled_for_s", for_s);
	if (x->last_ack_frame)
		verdict_int(&v, "last_ack_frame", x->last_ack_frame);
	if (y->ack_known && x->seq_known)
		verdict_int(&v, "last_acked_byte", (long long)rel_bytes(x, y->ack_hi));
	verdict_int(&v, "peer_packets_seen", (long long)y->pkts);
	verdict_int(&v, "unacked_bytes", unacked);
	verdict_bool(&v, "peer_sent_after", peer_talks);
	verdict_bool(&v, "acked_here", acked_here);
	if (acked_here)
		verdict_remedy(&v, RV_TCP_STALLED_ACKS_LOST);
	verdict_emit(&v);
	t->reported |= R_STALLED;
}

void tcp_report_zero_window(struct flow *f, int dir, ts_usec now)
{
	struct tcp_state *t = tcp_ts_of(f);
	const struct tcp_side *x = &t->side[dir];
	bool cur = x->zw_on;
	double len = (double)(cur ? now - x->zw_ts : x->zw_max_s) / USEC_F;
	uint32_t probes = cur ? x->zw_probes : x->zw_max_probes;
	uint32_t frame = cur ? x->zw_frame : x->zw_max_frame;
	struct verdict v;
	begin(&v, V_TCP_ZERO_WINDOW, SEV_WARN, f);
	verdict_summary(&v, "the %s advertised a zero window for %.1f s%s while the %s probed it %u times: the "
			"%s's application is not reading its socket (flow control, not a network stall)",
			side_name(dir), len, cur ? " (still closed)" : "", side_name(!dir), probes, side_name(dir));
	verdict_str(&v, "zero_window_side", "%s", side_name(dir));
	verdict_num(&v, "zero_window_s", len);
	verdict_int(&v, "zero_window_probes", probes);
	verdict_int(&v, "zero_window_frame", frame);
	verdict_bool(&v, "still_closed", cur);
	verdict_emit(&v);
	t->reported |= R_ZERO_WINDOW;
}

void tcp_report_capture_ended(struct flow *f, ts_usec now)
{
	struct syn_facts sf;
	struct tcp_state *t = syn_facts_of(f, R_CAPTURE_ENDED, &sf);
	ts_usec first_syn_ts = sf.first_syn_ts;
	uint32_t first_syn_frame = sf.first_syn_frame;
	if (++cap_ended.total > SYN_AGG_INDIVIDUAL) {
		if (!cap_ended.first_frame) {
			cap_ended.first_frame = first_syn_frame;
			cap_ended.first_ts = first_syn_ts;
		}
		cap_ended.last_frame = first_syn_frame;
		cap_ended.last_ts = first_syn_ts;
		return;
	}
	if (!t)
		t = tcp_ts_of(f);
	const struct tcp_side *c = &t->side[DIR_C2S];
	double waited = (double)(now - c->first_syn_ts) / USEC_F;
	struct verdict v;
	begin(&v, V_TCP_CAPTURE_ENDED, SEV_INFO, f);
	verdict_summary(&v, "one SYN, then the capture ended %.3f s later, before any answer or retransmission "
			"was due: too soon to tell whether this connection works", waited);
	verdict_num(&v, "waited_s", waited);
	verdict_emit(&v);
}

void tcp_finish(ts_usec now)
{
	(void)now;
	if (cap_ended.total > SYN_AGG_INDIVIDUAL) {
		struct verdict v;
		verdict_begin(&v, V_TCP_CAPTURE_ENDED, SEV_INFO, NULL);
		verdict_evidence(&v, cap_ended.first_frame, cap_ended.first_ts, DIR_C2S, "SYN (first of the rest)");
		verdict_evidence(&v, cap_ended.last_frame, cap_ended.last_ts, DIR_C2S, "SYN (last of the rest)");
		uint64_t more = cap_ended.total - SYN_AGG_INDIVIDUAL;
		verdict_summary(&v, "%llu more connection attempts were cut off by the end of the capture right after "
				"their first SYN; reported as one line", (unsigned long long)more);
		verdict_bool(&v, "aggregate", true);
		verdict_int(&v, "attempts", (long long)more);
		verdict_emit(&v);
	}
	for (unsigned i = 0; syn_agg_nused && i < SYN_AGG_SLOTS; i++) {
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
