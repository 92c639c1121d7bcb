/* SPDX-License-Identifier: GPL-2.0-or-later */
/* esp.c - ESP seen from the IKE analyzer: ESP packets (IP protocol 50 and
 * ESP-in-UDP) counted into the ESP SA table (esp-sa.c), ESP summed per IKE
 * SA, and the esp.one_way / esp.missing verdicts. */
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
	char one[80];
	snprintf(one, sizeof(one), "0x%08x %s x%llu%s", s->spi, d == SIDE_I ? "i->r" : "r->i",
		 (unsigned long long)s->pkts, s->udp ? " udp" : "");
	ike_append_once(e->list, sizeof(e->list), one);
}

void esp_summarize(const struct ike_sa *sa, ts_usec since, struct esp_sum *e)
{
	memset(e, 0, sizeof(*e));
	e->sa = sa;
	esp_foreach_pair(&sa->ini, &sa->rsp, since, esp_sum_fn, e);
}

bool ike_saw_esp_since(const struct ike_sa *sa, ts_usec since)
{
	struct esp_sum e;
	esp_summarize(sa, since, &e);
	return e.pkts[0] + e.pkts[1] > 0;
}

/* ESP verdicts for an established IKE SA. */
void ike_check_esp(struct ike_sa *sa, ts_usec now, bool at_end)
{
	if ((sa->reported & (R_ESP | R_DPD)) || !sa->established || !(sa->child_up || sa->qm_done) ||
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
	(void)f;
	(void)dir;
	if (p->is_fragment)
		return;
	ike_tab.esp_plain++;
	uint32_t wire = p->payload_wire_len ? p->payload_wire_len : p->payload_len;
	esp_account(p, p->esp_spi, p->esp_seq, false, wire);
}
