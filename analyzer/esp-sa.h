/* SPDX-License-Identifier: GPL-2.0-or-later */
/* esp-sa.h - the ESP SA table (internal to the IKE/ESP analyzer).
 *
 * One entry per (destination address, SPI): that is one direction of a
 * child SA. Plain ESP (IP protocol 50) and ESP-in-UDP (RFC 3948) both land
 * here. Entries come from chunks allocated on demand up to a limit and are
 * recycled least-recently-active first when the table is full. */
#ifndef SHAKEDOWN_ESP_SA_H
#define SHAKEDOWN_ESP_SA_H

#include <stdbool.h>
#include <stdint.h>

#include "../capture/limits.h"
#include "../capture/packet.h"

/* One ESP SA direction: 120 bytes, fields widest first (no holes). Frame
 * numbers are 32-bit, as in the IKE SA and the TCP state (ike-int.h: past
 * 2^32 frames of one file they wrap). */
struct esp_sa {
	uint64_t pkts, bytes;
	ts_usec first_ts, last_ts;
	uint32_t first_frame, last_frame;
	uint32_t spi;
	uint32_t idx;
	uint32_t seq_first, seq_max;
	/* sequence numbers skipped (lost before this point, or reordered):
	 * each jump adds seq - seq_max - 1 and seq_max only grows, so the sum
	 * stays below 2^32 */
	uint32_t gaps;
	/* sequence numbers at or below one already seen (stops at UINT32_MAX,
	 * reached only past 2^32 packets of one SA) */
	uint32_t replays;
	uint32_t hnext;      /* hash chain (index + 1; 0 = end) */
	uint32_t pnext;      /* chain of the address pair's index (index + 1; 0 = end) */
	/* for the IKE analyzer: its peer-pair buckets (+ 1) of (src, dst) and
	 * (dst, src), worked out on the first packet; 0 = not yet */
	uint32_t ike_pair[2];
	struct addr src, dst;
	uint16_t sport, dport; /* UDP ports when encapsulated */
	bool in_use;
	bool udp;            /* ESP-in-UDP */
};
_Static_assert(sizeof(struct esp_sa) == 120, "an ESP SA is 120 bytes");

struct esp_stats {
	uint64_t sas, recycled, table_full, packets;
	struct limit_hit full; /* the table was full: an idle SA was forgotten */
};

void esp_table_init(uint32_t max_sas);
void esp_table_free(void);
/* Account one ESP packet; returns its SA (NULL only when no room at all).
 * `hint` (may be NULL) remembers the SA's index between packets of one
 * flow: it is checked, then used instead of the hash look-up. */
/* Ask the CPU for the ESP SA of a flow's hint (flow_state.app_aux), which
 * a packet a few places ahead will account to (a hint: changes nothing). */
void esp_sa_prefetch(uint32_t hint);
struct esp_sa *esp_account(const struct pkt *p, uint32_t spi, uint32_t seq, bool udp, uint32_t bytes,
			   uint32_t *hint);
/* The SA of (destination, SPI), or NULL. */
const struct esp_sa *esp_find(const struct addr *dst, uint32_t spi);
/* Visit every SA from a to b (either direction) active at or after `since`. */
void esp_foreach_pair(const struct addr *a, const struct addr *b, ts_usec since,
		      void (*fn)(const struct esp_sa *s, void *arg), void *arg);
const struct esp_stats *esp_table_stats(void);

#endif
