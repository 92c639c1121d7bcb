/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike.h - the IKEv1/IKEv2, NAT-T and ESP analyzer. It keeps its own
 * bounded tables of IKE SAs (by SPI pair, across the move from 500 to
 * 4500) and ESP SAs (by address pair and SPI). */
#ifndef SHAKEDOWN_IKE_H
#define SHAKEDOWN_IKE_H

#include "../capture/flow.h"
#include "../capture/limits.h"

struct pkt;

void ike_init(void);
/* Give the SA and ESP tables back (the analyzer's teardown). */
void ike_free(void);
/* Does this UDP packet look like IKE, NAT-T (4500) or a NAT-T keepalive? */
bool ike_claims(const struct pkt *p);
void ike_packet(struct flow *f, int dir, const struct pkt *p);
/* IP protocol 50. */
void esp_packet(struct flow *f, int dir, const struct pkt *p);
/* Ask the CPU for the parts of an IKE SA that an ESP packet updates: an
 * ESP flow keeps the SA its last packet counted for in its app_state, a
 * hint for this only (the SA is looked up again for each packet). */
void ike_sa_prefetch_esp(const void *sa);
/* An ICMP error quoting a UDP datagram of flow f (may be NULL). */
void ike_icmp(struct flow *f, int dir, const struct pkt *icmp);
void ike_tick(ts_usec now);
void ike_flow_end(struct flow *f, int why, ts_usec now);
void ike_finish(ts_usec now);
/* How often the IKE and ESP SA tables were full, and since when. */
void ike_fill_limits(struct limit_hit *ike, struct limit_hit *esp);
void ike_describe(const struct flow *f, ts_usec now, char *buf, size_t len);

#endif
