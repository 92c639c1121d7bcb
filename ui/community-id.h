/* SPDX-License-Identifier: GPL-2.0-or-later */
/* community-id.h - the Community ID v1 flow hash (what Zeek, Suricata and
 * Elastic write as community_id), for joining our verdicts to their logs. */
#ifndef SHAKEDOWN_COMMUNITY_ID_H
#define SHAKEDOWN_COMMUNITY_ID_H

#include <stdbool.h>
#include <stdint.h>
#include "../capture/packet.h"

/* "1:" + 28 base64 characters + NUL */
#define COMMUNITY_ID_LEN 31

/* For ICMP/ICMPv6 pass the type as sport and the code as dport. Returns
 * false (out untouched) when the addresses are missing or of two families. */
bool community_id_v1(uint16_t seed, uint8_t proto, const struct addr *src, uint16_t sport,
		     const struct addr *dst, uint16_t dport, char out[COMMUNITY_ID_LEN]);

#endif
