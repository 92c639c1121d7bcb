/* SPDX-License-Identifier: GPL-2.0-or-later */
/* packet.h - one decoded packet, as every analyzer sees it.
 *
 * decode.c fills a struct pkt from the link layer up to the transport
 * header; analyzers read only this struct and the payload bytes it points
 * at (through a cursor). Nothing here belongs to libpcap or libnids. */
#ifndef SHAKEDOWN_PACKET_H
#define SHAKEDOWN_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Microseconds since the Unix epoch, taken from the capture. */
typedef uint64_t ts_usec;

struct addr {
	uint8_t family; /* 4 or 6; 0 = none */
	uint8_t b[16];  /* IPv4 in b[0..3] */
};

/* pflog header fields kept as packet metadata (pfSense pflog0). */
struct pflog_meta {
	bool present;
	uint8_t action; /* PF_PASS 0, PF_DROP 1, ... */
	uint8_t reason; /* PFRES_* */
	uint8_t dir;    /* 1 in, 2 out */
	uint32_t rulenr;
	uint32_t subrulenr;
	char ifname[17];
	char ruleset[17];
};

enum {
	TH_FIN = 0x01,
	TH_SYN = 0x02,
	TH_RST = 0x04,
	TH_PSH = 0x08,
	TH_ACK = 0x10,
	TH_URG = 0x20,
	TH_ECE = 0x40,
	TH_CWR = 0x80,
};

enum {
	IPPROTO_NUM_ICMP = 1,
	IPPROTO_NUM_TCP = 6,
	IPPROTO_NUM_UDP = 17,
	IPPROTO_NUM_ESP = 50,
	IPPROTO_NUM_ICMPV6 = 58,
};

struct tcp_opts {
	uint16_t mss;      /* 0 = absent */
	uint8_t wscale;
	bool has_wscale;
	bool sack_perm;
	bool has_ts;
	bool mptcp;        /* option 30: a Multipath TCP subflow */
	uint8_t nsack;
	uint32_t tsval, tsecr;
	uint32_t sack[4][2];
};

/* The transport header quoted inside an ICMP error. */
struct icmp_quote {
	bool present;
	uint8_t proto;
	struct addr src, dst;
	uint16_t sport, dport;
	uint32_t seq;      /* TCP sequence of the quoted segment */
	uint8_t tcp_flags; /* only if the quote is long enough; else 0 */
	bool has_flags;
	uint32_t spi;      /* ESP */
};

enum csum_state { CSUM_UNKNOWN = 0, CSUM_GOOD, CSUM_BAD };

struct pkt {
	uint64_t frame;   /* 1-based, as Wireshark counts */
	ts_usec ts;
	uint32_t caplen;  /* bytes in the capture */
	uint32_t wirelen; /* bytes on the wire */
	int linktype;     /* DLT of the source */

	uint8_t nvlan;
	uint16_t vlan[2];
	struct pflog_meta pflog;

	/* network layer */
	uint8_t ipver; /* 0 if not IP */
	struct addr src, dst;
	uint8_t proto; /* transport protocol after IPv6 extension headers */
	uint8_t ttl;   /* TTL or hop limit */
	uint16_t ip_id;
	bool is_fragment;   /* a fragment that is not (yet) reassembled */
	bool frag_first;    /* ... and it is the first one (transport header decoded) */
	bool reassembled;   /* this packet was rebuilt from fragments */
	bool ip_truncated;  /* the capture holds less than the IP length says */
	enum csum_state l4_csum;

	/* transport */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint16_t win;
	struct tcp_opts opt;
	uint8_t icmp_type, icmp_code;
	struct icmp_quote quote;
	uint32_t esp_spi, esp_seq; /* IP protocol 50 */

	/* Transport payload: `payload_len` bytes are in the capture;
	 * `payload_wire_len` is what the headers say was sent. */
	const uint8_t *payload;
	uint32_t payload_len;
	uint32_t payload_wire_len;

	/* The IP header onwards, for handing to libnids. */
	const uint8_t *l3;
	uint32_t l3_len;
};

static inline bool pkt_is_tcp(const struct pkt *p)
{
	return p->ipver && p->proto == IPPROTO_NUM_TCP && !p->is_fragment;
}

static inline bool pkt_is_udp(const struct pkt *p)
{
	return p->ipver && p->proto == IPPROTO_NUM_UDP && !p->is_fragment;
}

static inline bool addr_eq(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family)
		return false;
	for (int i = 0; i < (a->family == 4 ? 4 : 16); i++)
		if (a->b[i] != b->b[i])
			return false;
	return true;
}

int addr_cmp(const struct addr *a, const struct addr *b);
/* "192.0.2.1" or "2001:db8::1"; buf needs 46 bytes. */
const char *addr_str(const struct addr *a, char *buf, size_t len);
/* "192.0.2.1:22" or "[2001:db8::1]:22"; buf needs 56 bytes. */
const char *endpoint_str(const struct addr *a, uint16_t port, char *buf, size_t len);
bool addr_parse(const char *s, struct addr *out);

#endif
