/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.h - analyzer thresholds and limits, set from the command line.
 * Times are in microseconds of packet time. */
#ifndef SHAKEDOWN_CONFIG_H
#define SHAKEDOWN_CONFIG_H

#include <stdint.h>
#include "../capture/packet.h"

#define SEC(x) ((ts_usec)((x) * 1000000.0))

struct sd_config {
	ts_usec syn_timeout;        /* SYN with no answer for this long: unanswered */
	ts_usec rtt_warn;           /* handshake RTT above this: slow */
	ts_usec fin_timeout;        /* FIN not ACKed for this long: fin_unacked */
	ts_usec half_close_timeout; /* peer never closes after an ACKed FIN */
	ts_usec msl;                /* maximum segment lifetime; TIME_WAIT = 2*MSL */
	ts_usec ssh_timeout;        /* the client's handshake timeout (ssh2 readyTimeout) */
	ts_usec banner_timeout;     /* no server identification for this long: stall */
	ts_usec ike_timeout;        /* IKE request unanswered for this long */
	ts_usec esp_timeout;        /* one-way ESP for this long */
	ts_usec idle_timeout;       /* flow table idle eviction */
	uint32_t max_flows;
	uint32_t max_ssh;           /* SSH sessions tracked at once */
	uint32_t max_ike;           /* IKE SAs tracked at once */
	int verbose;
};

extern struct sd_config sd_cfg;
void config_defaults(struct sd_config *c);

#endif
