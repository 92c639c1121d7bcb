/* SPDX-License-Identifier: GPL-2.0-or-later */
/* community-id.c - the Community ID flow hash, version 1.
 *
 * Spec: github.com/corelight/community-id-spec (the one Zeek, Suricata,
 * Arkime and Elastic implement). The hash input is, in network byte order:
 * seed (2 bytes), the lower endpoint's address, the higher endpoint's
 * address, the IP protocol (1 byte), one zero byte, then for protocols with
 * ports the lower endpoint's port and the higher one's (2 bytes each). The
 * endpoints are ordered by address, then by port. For ICMP and ICMPv6 the
 * "ports" are the type and code, and a message that has a counterpart
 * (echo request and reply, and the like) is hashed as if the pair were one
 * flow, so both directions get the same id. SHA-1 of that, base64, with a
 * "1:" prefix. */
#include "community-id.h"
#include "analyzer/digest.h"

#include <string.h>
#include <openssl/evp.h>

/* IP protocol numbers (IANA) that carry 16-bit ports or an ICMP type. */
enum {
	CID_ICMP = 1,    /* RFC 792 */
	CID_TCP = 6,     /* RFC 9293 */
	CID_UDP = 17,    /* RFC 768 */
	CID_ICMPV6 = 58, /* RFC 4443 */
	CID_SCTP = 132,  /* RFC 9260 */
};

/* The counterpart of an ICMP type that comes in request/reply pairs, or -1.
 * ICMPv4: echo 8/0, timestamp 13/14, information 15/16, address mask
 * 17/18, router solicitation/advertisement 10/9. */
static int icmp4_peer(int type)
{
	switch (type) {
	case 8: return 0;
	case 0: return 8;
	case 13: return 14;
	case 14: return 13;
	case 15: return 16;
	case 16: return 15;
	case 17: return 18;
	case 18: return 17;
	case 10: return 9;
	case 9: return 10;
	default: return -1;
	}
}

/* ICMPv6: echo 128/129, multicast listener query/report 130/131, router
 * solicitation/advertisement 133/134, neighbor solicitation/advertisement
 * 135/136, who-are-you 139/140 (node information), home agent address
 * discovery 144/145. */
static int icmp6_peer(int type)
{
	switch (type) {
	case 128: return 129;
	case 129: return 128;
	case 130: return 131;
	case 131: return 130;
	case 133: return 134;
	case 134: return 133;
	case 135: return 136;
	case 136: return 135;
	case 139: return 140;
	case 140: return 139;
	case 144: return 145;
	case 145: return 144;
	default: return -1;
	}
}

static size_t addr_bytes(const struct addr *a)
{
	return a->family == 6 ? 16 : 4;
}

bool community_id_v1(uint16_t seed, uint8_t proto, const struct addr *src, uint16_t sport,
		     const struct addr *dst, uint16_t dport, char out[COMMUNITY_ID_LEN])
{
	if (!src->family || src->family != dst->family)
		return false;
	size_t alen = addr_bytes(src);
	bool ports = proto == CID_TCP || proto == CID_UDP || proto == CID_SCTP || proto == CID_ICMP ||
		     proto == CID_ICMPV6;
	bool one_way = false;
	if (proto == CID_ICMP || proto == CID_ICMPV6) {
		/* sport is the type, dport the code; a paired type's code slot
		 * carries the counterpart type instead */
		int peer = proto == CID_ICMP ? icmp4_peer(sport) : icmp6_peer(sport);
		if (peer >= 0)
			dport = (uint16_t)peer;
		else
			one_way = true;
	}
	int c = memcmp(src->b, dst->b, alen);
	bool swap = !one_way && (c > 0 || (c == 0 && ports && sport > dport));
	const struct addr *a = swap ? dst : src, *b = swap ? src : dst;
	uint16_t pa = swap ? dport : sport, pb = swap ? sport : dport;

	uint8_t buf[2 + 16 + 16 + 2 + 4];
	size_t n = 0;
	buf[n++] = (uint8_t)(seed >> 8);
	buf[n++] = (uint8_t)seed;
	memcpy(buf + n, a->b, alen);
	n += alen;
	memcpy(buf + n, b->b, alen);
	n += alen;
	buf[n++] = proto;
	buf[n++] = 0;
	if (ports) {
		buf[n++] = (uint8_t)(pa >> 8);
		buf[n++] = (uint8_t)pa;
		buf[n++] = (uint8_t)(pb >> 8);
		buf[n++] = (uint8_t)pb;
	}
	uint8_t md[DIGEST_MAX];
	if (digest_once(DIGEST_SHA1, buf, n, md) != 20)
		return false;
	out[0] = '1';
	out[1] = ':';
	EVP_EncodeBlock((unsigned char *)out + 2, md, 20); /* 28 characters and a NUL */
	return true;
}
