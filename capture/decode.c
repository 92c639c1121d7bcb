/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decode.c - from a captured frame to struct pkt: link layers (Ethernet
 * with VLAN/QinQ/PPPoE, Linux cooked v1/v2, raw IP, BSD loopback, pflog,
 * enc, nflog), IPv4, IPv6 with extension headers, TCP, UDP, ICMP, ICMPv6
 * and ESP. Every byte is read through a cursor. */
#include "decode.h"
#include "cursor.h"
#include "util.h"
#include "wire.h"

#include <string.h>


enum {
	ETH_IPV4 = 0x0800,
	ETH_IPV6 = 0x86dd,
	ETH_VLAN = 0x8100,
	ETH_QINQ = 0x88a8,
	ETH_QINQ_OLD = 0x9100,
	ETH_PPPOE_SESS = 0x8864,
	PPP_IPV4 = 0x0021,
	PPP_IPV6 = 0x0057,
};

bool decode_link_supported(int lt)
{
	switch (lt) {
	case LINK_NULL:
	case LINK_EN10MB:
	case LINK_RAW:
	case LINK_RAW_OPENBSD:
	case LINK_LOOP:
	case LINK_ENC:
	case LINK_LINUX_SLL:
	case LINK_PFLOG:
	case LINK_IPV4:
	case LINK_IPV6:
	case LINK_NFLOG:
	case LINK_LINUX_SLL2:
	case LINK_PPP:
	case LINK_ATM_RFC1483:
	case LINK_PPP_SERIAL:
	case LINK_PPP_ETHER:
	case LINK_C_HDLC:
	case LINK_IEEE802_11:
	case LINK_IEEE802_11_RADIO:
	case LINK_PPP_WITH_DIR:
	case LINK_IPNET:
	case LINK_IPOIB:
	case LINK_PKTAP:
		return true;
	default:
		return false;
	}
}

/* BSD address family values for IPv6 differ by OS. */
static int af_to_ipver(uint32_t af)
{
	switch (af) {
	case 2:
		return 4;
	case 10: /* Linux */
	case 24: /* OpenBSD, NetBSD */
	case 28: /* FreeBSD, pfSense */
	case 30: /* macOS */
		return 6;
	default:
		return 0;
	}
}

static enum decode_result decode_by_ethertype(struct decode_stats *ds, uint16_t type, struct cursor *c, uint32_t wire_left, struct pkt *p)
{
	if (type == ETH_IPV4 || type == ETH_IPV6)
		return decode_ip(ds, cursor_here(c), (uint32_t)cursor_left(c), wire_left, p);
	ds->not_ip++;
	return DECODE_NOT_IP;
}

/* What follows at c, as the rest of a frame of wirelen bytes on the wire. */
static enum decode_result decode_rest(struct decode_stats *ds, uint16_t type, struct cursor *c, uint32_t wirelen,
				      struct pkt *p)
{
	if (!cursor_ok(c))
		return DECODE_MALFORMED;
	uint32_t hdr = (uint32_t)c->off;
	return decode_by_ethertype(ds, type, c, wirelen > hdr ? wirelen - hdr : 0, p);
}

/* A PPP protocol field (RFC 1661; an odd first byte is a compressed,
 * one-byte protocol), as an Ethertype for IP, or 0. */
static uint16_t ppp_proto_ethertype(struct cursor *c)
{
	uint16_t proto = cursor_u8(c);
	if (!(proto & 1))
		proto = (uint16_t)(proto << 8 | cursor_u8(c));
	return proto == PPP_IPV4 ? ETH_IPV4 : proto == PPP_IPV6 ? ETH_IPV6 : 0;
}

/* PPP, with or without the HDLC-like address and control bytes (ff 03). */
static enum decode_result decode_ppp(struct decode_stats *ds, struct cursor *c, uint32_t wirelen, struct pkt *p)
{
	struct cursor peek = *c;
	const uint8_t *b = cursor_bytes(&peek, 2);
	if (!b)
		return DECODE_MALFORMED;
	if (b[0] == 0xff && b[1] == 0x03)
		*c = peek; /* else no framing bytes: the protocol starts here */
	return decode_rest(ds, ppp_proto_ethertype(c), c, wirelen, p);
}

/* Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control 0, Ethertype. */
static enum decode_result decode_chdlc(struct decode_stats *ds, struct cursor *c, uint32_t wirelen, struct pkt *p)
{
	cursor_skip(c, 2);
	uint16_t type = cursor_be16(c);
	return decode_rest(ds, type, c, wirelen, p);
}

/* An LLC/SNAP header with the zero OUI carries an Ethertype (802.11 data,
 * ATM RFC 1483); any other LLC is not IP for us. */
static enum decode_result decode_llc_snap(struct decode_stats *ds, struct cursor *c, uint32_t wirelen, struct pkt *p)
{
	const uint8_t *llc = cursor_bytes(c, 6);
	uint16_t type = cursor_be16(c);
	if (!cursor_ok(c))
		return DECODE_MALFORMED;
	if (!(llc[0] == 0xaa && llc[1] == 0xaa && llc[2] == 0x03 && llc[3] == 0 && llc[4] == 0 && llc[5] == 0)) {
		ds->not_ip++;
		return DECODE_NOT_IP;
	}
	return decode_rest(ds, type, c, wirelen, p);
}

/* An 802.11 frame: only unprotected data frames carry IP we can read. */
static enum decode_result decode_80211(struct decode_stats *ds, struct cursor *c, uint32_t wirelen, struct pkt *p)
{
	uint8_t fc0 = cursor_u8(c), fc1 = cursor_u8(c);
	if (!cursor_ok(c))
		return DECODE_MALFORMED;
	uint8_t type = (fc0 >> 2) & 3, subtype = fc0 >> 4;
	if (type != 2 || (subtype & 4) || (fc1 & 0x40)) { /* not data, no data (null), or protected */
		ds->not_ip++;
		return DECODE_NOT_IP;
	}
	size_t hdr = 24 - 2; /* duration, three addresses, sequence control */
	if ((fc1 & 3) == 3)
		hdr += 6; /* a fourth address between two distribution systems */
	if (subtype & 8)
		hdr += 2; /* QoS control */
	if ((subtype & 8) && (fc1 & 0x80))
		hdr += 4; /* HT control, signalled by the Order bit in QoS frames */
	if (!cursor_skip(c, hdr))
		return DECODE_MALFORMED;
	return decode_llc_snap(ds, c, wirelen, p);
}

static enum decode_result decode_ethernet(struct decode_stats *ds, struct cursor *c, uint32_t wirelen, struct pkt *p)
{
	if (!cursor_skip(c, 12))
		return DECODE_MALFORMED;
	uint16_t type = cursor_be16(c);
	/* At most two VLAN tags (802.1Q, QinQ); deeper stacks are malformed for us. */
	while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
		uint16_t tci = cursor_be16(c);
		type = cursor_be16(c);
		if (!cursor_ok(c))
			return DECODE_MALFORMED;
		if (p->nvlan >= 2)
			return DECODE_MALFORMED;
		p->vlan[p->nvlan++] = tci & 0x0fff;
	}
	if (type == ETH_PPPOE_SESS) {
		uint8_t vt = cursor_u8(c);
		cursor_u8(c); /* code */
		cursor_be16(c); /* session id */
		cursor_be16(c); /* payload length */
		/* PPP protocol field compression (RFC 1661): an odd first byte is
		 * the whole protocol number */
		uint16_t proto = cursor_u8(c);
		if (!(proto & 1))
			proto = (uint16_t)(proto << 8 | cursor_u8(c));
		if (!cursor_ok(c) || vt != 0x11)
			return DECODE_MALFORMED;
		if (proto == PPP_IPV4)
			type = ETH_IPV4;
		else if (proto == PPP_IPV6)
			type = ETH_IPV6;
		else {
			ds->not_ip++;
			return DECODE_NOT_IP;
		}
	}
	if (!cursor_ok(c))
		return DECODE_MALFORMED;
	uint32_t hdr = (uint32_t)c->off;
	return decode_by_ethertype(ds, type, c, wirelen > hdr ? wirelen - hdr : 0, p);
}

/* pf writes interface and ruleset names as printable ASCII padded with
 * NULs; anything else in those 16 bytes did not come from pf. Each byte of
 * the name that is not printable ASCII (0x21-0x7e) becomes '?', so no
 * report ever carries it. */
static void pflog_name_clean(char *name, size_t len)
{
	for (size_t i = 0; i < len && name[i]; i++)
		if ((unsigned char)name[i] <= 0x20 || (unsigned char)name[i] >= 0x7f)
			name[i] = '?';
}

static enum decode_result decode_pflog(struct decode_stats *ds, struct cursor *c, uint32_t wirelen, struct pkt *p)
{
	uint8_t hlen = cursor_u8(c);
	uint8_t af = cursor_u8(c);
	p->pflog.action = cursor_u8(c);
	p->pflog.reason = cursor_u8(c);
	cursor_copy(c, p->pflog.ifname, 16);
	cursor_copy(c, p->pflog.ruleset, 16);
	p->pflog.rulenr = cursor_be32(c);
	p->pflog.subrulenr = cursor_be32(c);
	cursor_skip(c, 16); /* uid, pid, rule_uid, rule_pid */
	p->pflog.dir = cursor_u8(c);
	if (!cursor_ok(c) || hlen < 61)
		return DECODE_MALFORMED;
	p->pflog.ifname[16] = 0;
	p->pflog.ruleset[16] = 0;
	pflog_name_clean(p->pflog.ifname, 16);
	pflog_name_clean(p->pflog.ruleset, 16);
	p->pflog.present = true;
	uint32_t padded = ((uint32_t)hlen + 3u) & ~3u;
	struct cursor ip = cursor_make(c->p, c->len);
	if (!cursor_skip(&ip, padded))
		return DECODE_MALFORMED;
	int v = af_to_ipver(af);
	if (!v) {
		ds->not_ip++;
		return DECODE_NOT_IP;
	}
	return decode_ip(ds, cursor_here(&ip), (uint32_t)cursor_left(&ip), wirelen > padded ? wirelen - padded : 0, p);
}

/* Linux NFLOG: 4-byte header, then TLVs (host-order lengths, 4-aligned). */
static enum decode_result decode_nflog(struct decode_stats *ds, struct cursor *c, uint32_t wirelen, struct pkt *p)
{
	(void)wirelen;
	cursor_u8(c); /* family */
	if (cursor_u8(c) != 0 || !cursor_skip(c, 2))
		return DECODE_MALFORMED;
	for (int guard = 0; guard < 64 && cursor_left(c) >= 4; guard++) {
		uint16_t tlen = cursor_le16(c);
		uint16_t ttype = cursor_le16(c);
		if (tlen < 4)
			return DECODE_MALFORMED;
		struct cursor v = cursor_sub(c, tlen - 4u);
		if (ttype == 9) /* NFULA_PAYLOAD: its TLV length is the packet's */
			return decode_ip(ds, v.p, (uint32_t)v.len, tlen - 4u, p);
		cursor_skip(c, ((tlen + 3u) & ~3u) - tlen);
		if (!cursor_ok(c))
			return DECODE_MALFORMED;
	}
	ds->not_ip++;
	return DECODE_NOT_IP;
}

enum decode_result decode_frame(struct decode_stats *ds, int lt, const uint8_t *data, uint32_t caplen, struct pkt *p)
{
	struct cursor c = cursor_make(data, caplen);
	uint32_t wl = p->wirelen;
	p->linktype = lt;
	switch (lt) {
	case LINK_EN10MB:
		return decode_ethernet(ds, &c, wl, p);
	case LINK_RAW:
	case LINK_RAW_OPENBSD:
	case LINK_IPV4:
	case LINK_IPV6:
		return decode_ip(ds, data, caplen, wl, p);
	case LINK_NULL:
	case LINK_LOOP: {
		uint8_t b[4];
		if (!cursor_copy(&c, b, 4))
			return DECODE_MALFORMED;
		/* NULL is host order of the capturing machine: try both. */
		uint32_t be = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
		uint32_t le = (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
		int v = af_to_ipver(lt == LINK_LOOP ? be : (be < 256 ? be : le));
		if (!v) {
			ds->not_ip++;
			return DECODE_NOT_IP;
		}
		return decode_ip(ds, cursor_here(&c), (uint32_t)cursor_left(&c), wl > 4 ? wl - 4 : 0, p);
	}
	case LINK_ENC: {
		/* OpenBSD/FreeBSD enc(4): af, spi, flags (af and flags in host order). */
		if (!cursor_skip(&c, 12))
			return DECODE_MALFORMED;
		return decode_ip(ds, cursor_here(&c), (uint32_t)cursor_left(&c), wl > 12 ? wl - 12 : 0, p);
	}
	case LINK_LINUX_SLL: {
		if (!cursor_skip(&c, 14))
			return DECODE_MALFORMED;
		uint16_t type = cursor_be16(&c);
		if (!cursor_ok(&c))
			return DECODE_MALFORMED;
		return decode_by_ethertype(ds, type, &c, wl > 16 ? wl - 16 : 0, p);
	}
	case LINK_LINUX_SLL2: {
		uint16_t type = cursor_be16(&c);
		if (!cursor_skip(&c, 18))
			return DECODE_MALFORMED;
		return decode_by_ethertype(ds, type, &c, wl > 20 ? wl - 20 : 0, p);
	}
	case LINK_PFLOG:
		return decode_pflog(ds, &c, wl, p);
	case LINK_NFLOG:
		return decode_nflog(ds, &c, wl, p);
	case LINK_PPP:
	case LINK_PPP_SERIAL: {
		/* on the serial type, BSDs also write Cisco HDLC (address 0x0f/0x8f) */
		struct cursor peek = c;
		const uint8_t *b = cursor_bytes(&peek, 1);
		if (!b)
			return DECODE_MALFORMED;
		if (lt == LINK_PPP_SERIAL && (b[0] == 0x0f || b[0] == 0x8f))
			return decode_chdlc(ds, &c, wl, p);
		return decode_ppp(ds, &c, wl, p);
	}
	case LINK_PPP_WITH_DIR:
		cursor_skip(&c, 1); /* direction */
		return decode_ppp(ds, &c, wl, p);
	case LINK_C_HDLC:
		return decode_chdlc(ds, &c, wl, p);
	case LINK_PPP_ETHER: {
		/* the PPPoE session header (version/type, code, session, length) */
		uint8_t vt = cursor_u8(&c);
		cursor_skip(&c, 5);
		uint16_t type = ppp_proto_ethertype(&c);
		if (cursor_ok(&c) && vt != 0x11)
			return DECODE_MALFORMED;
		return decode_rest(ds, type, &c, wl, p);
	}
	case LINK_ATM_RFC1483:
		return decode_llc_snap(ds, &c, wl, p);
	case LINK_IEEE802_11:
		return decode_80211(ds, &c, wl, p);
	case LINK_IEEE802_11_RADIO: {
		/* radiotap: version 0, pad, length (little-endian) of the whole header */
		if (cursor_u8(&c) != 0 || !cursor_skip(&c, 1))
			return DECODE_MALFORMED;
		uint16_t len = cursor_le16(&c);
		if (!cursor_ok(&c) || len < 8)
			return DECODE_MALFORMED;
		c = cursor_make(data, caplen);
		if (!cursor_skip(&c, len))
			return DECODE_MALFORMED;
		return decode_80211(ds, &c, wl, p);
	}
	case LINK_IPNET: {
		/* Solaris ipnet: version, family (2 IPv4, 26 IPv6), 22 more bytes */
		cursor_u8(&c);
		uint8_t fam = cursor_u8(&c);
		if (!cursor_skip(&c, 22))
			return DECODE_MALFORMED;
		return decode_rest(ds, fam == 2 ? ETH_IPV4 : fam == 26 ? ETH_IPV6 : 0, &c, wl, p);
	}
	case LINK_IPOIB: {
		/* RFC 4391: a 2-byte Ethertype and 2 reserved (zero) bytes. Linux
		 * captures put the 40-byte InfiniBand global route header before
		 * them (as Wireshark reads this link type); tell them apart by
		 * where an IP Ethertype with a zero reserved field sits. */
		uint16_t type = cursor_be16(&c);
		uint16_t rsv = cursor_be16(&c);
		if (!cursor_ok(&c))
			return DECODE_MALFORMED;
		if (!((type == ETH_IPV4 || type == ETH_IPV6) && rsv == 0)) {
			c = cursor_make(data, caplen);
			cursor_skip(&c, 40);
			type = cursor_be16(&c);
			cursor_skip(&c, 2);
		}
		return decode_rest(ds, type, &c, wl, p);
	}
	case LINK_PKTAP: {
		/* Apple pktap: header length (little-endian) and, at offset 8,
		 * the link type of the frame that follows the header */
		uint32_t hlen = cursor_le32(&c);
		cursor_skip(&c, 4);
		uint32_t inner = cursor_le32(&c);
		if (!cursor_ok(&c) || hlen < 12 || hlen > caplen || inner == LINK_PKTAP)
			return DECODE_MALFORMED;
		if (!decode_link_supported((int)inner)) {
			ds->not_ip++;
			return DECODE_NOT_IP;
		}
		p->wirelen = wl > hlen ? wl - hlen : 0;
		enum decode_result r = decode_frame(ds, (int)inner, data + hlen, caplen - hlen, p);
		p->wirelen = wl;
		p->linktype = lt;
		return r;
	}
	default:
		return DECODE_NOT_IP;
	}
}

/* ---- checksums ---- */

/* Check the TCP/UDP checksum of a complete, unfragmented segment. Sampled
 * after the first 20000 checks: it is a capture-quality statistic. */
static void check_l4_checksum(struct decode_stats *ds, struct pkt *p, const uint8_t *l4, uint32_t l4len)
{
	if (ds->checksum_checked >= 20000 && (++ds->checksum_skip & 15))
		return;
	uint32_t sum = 0;
	if (p->ipver == 4) {
		sum = csum_add(sum, p->src.b, 4);
		sum = csum_add(sum, p->dst.b, 4);
	} else {
		sum = csum_add(sum, p->src.b, 16);
		sum = csum_add(sum, p->dst.b, 16);
	}
	sum += p->proto;
	sum += l4len;
	sum = csum_add(sum, l4, l4len);
	if (p->proto == IPPROTO_NUM_UDP && l4len >= 8 && l4[6] == 0 && l4[7] == 0 && p->ipver == 4)
		return; /* UDP over IPv4 without checksum */
	ds->checksum_checked++;
	if (csum_fold(sum) != 0) {
		p->l4_csum = CSUM_BAD;
		ds->checksum_bad++;
	} else {
		p->l4_csum = CSUM_GOOD;
	}
}

/* ---- transport ---- */

static void decode_tcp_options(struct cursor o, struct pkt *p)
{
	p->opt.wscale = 0;
	while (cursor_left(&o) > 0) {
		uint8_t kind = cursor_u8(&o);
		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP)
			continue;
		uint8_t len = cursor_u8(&o);
		if (!cursor_ok(&o) || len < 2)
			break;
		struct cursor v = cursor_sub(&o, len - 2u);
		if (!cursor_ok(&o))
			break;
		switch (kind) {
		case TCPOPT_MSS:
			if (len == 4)
				p->opt.mss = cursor_be16(&v);
			break;
		case TCPOPT_WSCALE:
			if (len == 3) {
				p->opt.wscale = cursor_u8(&v);
				p->opt.has_wscale = true;
			}
			break;
		case TCPOPT_SACK_PERM:
			p->opt.sack_perm = true;
			break;
		case TCPOPT_SACK:
			while (cursor_left(&v) >= 8 && p->opt.nsack < 4) {
				p->opt.sack[p->opt.nsack][0] = cursor_be32(&v);
				p->opt.sack[p->opt.nsack][1] = cursor_be32(&v);
				p->opt.nsack++;
			}
			break;
		case TCPOPT_MPTCP:
			p->opt.mptcp = true;
			break;
		case TCPOPT_TIMESTAMP:
			if (len == 10) {
				p->opt.tsval = cursor_be32(&v);
				p->opt.tsecr = cursor_be32(&v);
				p->opt.has_ts = true;
			}
			break;
		default:
			break;
		}
	}
}

/* The quoted datagram inside an ICMP error: IP header and the first bytes
 * of its transport header. */
static void decode_quote(struct cursor c, struct pkt *p)
{
	struct pkt inner;
	memset(&inner, 0, sizeof inner);
	uint8_t ver = 0;
	if (!cursor_peek(&c, 0, &ver, 1))
		return;
	ver >>= 4;
	struct cursor t = c;
	uint8_t proto = 0;
	if (ver == 4) {
		uint8_t vihl = cursor_u8(&t);
		size_t ihl = (size_t)(vihl & 15) * 4;
		if (ihl < 20)
			return;
		cursor_skip(&t, 8);
		proto = cursor_u8(&t);
		cursor_skip(&t, 2);
		inner.src.family = inner.dst.family = 4;
		cursor_copy(&t, inner.src.b, 4);
		cursor_copy(&t, inner.dst.b, 4);
		cursor_skip(&t, ihl - 20);
	} else if (ver == 6) {
		cursor_skip(&t, 6);
		proto = cursor_u8(&t);
		cursor_skip(&t, 1);
		inner.src.family = inner.dst.family = 6;
		cursor_copy(&t, inner.src.b, 16);
		cursor_copy(&t, inner.dst.b, 16);
		/* the same walk as decode_ipv6, over the quoted headers */
		struct ipv6_ext e;
		for (int i = 0; i < 16 && ipv6_ext_header(proto) && ipv6_ext_step(&t, proto, &e); i++)
			proto = e.next;
	} else {
		return;
	}
	if (!cursor_ok(&t))
		return;
	p->quote.proto = proto;
	p->quote.src = inner.src;
	p->quote.dst = inner.dst;
	if (proto == IPPROTO_NUM_TCP || proto == IPPROTO_NUM_UDP) {
		p->quote.sport = cursor_be16(&t);
		p->quote.dport = cursor_be16(&t);
		if (!cursor_ok(&t))
			return;
		if (proto == IPPROTO_NUM_TCP) {
			p->quote.seq = cursor_be32(&t);
			if (cursor_skip(&t, 5)) {
				p->quote.tcp_flags = cursor_u8(&t);
				p->quote.has_flags = cursor_ok(&t);
			}
		}
		p->quote.present = true;
	} else if (proto == IPPROTO_NUM_ESP) {
		p->quote.spi = cursor_be32(&t);
		p->quote.present = cursor_ok(&t);
	} else {
		p->quote.present = true;
	}
}

/* The transport header is not all there. Cut by the snaplen or by a
 * fragment boundary is normal; otherwise the IP length lies. */
static void transport_cut(struct decode_stats *ds, struct pkt *p)
{
	p->proto = 0;
	if (!p->ip_truncated && !p->is_fragment)
		ds->malformed++;
}

static void decode_transport(struct decode_stats *ds, struct cursor *c, uint32_t wire_payload, struct pkt *p)
{
	/* c covers the captured transport bytes (bounded by the IP length). */
	const uint8_t *l4 = cursor_here(c);
	uint32_t l4cap = (uint32_t)cursor_left(c);
	switch (p->proto) {
	case IPPROTO_NUM_TCP: {
		p->sport = cursor_be16(c);
		p->dport = cursor_be16(c);
		p->seq = cursor_be32(c);
		p->ack = cursor_be32(c);
		uint8_t off = cursor_u8(c);
		p->tcp_flags = cursor_u8(c);
		p->win = cursor_be16(c);
		cursor_skip(c, 4);
		size_t hl = (size_t)(off >> 4) * 4;
		if (cursor_ok(c) && hl < 20) {
			p->proto = 0; /* a data offset below the fixed header */
			ds->malformed++;
			return;
		}
		if (!cursor_ok(c)) {
			transport_cut(ds, p);
			return;
		}
		struct cursor o = cursor_sub(c, hl - 20);
		decode_tcp_options(o, p);
		if (!cursor_ok(c)) {
			/* options cut by the snaplen or a fragment boundary (the rest
			 * comes with the next fragment): the header is still usable */
			if (!p->is_fragment) {
				if (!p->ip_truncated)
					ds->malformed++; /* IP length shorter than the TCP header */
				p->ip_truncated = true;
			}
			p->payload = NULL;
			p->payload_len = 0;
			p->payload_wire_len = wire_payload > hl ? wire_payload - (uint32_t)hl : 0;
			return;
		}
		p->payload = cursor_here(c);
		p->payload_len = (uint32_t)cursor_left(c);
		p->payload_wire_len = wire_payload > hl ? wire_payload - (uint32_t)hl : 0;
		if (!p->ip_truncated && !p->is_fragment)
			check_l4_checksum(ds, p, l4, l4cap);
		return;
	}
	case IPPROTO_NUM_UDP: {
		p->sport = cursor_be16(c);
		p->dport = cursor_be16(c);
		uint16_t ulen = cursor_be16(c);
		cursor_skip(c, 2);
		if (!cursor_ok(c)) {
			transport_cut(ds, p);
			return;
		}
		uint32_t wire = wire_payload >= 8 ? wire_payload - 8 : 0;
		if (ulen >= 8 && ulen - 8u < wire && !p->is_fragment)
			wire = ulen - 8u; /* trailing bytes beyond the UDP length */
		p->payload = cursor_here(c);
		p->payload_len = (uint32_t)cursor_left(c);
		if (p->payload_len > wire && !p->is_fragment)
			p->payload_len = wire;
		p->payload_wire_len = wire;
		if (!p->ip_truncated && !p->is_fragment && ulen >= 8 && ulen <= l4cap)
			check_l4_checksum(ds, p, l4, ulen);
		return;
	}
	case IPPROTO_NUM_ESP:
		p->esp_spi = cursor_be32(c);
		p->esp_seq = cursor_be32(c);
		if (!cursor_ok(c)) {
			transport_cut(ds, p);
			return;
		}
		p->payload = cursor_here(c);
		p->payload_len = (uint32_t)cursor_left(c);
		p->payload_wire_len = wire_payload >= 8 ? wire_payload - 8 : 0;
		return;
	case IPPROTO_NUM_ICMP:
	case IPPROTO_NUM_ICMPV6: {
		p->icmp_type = cursor_u8(c);
		p->icmp_code = cursor_u8(c);
		cursor_skip(c, 6);
		if (!cursor_ok(c)) {
			transport_cut(ds, p);
			return;
		}
		/* the error messages, which quote the datagram that caused them */
		bool err = p->proto == IPPROTO_NUM_ICMP
				   ? (p->icmp_type == ICMP4_UNREACH || p->icmp_type == ICMP4_TIME_EXCEEDED ||
				      p->icmp_type == ICMP4_SOURCE_QUENCH || p->icmp_type == ICMP4_PARAM_PROBLEM)
				   : (p->icmp_type >= ICMP6_UNREACH && p->icmp_type <= ICMP6_PARAM_PROBLEM);
		p->payload = cursor_here(c);
		p->payload_len = (uint32_t)cursor_left(c);
		p->payload_wire_len = wire_payload >= 8 ? wire_payload - 8 : 0;
		if (err)
			decode_quote(*c, p);
		return;
	}
	default:
		p->payload = cursor_here(c);
		p->payload_len = (uint32_t)cursor_left(c);
		p->payload_wire_len = wire_payload;
		return;
	}
}

static enum decode_result decode_ipv4(struct decode_stats *ds, struct cursor *c, uint32_t wire_len, struct pkt *p)
{
	const uint8_t *start = cursor_here(c);
	uint8_t vihl = cursor_u8(c);
	cursor_u8(c); /* tos */
	uint16_t total = cursor_be16(c);
	p->ip_id = cursor_be16(c);
	uint16_t frag = cursor_be16(c);
	p->ttl = cursor_u8(c);
	p->proto = cursor_u8(c);
	cursor_skip(c, 2);
	p->src.family = p->dst.family = 4;
	cursor_copy(c, p->src.b, 4);
	cursor_copy(c, p->dst.b, 4);
	size_t ihl = (size_t)(vihl & 15) * 4;
	if (!cursor_ok(c) || ihl < 20 || total < ihl) {
		ds->malformed++;
		return DECODE_MALFORMED;
	}
	if (!cursor_skip(c, ihl - 20)) {
		ds->malformed++;
		return DECODE_MALFORMED;
	}
	p->ipver = 4;
	size_t avail = cursor_left(c) + ihl; /* captured bytes from the IP header on */
	if (total > avail) {
		p->ip_truncated = true;
		ds->ip_truncated++;
		if (total > wire_len)
			ds->malformed++; /* the length lies: more than was on the wire */
	}
	size_t cap = total < avail ? total : avail;
	p->l3 = start;
	p->l3_len = (uint32_t)cap;
	uint16_t off = frag & 0x1fff;
	if ((frag & 0x2000) || off) {
		p->is_fragment = true;
		ds->fragments++;
		p->frag_first = off == 0;
		if (off) {
			/* no transport header in a non-first fragment */
			p->payload = cursor_here(c);
			p->payload_len = (uint32_t)(cap - ihl);
			p->payload_wire_len = (uint32_t)(total - ihl);
			return DECODE_OK;
		}
	}
	struct cursor t = cursor_make(cursor_here(c), cap - ihl);
	decode_transport(ds, &t, (uint32_t)(total - ihl), p);
	return DECODE_OK;
}

static enum decode_result decode_ipv6(struct decode_stats *ds, struct cursor *c, uint32_t wire_len, struct pkt *p)
{
	const uint8_t *start = cursor_here(c);
	cursor_skip(c, 4);
	uint16_t plen = cursor_be16(c);
	uint8_t nh = cursor_u8(c);
	p->ttl = cursor_u8(c);
	p->src.family = p->dst.family = 6;
	cursor_copy(c, p->src.b, 16);
	cursor_copy(c, p->dst.b, 16);
	if (!cursor_ok(c)) {
		ds->malformed++;
		return DECODE_MALFORMED;
	}
	p->ipver = 6;
	size_t avail = cursor_left(c);
	if (plen > avail) {
		p->ip_truncated = true;
		ds->ip_truncated++;
		if (plen + 40u > wire_len)
			ds->malformed++;
	}
	size_t cap = plen < avail ? plen : avail;
	p->l3 = start;
	p->l3_len = (uint32_t)(cap + 40);
	struct cursor t = cursor_make(cursor_here(c), cap);
	uint32_t wire_left = plen;
	for (int guard = 0; guard < 16 && ipv6_ext_header(nh); guard++) {
		size_t before = t.off;
		struct ipv6_ext e;
		ipv6_ext_step(&t, nh, &e);
		uint8_t next = e.next;
		if (e.fragment) {
			p->ip_id = (uint16_t)e.frag_id;
			if (e.frag_off || e.more) {
				p->is_fragment = true;
				p->frag_first = e.frag_off == 0;
				ds->fragments++;
				ds->ipv6_fragments++;
				if (e.frag_off) {
					p->proto = next;
					p->payload = cursor_here(&t);
					p->payload_len = (uint32_t)cursor_left(&t);
					p->payload_wire_len = wire_left > 8 ? wire_left - 8 : 0;
					return DECODE_OK;
				}
			}
		}
		if (!cursor_ok(&t)) {
			if (p->ip_truncated)
				return DECODE_OK; /* cut by the snaplen inside the headers */
			ds->malformed++;
			return DECODE_MALFORMED;
		}
		uint32_t used = (uint32_t)(t.off - before);
		wire_left = wire_left > used ? wire_left - used : 0;
		nh = next;
	}
	p->proto = nh;
	struct cursor l4 = cursor_make(cursor_here(&t), cursor_left(&t));
	decode_transport(ds, &l4, wire_left, p);
	return DECODE_OK;
}

enum decode_result decode_ip(struct decode_stats *ds, const uint8_t *data, uint32_t len, uint32_t wire_len, struct pkt *p)
{
	struct cursor c = cursor_make(data, len);
	uint8_t v = 0;
	if (!cursor_peek(&c, 0, &v, 1)) {
		ds->malformed++;
		return DECODE_MALFORMED;
	}
	switch (v >> 4) {
	case 4:
		return decode_ipv4(ds, &c, wire_len, p);
	case 6:
		return decode_ipv6(ds, &c, wire_len, p);
	default:
		ds->malformed++;
		return DECODE_MALFORMED;
	}
}
