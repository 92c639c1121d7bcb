/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wire.h - numbers as they appear on the wire, named, each with the RFC
 * that defines it, and the one walk over IPv6 extension headers. capture/
 * decodes with these; analyzer/ may use them too (ICMP types and codes). */
#ifndef SHAKEDOWN_WIRE_H
#define SHAKEDOWN_WIRE_H

#include <stdbool.h>
#include <stdint.h>
#include "cursor.h"

/* IPv6 next-header values that are extension headers (RFC 8200 section 4,
 * and the IANA "IPv6 Extension Header Types" registry). */
enum {
	IP6_NH_HOPOPTS = 0,    /* Hop-by-Hop Options, RFC 8200 4.3 */
	IP6_NH_ROUTING = 43,   /* Routing, RFC 8200 4.4 */
	IP6_NH_FRAGMENT = 44,  /* Fragment, RFC 8200 4.5 (fixed 8 bytes) */
	IP6_NH_AH = 51,        /* Authentication Header, RFC 4302 (length in 4-byte units, minus 2) */
	IP6_NH_NONE = 59,      /* No Next Header, RFC 8200 4.7 */
	IP6_NH_DSTOPTS = 60,   /* Destination Options, RFC 8200 4.6 */
	IP6_NH_MOBILITY = 135, /* Mobility, RFC 6275 */
	IP6_NH_HIP = 139,      /* Host Identity Protocol, RFC 7401 */
	IP6_NH_SHIM6 = 140,    /* Shim6, RFC 5533 */
};

/* ICMP (RFC 792) types and the codes shakedown reads. */
enum {
	ICMP4_UNREACH = 3,          /* Destination Unreachable, RFC 792 */
	ICMP4_SOURCE_QUENCH = 4,    /* RFC 792, deprecated by RFC 6633 */
	ICMP4_TIME_EXCEEDED = 11,   /* RFC 792 */
	ICMP4_PARAM_PROBLEM = 12,   /* RFC 792 */
	ICMP4_UNREACH_PORT = 3,     /* code: port unreachable, RFC 792 */
	ICMP4_UNREACH_NEEDFRAG = 4, /* code: fragmentation needed and DF set, RFC 792 / RFC 1191 */
};

/* ICMPv6 (RFC 4443) error types; 1..127 are errors (RFC 4443 2.1). */
enum {
	ICMP6_UNREACH = 1,        /* Destination Unreachable, RFC 4443 3.1 */
	ICMP6_PACKET_TOO_BIG = 2, /* RFC 4443 3.2 */
	ICMP6_TIME_EXCEEDED = 3,  /* RFC 4443 3.3 */
	ICMP6_PARAM_PROBLEM = 4,  /* RFC 4443 3.4 */
	ICMP6_UNREACH_PORT = 4,   /* code: port unreachable, RFC 4443 3.1 */
};

/* TCP option kinds (IANA "TCP Option Kind Numbers"). */
enum {
	TCPOPT_EOL = 0,       /* End of Option List, RFC 9293 3.2 */
	TCPOPT_NOP = 1,       /* No-Operation, RFC 9293 3.2 */
	TCPOPT_MSS = 2,       /* Maximum Segment Size, RFC 9293 3.2 (length 4) */
	TCPOPT_WSCALE = 3,    /* Window Scale, RFC 7323 2.2 (length 3) */
	TCPOPT_SACK_PERM = 4, /* SACK Permitted, RFC 2018 2 */
	TCPOPT_SACK = 5,      /* SACK blocks, RFC 2018 3 */
	TCPOPT_TIMESTAMP = 8, /* Timestamps, RFC 7323 3.2 (length 10) */
	TCPOPT_MPTCP = 30,    /* Multipath TCP, RFC 8684 */
};

/* Is next-header value nh an IPv6 extension header we can step over? */
static inline bool ipv6_ext_header(uint8_t nh)
{
	return nh == IP6_NH_HOPOPTS || nh == IP6_NH_ROUTING || nh == IP6_NH_FRAGMENT || nh == IP6_NH_DSTOPTS ||
	       nh == IP6_NH_AH || nh == IP6_NH_MOBILITY || nh == IP6_NH_HIP || nh == IP6_NH_SHIM6;
}

/* One IPv6 extension header, as ipv6_ext_step read it. */
struct ipv6_ext {
	uint8_t next;       /* the next header's type */
	bool fragment;      /* a Fragment header: the fields below are set */
	uint16_t frag_off;  /* fragment offset in bytes (a multiple of 8) */
	bool more;          /* the M flag: more fragments follow */
	uint32_t frag_id;
};

/* Read extension header of type nh at the cursor and step over it; the
 * cursor's error latches if it does not fit. The one copy of this walk:
 * decode_ipv6 and the ICMPv6 quote parser both use it. */
static inline bool ipv6_ext_step(struct cursor *c, uint8_t nh, struct ipv6_ext *e)
{
	e->next = cursor_u8(c);
	uint8_t hl = cursor_u8(c);
	e->fragment = false;
	e->frag_off = 0;
	e->more = false;
	e->frag_id = 0;
	if (nh == IP6_NH_FRAGMENT) {
		uint16_t fo = cursor_be16(c);
		e->frag_id = cursor_be32(c);
		e->fragment = true;
		e->frag_off = fo & 0xfff8;
		e->more = fo & 1;
	} else if (nh == IP6_NH_AH) {
		cursor_skip(c, (size_t)(hl + 2) * 4 - 2);
	} else {
		cursor_skip(c, (size_t)hl * 8 + 6);
	}
	return cursor_ok(c);
}

#endif
