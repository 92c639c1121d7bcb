/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decode.h - link-layer, IP and transport decoding into struct pkt.
 *
 * decode.c knows every link type shakedown accepts; it reads only through
 * cursors and never past the captured length. */
#ifndef SHAKEDOWN_DECODE_H
#define SHAKEDOWN_DECODE_H

#include "packet.h"

/* Link types, by their DLT_ values as libpcap reports them. */
enum {
	LINK_NULL = 0,
	LINK_EN10MB = 1,
	LINK_PPP = 9,
	LINK_ATM_RFC1483 = 11, /* LLC/SNAP over ATM (file linktype 100) */
	LINK_RAW = 12,
	LINK_RAW_OPENBSD = 14,
	LINK_PPP_SERIAL = 50, /* PPP in HDLC-like framing, or Cisco HDLC */
	LINK_PPP_ETHER = 51,  /* PPPoE session header, no Ethernet */
	LINK_C_HDLC = 104,
	LINK_IEEE802_11 = 105,
	LINK_LOOP = 108,
	LINK_ENC = 109,
	LINK_LINUX_SLL = 113,
	LINK_PFLOG = 117,
	LINK_IEEE802_11_RADIO = 127, /* radiotap + 802.11 */
	LINK_PPP_WITH_DIR = 204,
	LINK_IPNET = 226, /* Solaris ipnet */
	LINK_IPV4 = 228,
	LINK_IPV6 = 229,
	LINK_NFLOG = 239,
	LINK_IPOIB = 242, /* IP over InfiniBand, RFC 4391 section 6 */
	LINK_PKTAP = 258, /* Apple pktap: a header naming the inner link type */
	LINK_LINUX_SLL2 = 276,
};

enum decode_result {
	DECODE_OK = 0,     /* an IP packet, decoded as far as it goes */
	DECODE_NOT_IP,     /* ARP, LLDP, ...: not for us */
	DECODE_MALFORMED,  /* a header lies or is cut short */
};

struct decode_stats {
	uint64_t not_ip;
	uint64_t malformed;
	uint64_t ip_truncated; /* IP datagrams cut by the snaplen */
	uint64_t checksum_checked;
	uint64_t checksum_bad;
	uint64_t fragments;
	uint64_t ipv6_fragments; /* not reassembled */
	uint32_t checksum_skip;  /* past 20000 checks, only every 16th is checked */
};

bool decode_link_supported(int linktype);
/* Decoding keeps no state of its own: its counters are the caller's
 * (one struct decode_stats per run, in the engine's context). */
/* Decode one frame. p->frame, ts, caplen, wirelen must be set already. */
enum decode_result decode_frame(struct decode_stats *ds, int linktype, const uint8_t *data, uint32_t caplen, struct pkt *p);
/* Decode an IP packet (v4 or v6) starting at data; used by decode_frame
 * and for datagrams reassembled from fragments. */
enum decode_result decode_ip(struct decode_stats *ds, const uint8_t *data, uint32_t len, uint32_t wire_len, struct pkt *p);

#endif
