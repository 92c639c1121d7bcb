/* SPDX-License-Identifier: GPL-2.0-or-later */
/* esp.c - ESP seen from the IKE analyzer: ESP packets (IP protocol 50 and
 * ESP-in-UDP) counted into the ESP SA table (esp-sa.c), ESP summed per IKE
 * SA, and the esp.one_way / esp.missing verdicts. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike-int.h"

static void esp_sum_fn(const struct esp_sa *s, void *arg)
{
	struct esp_sum *e = arg;
	int d = addr_eq(&s->src, &e->sa->ini) ? SIDE_I : SIDE_R;
	e->pkts[d] += s->pkts;
	e->bytes[d] += s->bytes;
	if (!e->nspi[d] || s->first_ts < e->first_ts[d]) {
		e->first_ts[d] = s->first_ts;
		e->first_frame[d] = s->first_frame;
		e->spi[d] = s->spi;
	}
	if (s->last_ts >= e->last_ts[d]) {
		e->last_ts[d] = s->last_ts;
		e->last_frame[d] = s->last_frame;
	}
	e->nspi[d]++;
	if (s->udp)
		e->udp[d] = true;
	else
		e->plain[d] = true;
	e->gaps += s->gaps;
	e->replays += s->replays;
	if (!e->want_list)
		return;
	char one[80];
	snprintf(one, sizeof(one), "0x%08x %s x%llu%s", s->spi, d == SIDE_I ? "i->r" : "r->i",
		 (unsigned long long)s->pkts, s->udp ? " udp" : "");
	ike_append_once(e->list, sizeof(e->list), one);
}

static void summarize(const struct ike_sa *sa, ts_usec since, struct esp_sum *e, bool want_list)
{
	memset(e, 0, offsetof(struct esp_sum, list));
	e->list[0] = 0;
	e->sa = sa;
	e->want_list = want_list;
	esp_foreach_pair(&sa->ini, &sa->rsp, since, esp_sum_fn, e);
}

void esp_summarize(const struct ike_sa *sa, ts_usec since, struct esp_sum *e)
{
	summarize(sa, since, e, false);
}

void esp_summarize_list(const struct ike_sa *sa, ts_usec since, struct esp_sum *e)
{
	summarize(sa, since, e, true);
}

bool ike_saw_esp_since(const struct ike_sa *sa, ts_usec since)
{
	struct esp_sum e;
	esp_summarize(sa, since, &e);
	return e.pkts[0] + e.pkts[1] > 0;
}

static bool esp_stopped(struct ike_sa *sa, ts_usec now, bool at_end);

/* ESP verdicts for an established IKE SA. */
void ike_check_esp(struct ike_sa *sa, ts_usec now, bool at_end)
{
	if (ike_hs_reached(sa, IKE_HS_UP) && esp_stopped(sa, now, at_end))
		return;
	if ((sa->reported & (R_ESP | R_DPD)) || !ike_hs_reached(sa, IKE_HS_UP) || !(sa->child_up || ike_v1_of(sa)->qm_done) ||
	    sa->esp_two_way)
		return;
	struct esp_sum e;
	esp_summarize(sa, sa->up_ts, &e);
	if (e.pkts[SIDE_I] && e.pkts[SIDE_R]) {
		sa->esp_two_way = true;
		return;
	}
	int from = -1;
	if (e.pkts[SIDE_I] >= 3 && e.pkts[SIDE_R] == 0)
		from = SIDE_I;
	else if (e.pkts[SIDE_R] >= 3 && e.pkts[SIDE_I] == 0)
		from = SIDE_R;
	if (from < 0)
		return;
	if (!at_end && now < e.first_ts[from] + sd_cfg.esp_timeout)
		return;
	sa->reported |= R_ESP;
	bool plain = e.plain[from] && !e.udp[from];
	struct verdict v;
	verdict_begin(&v, plain ? V_ESP_MISSING : V_ESP_ONE_WAY, SEV_FAIL, NULL);
	const struct addr *src = from == SIDE_I ? &sa->ini : &sa->rsp;
	const struct addr *dst = from == SIDE_I ? &sa->rsp : &sa->ini;
	verdict_endpoints(&v, IPPROTO_NUM_ESP, src, 0, dst, 0);
	char sa_s[56], da_s[56];
	addr_str(src, sa_s, sizeof(sa_s));
	addr_str(dst, da_s, sizeof(da_s));
	if (plain)
		verdict_summary(&v, "IKE set up the tunnel, %s sent %llu ESP packets (IP protocol 50) to %s, and no ESP at "
				    "all came back %s: ESP is most likely blocked on the path",
				sa_s, (unsigned long long)e.pkts[from], da_s, at_end ? "until the capture ended" : "");
	else
		verdict_summary(&v, "ESP-in-UDP flows one way only: %s sent %llu packets to %s and nothing came back "
				    "while the IKE SA was up%s",
				sa_s, (unsigned long long)e.pkts[from], da_s, at_end ? " (until the capture ended)" : "");
	verdict_evidence(&v, e.first_frame[from], e.first_ts[from], from == SIDE_I ? DIR_C2S : DIR_S2C,
			 "ESP spi 0x%08x first", e.spi[from]);
	verdict_evidence(&v, e.last_frame[from], e.last_ts[from], from == SIDE_I ? DIR_C2S : DIR_S2C,
			 "ESP x%llu last", (unsigned long long)e.pkts[from]);
	esp_summarize_list(sa, sa->up_ts, &e);
	verdict_str(&v, "esp_sas", "%s", e.list);
	verdict_int(&v, "packets", (long long)e.pkts[from]);
	verdict_int(&v, "bytes", (long long)e.bytes[from]);
	verdict_int(&v, "reverse_packets", 0);
	verdict_bool(&v, "udp_encapsulated", !plain);
	char si[17];
	ike_spi_hex(sa->spi_i, si);
	verdict_str(&v, "ike_spi_i", "%s", si);
	verdict_emit(&v);
}

void esp_packet(struct flow *f, int dir, const struct pkt *p)
{
	(void)dir;
	if (p->is_fragment)
		return;
	ike_tab.esp_plain++;
	uint32_t wire = p->payload_wire_len ? p->payload_wire_len : p->payload_len;
	/* a plain ESP flow is one SPI: its ESP SA is remembered in the flow */
	struct esp_sa *e = esp_account(p, p->esp_spi, p->esp_seq, false, wire, f ? &flow_state(f)->app_aux : NULL);
	struct ike_sa *sa = ike_esp_note(NULL, p, p->esp_spi, e);
	if (f) /* a prefetch hint for the flow's next packet (ike_sa_prefetch_esp) */
		flow_state(f)->app_state = sa;
}

/* One ESP packet (accounted as `e`, may be NULL), for the IKE SA between
 * its two addresses: the SA of its UDP flow (ESP-in-UDP shares the 4500
 * flow with IKE), else the newest SA set up between the two gateways. */
struct ike_sa *ike_esp_note(struct flow *f, const struct pkt *p, uint32_t spi, struct esp_sa *e)
{
	struct ike_sa *sa = f ? flow_state(f)->app_state : NULL;
	if (sa && (!sa->in_use || !((addr_eq(&sa->ini, &p->src) && addr_eq(&sa->rsp, &p->dst)) ||
				      (addr_eq(&sa->rsp, &p->src) && addr_eq(&sa->ini, &p->dst)))))
		sa = NULL;
	if (!sa)
		sa = ike_sa_between_esp(e, p);
	if (!sa)
		return NULL;
	int s = addr_eq(&p->src, &sa->ini) ? SIDE_I : SIDE_R;
	sa->esp_n[s]++;
	sa->esp_last[s] = p->ts;
	sa->esp_last_frame[s] = (uint32_t)p->frame;
	sa->esp_spi_last[s] = spi;
	sa->esp_run[1 - s] = 0;
	if (sa->esp_n[1 - s] && sa->esp_run[s]++ == 0) {
		sa->esp_run_first[s] = p->ts;
		sa->esp_run_frame[s] = (uint32_t)p->frame;
	}
	return sa;
}

/* Both directions flowed, then one went on sending for a while with
 * nothing back: the reverse stopped (a rule, a state that expired, a
 * child SA one peer deleted). Needs several packets and seconds of
 * silence, at the end of the capture or for esp_timeout. */
#define ESP_STOP_PKTS 4
#define ESP_STOP_GAP SEC(2)

static bool esp_stopped(struct ike_sa *sa, ts_usec now, bool at_end)
{
	if (sa->reported & (R_ESP_STOP | R_DPD))
		return false;
	for (int from = 0; from < 2; from++) {
		int o = 1 - from;
		if (!sa->esp_n[o] || sa->esp_run[from] < ESP_STOP_PKTS ||
		    sa->esp_last[from] < sa->esp_last[o] + ESP_STOP_GAP)
			continue;
		ts_usec gap = (at_end ? sa->esp_last[from] : now) - sa->esp_last[o];
		if (!at_end && gap < sd_cfg.esp_timeout)
			continue;
		sa->reported |= R_ESP_STOP;
		struct verdict v;
		verdict_begin(&v, V_ESP_ONE_WAY, SEV_FAIL, NULL);
		const struct addr *src = from == SIDE_I ? &sa->ini : &sa->rsp;
		const struct addr *dst = from == SIDE_I ? &sa->rsp : &sa->ini;
		verdict_endpoints(&v, IPPROTO_NUM_ESP, src, 0, dst, 0);
		char sa_s[56], da_s[56], when[40];
		addr_str(src, sa_s, sizeof(sa_s));
		addr_str(dst, da_s, sizeof(da_s));
		ts_iso(sa->esp_last[o], when, sizeof(when));
		verdict_summary(&v, "ESP flowed both ways until %s stopped at %s (%.1f s after the SA came up, SPI "
				    "0x%08x); %s then sent %u packets over %.1f s into SPI 0x%08x with nothing back%s: the way "
				    "back is dropped, or one peer's child SA is gone",
				da_s, when, ike_secs(sa->esp_last[o] - sa->up_ts), sa->esp_spi_last[o], sa_s, sa->esp_run[from],
				ike_secs(sa->esp_last[from] - sa->esp_run_first[from]), sa->esp_spi_last[from],
				at_end ? " until the capture ended" : "");
		verdict_evidence(&v, sa->esp_last_frame[o], sa->esp_last[o], from == SIDE_I ? DIR_S2C : DIR_C2S,
				 "last ESP back spi 0x%08x", sa->esp_spi_last[o]);
		verdict_evidence(&v, sa->esp_run_frame[from], sa->esp_run_first[from], from == SIDE_I ? DIR_C2S : DIR_S2C,
				 "ESP with no answer, first");
		verdict_evidence(&v, sa->esp_last_frame[from], sa->esp_last[from], from == SIDE_I ? DIR_C2S : DIR_S2C,
				 "ESP x%u unanswered, last", sa->esp_run[from]);
		struct esp_sum e;
		esp_summarize_list(sa, sa->up_ts, &e);
		if (e.list[0])
			verdict_str(&v, "esp_sas", "%s", e.list);
		verdict_int(&v, "packets", (long long)sa->esp_n[from]);
		verdict_int(&v, "bytes", (long long)e.bytes[from]);
		verdict_int(&v, "reverse_packets", (long long)sa->esp_n[o]);
		verdict_num(&v, "stopped_at", ike_secs(sa->esp_last[o]));
		verdict_num(&v, "silent_for_s", ike_secs(gap));
		verdict_int(&v, "packets_after_stop", sa->esp_run[from]);
		verdict_str(&v, "spi_sending", "0x%08x", sa->esp_spi_last[from]);
		verdict_str(&v, "spi_stopped", "0x%08x", sa->esp_spi_last[o]);
		verdict_bool(&v, "udp_encapsulated", e.udp[from]);
		char si[17];
		ike_spi_hex(sa->spi_i, si);
		verdict_str(&v, "ike_spi_i", "%s", si);
		verdict_remedy(&v, RV_ESP_ONE_WAY_STOPPED);
		verdict_emit(&v);
		return true;
	}
	return false;
}
