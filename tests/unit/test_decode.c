/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_decode.c - capture/decode.c: every link layer shakedown accepts,
 * IPv4 options, IPv6 extension headers, TCP options, ICMP/ICMPv6 quotes,
 * checksums, lengths that lie, and frames cut at every byte. Frames are
 * built byte by byte here; every decode runs over a heap buffer of exactly
 * the captured length so that ASan catches a read past it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/decode.h"
#include "capture/util.h"

/* the counters decode_frame() fills: the engine keeps one per run */
static struct decode_stats decode_stats;

/* ------------------------------------------------------------------ */
/* frame builder */

struct fb {
	uint8_t b[4096];
	size_t n;
};

static void p8(struct fb *f, uint8_t v)
{
	f->b[f->n++] = v;
}
static void p16(struct fb *f, uint16_t v)
{
	p8(f, (uint8_t)(v >> 8));
	p8(f, (uint8_t)v);
}
static void p32(struct fb *f, uint32_t v)
{
	p16(f, (uint16_t)(v >> 16));
	p16(f, (uint16_t)v);
}
static void ple32(struct fb *f, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p8(f, (uint8_t)(v >> (8 * i)));
}
static void pn(struct fb *f, const void *p, size_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}
static void pz(struct fb *f, size_t n)
{
	memset(f->b + f->n, 0, n);
	f->n += n;
}
static void set16(struct fb *f, size_t at, uint16_t v)
{
	f->b[at] = (uint8_t)(v >> 8);
	f->b[at + 1] = (uint8_t)v;
}

static const uint8_t CLI4[4] = { 192, 0, 2, 10 };
static const uint8_t SRV4[4] = { 198, 51, 100, 20 };
static const uint8_t CLI6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
static const uint8_t SRV6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20 };
static const uint8_t MAC[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0x0a };

static uint32_t sum16(uint32_t s, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	return s;
}
static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The decoder's checksum (eight bytes a step, host order) against the
 * plain 16-bit reference above: every length from 0 to 300 at every
 * alignment, random bytes, all-0xff and all-zero data, with a carried-in
 * sum. Equal after folding, and non-zero data never folds to +0. */
static void test_csum_add_matches_reference(void **state)
{
	(void)state;
	static uint8_t buf[320];
	uint32_t seed = 12345;
	for (int fill = 0; fill < 3; fill++) {
		for (size_t i = 0; i < sizeof buf; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = fill == 0 ? (uint8_t)(seed >> 16) : fill == 1 ? 0xff : 0;
		}
		for (size_t off = 0; off < 8; off++)
			for (size_t n = 0; n <= 300; n++) {
				uint32_t in = fill == 2 ? 0 : (uint32_t)(n * 2654435761u) >> 8;
				uint32_t got = csum_add(in, buf + off, n), want = sum16(in, buf + off, n);
				assert_int_equal(csum_fold(got), fold(want));
				if (want)
					assert_int_not_equal(got, 0);
			}
	}
}

/* IPv4 header with `optlen` bytes of options; total length and checksum
 * are fixed by ip4_done(). Returns the header's offset. */
static size_t ip4(struct fb *f, uint8_t proto, uint16_t frag, const uint8_t *opt, size_t optlen)
{
	size_t at = f->n;
	p8(f, (uint8_t)(0x40 | (5 + optlen / 4)));
	p8(f, 0);
	p16(f, 0);      /* total length */
	p16(f, 0x1234); /* id */
	p16(f, frag);
	p8(f, 64);
	p8(f, proto);
	p16(f, 0);
	pn(f, CLI4, 4);
	pn(f, SRV4, 4);
	if (optlen)
		pn(f, opt, optlen);
	return at;
}
static void ip4_done(struct fb *f, size_t at)
{
	set16(f, at + 2, (uint16_t)(f->n - at));
	size_t ihl = (size_t)(f->b[at] & 15) * 4;
	set16(f, at + 10, fold(sum16(0, f->b + at, ihl)));
}

static size_t ip6(struct fb *f, uint8_t nh)
{
	size_t at = f->n;
	p32(f, 0x60000000);
	p16(f, 0); /* payload length */
	p8(f, nh);
	p8(f, 64);
	pn(f, CLI6, 16);
	pn(f, SRV6, 16);
	return at;
}
static void ip6_done(struct fb *f, size_t at)
{
	set16(f, at + 4, (uint16_t)(f->n - at - 40));
}

/* A generic IPv6 extension header of 8 bytes (hop-by-hop, destination). */
static void ext8(struct fb *f, uint8_t next)
{
	p8(f, next);
	p8(f, 0); /* length 0: 8 bytes */
	p8(f, 1); /* PadN */
	p8(f, 4);
	pz(f, 4);
}

static const uint8_t SYN_OPTS[20] = {
	2, 4, 0x05, 0xb4,         /* MSS 1460 */
	4, 2,                     /* SACK permitted */
	8, 10, 0, 0, 0x03, 0xe8, 0, 0, 0, 0, /* timestamps 1000, 0 */
	1,                        /* NOP */
	3, 3, 7,                  /* window scale 7 */
};

static size_t tcp(struct fb *f, uint8_t flags, const uint8_t *opt, size_t optlen, const char *payload)
{
	size_t at = f->n;
	p16(f, 40000);
	p16(f, 22);
	p32(f, 1000);
	p32(f, flags & 0x10 ? 2000 : 0);
	p8(f, (uint8_t)((5 + optlen / 4) << 4));
	p8(f, flags);
	p16(f, 64240);
	p16(f, 0); /* checksum */
	p16(f, 0);
	if (optlen)
		pn(f, opt, optlen);
	if (payload)
		pn(f, payload, strlen(payload));
	return at;
}

static size_t udp(struct fb *f, uint16_t sport, uint16_t dport, const char *payload)
{
	size_t at = f->n;
	p16(f, sport);
	p16(f, dport);
	p16(f, (uint16_t)(8 + strlen(payload)));
	p16(f, 0);
	pn(f, payload, strlen(payload));
	return at;
}

/* TCP/UDP checksum over the pseudo header of the IP header at `l3`. */
static void l4_csum(struct fb *f, size_t l3, size_t l4, uint8_t proto)
{
	size_t len = f->n - l4;
	uint32_t s = 0;
	if ((f->b[l3] >> 4) == 4)
		s = sum16(s, f->b + l3 + 12, 8);
	else
		s = sum16(s, f->b + l3 + 8, 32);
	s += proto;
	s += (uint32_t)len;
	size_t at = l4 + (proto == 6 ? 16 : 6);
	set16(f, at, 0);
	s = sum16(s, f->b + l4, len);
	set16(f, at, fold(s));
}

/* The reference frame: Ethernet, IPv4, TCP SYN with options and 5 bytes of
 * payload (a SYN with data: fine for a decoder). */
static void eth_ip4_tcp(struct fb *f, const char *payload)
{
	f->n = 0;
	pn(f, MAC, 12);
	p16(f, 0x0800);
	size_t l3 = ip4(f, 6, 0x4000, NULL, 0);
	size_t l4 = tcp(f, 0x02, SYN_OPTS, sizeof SYN_OPTS, payload);
	ip4_done(f, l3);
	l4_csum(f, l3, l4, 6);
}

/* IPv4 + TCP alone (for the link types that carry bare IP). */
static void ip4_tcp(struct fb *f)
{
	f->n = 0;
	size_t l3 = ip4(f, 6, 0x4000, NULL, 0);
	size_t l4 = tcp(f, 0x12, NULL, 0, NULL);
	ip4_done(f, l3);
	l4_csum(f, l3, l4, 6);
}

static void ip6_tcp(struct fb *f)
{
	f->n = 0;
	size_t l3 = ip6(f, 6);
	size_t l4 = tcp(f, 0x02, SYN_OPTS, sizeof SYN_OPTS, NULL);
	ip6_done(f, l3);
	l4_csum(f, l3, l4, 6);
}

/* ------------------------------------------------------------------ */
/* decoding over an exact-size heap copy */

struct res {
	enum decode_result r;
	struct pkt p;
	uint8_t *buf; /* freed by done() */
};

static struct res dec_wire(int lt, const uint8_t *b, size_t caplen, size_t wirelen)
{
	struct res x;
	memset(&x, 0, sizeof x);
	x.buf = malloc(caplen ? caplen : 1);
	assert_non_null(x.buf);
	if (caplen)
		memcpy(x.buf, b, caplen);
	x.p.frame = 1;
	x.p.caplen = (uint32_t)caplen;
	x.p.wirelen = (uint32_t)wirelen;
	x.r = decode_frame(&decode_stats, lt, caplen ? x.buf : NULL, (uint32_t)caplen, &x.p);
	/* whatever was decoded lies inside the captured bytes */
	if (x.p.payload && x.p.payload_len)
		assert_true(x.p.payload >= x.buf && x.p.payload + x.p.payload_len <= x.buf + caplen);
	if (x.p.l3 && x.p.l3_len)
		assert_true(x.p.l3 >= x.buf && x.p.l3 + x.p.l3_len <= x.buf + caplen);
	return x;
}

static struct res dec(int lt, const struct fb *f)
{
	return dec_wire(lt, f->b, f->n, f->n);
}

static void done(struct res *x)
{
	free(x->buf);
	x->buf = NULL;
}

/* Decode and check the result only. */
static void expect_r(int lt, const uint8_t *b, size_t caplen, size_t wirelen, enum decode_result want)
{
	struct res x = dec_wire(lt, b, caplen, wirelen);
	assert_int_equal(x.r, want);
	done(&x);
}

static void assert_v4_endpoints(const struct pkt *p)
{
	assert_int_equal(p->ipver, 4);
	assert_int_equal(p->src.family, 4);
	assert_memory_equal(p->src.b, CLI4, 4);
	assert_memory_equal(p->dst.b, SRV4, 4);
}

static void assert_v6_endpoints(const struct pkt *p)
{
	assert_int_equal(p->ipver, 6);
	assert_int_equal(p->src.family, 6);
	assert_memory_equal(p->src.b, CLI6, 16);
	assert_memory_equal(p->dst.b, SRV6, 16);
}

/* ------------------------------------------------------------------ */
/* link layers */

static void test_ethernet_ipv4_tcp(void **state)
{
	(void)state;
	struct fb f;
	eth_ip4_tcp(&f, "hello");
	memset(&decode_stats, 0, sizeof decode_stats);
	struct res x = dec(LINK_EN10MB, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.linktype, LINK_EN10MB);
	assert_int_equal(x.p.nvlan, 0);
	assert_false(x.p.pflog.present);
	assert_v4_endpoints(&x.p);
	assert_int_equal(x.p.ttl, 64);
	assert_int_equal(x.p.ip_id, 0x1234);
	assert_int_equal(x.p.proto, IPPROTO_NUM_TCP);
	assert_false(x.p.is_fragment);
	assert_false(x.p.ip_truncated);
	assert_int_equal(x.p.sport, 40000);
	assert_int_equal(x.p.dport, 22);
	assert_int_equal(x.p.seq, 1000);
	assert_int_equal(x.p.tcp_flags, TH_SYN);
	assert_int_equal(x.p.win, 64240);
	assert_int_equal(x.p.opt.mss, 1460);
	assert_true(x.p.opt.has_wscale);
	assert_int_equal(x.p.opt.wscale, 7);
	assert_true(x.p.opt.sack_perm);
	assert_true(x.p.opt.has_ts);
	assert_int_equal(x.p.opt.tsval, 1000);
	assert_int_equal(x.p.opt.tsecr, 0);
	assert_int_equal(x.p.payload_len, 5);
	assert_int_equal(x.p.payload_wire_len, 5);
	assert_memory_equal(x.p.payload, "hello", 5);
	assert_ptr_equal(x.p.l3, x.buf + 14);
	assert_int_equal(x.p.l3_len, f.n - 14);
	assert_int_equal(x.p.l4_csum, CSUM_GOOD);
	assert_int_equal(decode_stats.checksum_bad, 0);
	assert_int_equal(decode_stats.malformed, 0);
	done(&x);

	/* one flipped payload bit: the checksum is bad, the packet still decodes */
	f.b[f.n - 1] ^= 1;
	x = dec(LINK_EN10MB, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.l4_csum, CSUM_BAD);
	assert_int_equal(decode_stats.checksum_bad, 1);
	done(&x);

	/* ARP is not for us */
	f.n = 0;
	pn(&f, MAC, 12);
	p16(&f, 0x0806);
	pz(&f, 28);
	x = dec(LINK_EN10MB, &f);
	assert_int_equal(x.r, DECODE_NOT_IP);
	assert_int_equal(x.p.ipver, 0);
	done(&x);

	/* shorter than an Ethernet header */
	expect_r(LINK_EN10MB, f.b, 13, 60, DECODE_MALFORMED);
}

/* Ethernet + VLAN tags, then IPv4/TCP */
static void vlan_frame(struct fb *f, const uint16_t (*tags)[2], int ntags)
{
	f->n = 0;
	pn(f, MAC, 12);
	for (int i = 0; i < ntags; i++) {
		p16(f, tags[i][0]);
		p16(f, (uint16_t)(0x2000 | tags[i][1])); /* priority 1 on top of the id */
	}
	p16(f, 0x0800);
	size_t l3 = ip4(f, 6, 0, NULL, 0);
	tcp(f, 0x02, NULL, 0, NULL);
	ip4_done(f, l3);
}

static void test_vlan_qinq(void **state)
{
	(void)state;
	struct fb f;
	static const uint16_t one[][2] = { { 0x8100, 100 } };
	vlan_frame(&f, one, 1);
	struct res x = dec(LINK_EN10MB, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.nvlan, 1);
	assert_int_equal(x.p.vlan[0], 100);
	assert_v4_endpoints(&x.p);
	assert_int_equal(x.p.dport, 22);
	done(&x);

	static const uint16_t qinq[][2] = { { 0x88a8, 200 }, { 0x8100, 100 } };
	vlan_frame(&f, qinq, 2);
	x = dec(LINK_EN10MB, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.nvlan, 2);
	assert_int_equal(x.p.vlan[0], 200);
	assert_int_equal(x.p.vlan[1], 100);
	assert_int_equal(x.p.sport, 40000);
	assert_ptr_equal(x.p.l3, x.buf + 22);
	done(&x);

	static const uint16_t old[][2] = { { 0x9100, 300 }, { 0x8100, 7 } };
	vlan_frame(&f, old, 2);
	x = dec(LINK_EN10MB, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.vlan[0], 300);
	assert_int_equal(x.p.vlan[1], 7);
	done(&x);

	/* three tags: more than we accept */
	static const uint16_t three[][2] = { { 0x88a8, 1 }, { 0x8100, 2 }, { 0x8100, 3 } };
	vlan_frame(&f, three, 3);
	expect_r(LINK_EN10MB, f.b, f.n, f.n, DECODE_MALFORMED);

	/* a tag cut in half */
	vlan_frame(&f, one, 1);
	expect_r(LINK_EN10MB, f.b, 16, f.n, DECODE_MALFORMED);
}

static void pppoe_frame(struct fb *f, uint8_t vt, const uint8_t *proto, size_t plen, bool v6)
{
	f->n = 0;
	pn(f, MAC, 12);
	p16(f, 0x8864);
	p8(f, vt);
	p8(f, 0);
	p16(f, 0x2a17);
	size_t len_at = f->n;
	p16(f, 0);
	pn(f, proto, plen);
	size_t l3 = v6 ? ip6(f, 17) : ip4(f, 17, 0, NULL, 0);
	udp(f, 40010, 53, "q");
	if (v6)
		ip6_done(f, l3);
	else
		ip4_done(f, l3);
	set16(f, len_at, (uint16_t)(f->n - len_at - 2));
}

static void test_pppoe(void **state)
{
	(void)state;
	struct fb f;
	static const uint8_t ppp_ip4[2] = { 0x00, 0x21 }, ppp_ip4_short[1] = { 0x21 }, ppp_ip6[2] = { 0x00, 0x57 },
			     ppp_lcp[2] = { 0xc0, 0x21 };
	pppoe_frame(&f, 0x11, ppp_ip4, 2, false);
	struct res x = dec(LINK_EN10MB, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_v4_endpoints(&x.p);
	assert_int_equal(x.p.proto, IPPROTO_NUM_UDP);
	assert_int_equal(x.p.dport, 53);
	assert_int_equal(x.p.payload_len, 1);
	assert_ptr_equal(x.p.l3, x.buf + 22);
	done(&x);

	/* protocol field compression: one byte */
	pppoe_frame(&f, 0x11, ppp_ip4_short, 1, false);
	x = dec(LINK_EN10MB, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.sport, 40010);
	assert_ptr_equal(x.p.l3, x.buf + 21);
	done(&x);

	pppoe_frame(&f, 0x11, ppp_ip6, 2, true);
	x = dec(LINK_EN10MB, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_v6_endpoints(&x.p);
	assert_int_equal(x.p.dport, 53);
	done(&x);

	pppoe_frame(&f, 0x11, ppp_lcp, 2, false);
	expect_r(LINK_EN10MB, f.b, f.n, f.n, DECODE_NOT_IP);

	pppoe_frame(&f, 0x21, ppp_ip4, 2, false); /* version 2 */
	expect_r(LINK_EN10MB, f.b, f.n, f.n, DECODE_MALFORMED);
}

static void test_sll_sll2(void **state)
{
	(void)state;
	struct fb ip, f;
	ip4_tcp(&ip);
	/* SLL: packet type, ARPHRD, address length, address (8), protocol */
	f.n = 0;
	p16(&f, 0);
	p16(&f, 1);
	p16(&f, 6);
	pn(&f, MAC, 6);
	pz(&f, 2);
	p16(&f, 0x0800);
	pn(&f, ip.b, ip.n);
	struct res x = dec(LINK_LINUX_SLL, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_v4_endpoints(&x.p);
	assert_int_equal(x.p.tcp_flags, TH_SYN | TH_ACK);
	assert_ptr_equal(x.p.l3, x.buf + 16);
	assert_int_equal(x.p.l4_csum, CSUM_GOOD);
	done(&x);
	expect_r(LINK_LINUX_SLL, f.b, 15, f.n, DECODE_MALFORMED);
	f.b[14] = 0x08, f.b[15] = 0x06; /* ARP */
	expect_r(LINK_LINUX_SLL, f.b, f.n, f.n, DECODE_NOT_IP);

	/* SLL2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address (8) */
	ip6_tcp(&ip);
	f.n = 0;
	p16(&f, 0x86dd);
	p16(&f, 0);
	p32(&f, 3);
	p16(&f, 1);
	p8(&f, 4);
	p8(&f, 6);
	pn(&f, MAC, 6);
	pz(&f, 2);
	pn(&f, ip.b, ip.n);
	x = dec(LINK_LINUX_SLL2, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_v6_endpoints(&x.p);
	assert_int_equal(x.p.opt.mss, 1460);
	assert_ptr_equal(x.p.l3, x.buf + 20);
	done(&x);
	expect_r(LINK_LINUX_SLL2, f.b, 19, f.n, DECODE_MALFORMED);
}

static void test_raw_ip(void **state)
{
	(void)state;
	struct fb f;
	static const int lts[] = { LINK_RAW, LINK_RAW_OPENBSD, LINK_IPV4, LINK_IPV6 };
	for (size_t i = 0; i < sizeof lts / sizeof lts[0]; i++) {
		assert_true(decode_link_supported(lts[i]));
		ip4_tcp(&f);
		struct res x = dec(lts[i], &f);
		assert_int_equal(x.r, DECODE_OK);
		assert_v4_endpoints(&x.p);
		assert_ptr_equal(x.p.l3, x.buf);
		done(&x);
		ip6_tcp(&f);
		x = dec(lts[i], &f);
		assert_int_equal(x.r, DECODE_OK);
		assert_v6_endpoints(&x.p);
		assert_int_equal(x.p.l3_len, f.n);
		done(&x);
	}
	/* not IP at all: version 5 */
	ip4_tcp(&f);
	f.b[0] = 0x55;
	expect_r(LINK_RAW, f.b, f.n, f.n, DECODE_MALFORMED);
	expect_r(LINK_RAW, f.b, 0, 40, DECODE_MALFORMED);
}

static void null_frame(struct fb *f, uint32_t af, bool big, bool v6)
{
	struct fb ip;
	if (v6)
		ip6_tcp(&ip);
	else
		ip4_tcp(&ip);
	f->n = 0;
	if (big)
		p32(f, af);
	else
		ple32(f, af);
	pn(f, ip.b, ip.n);
}

static void test_null_loop(void **state)
{
	(void)state;
	struct fb f;
	static const struct {
		uint32_t af;
		int ipver;
	} afs[] = { { 2, 4 }, { 10, 6 }, { 24, 6 }, { 28, 6 }, { 30, 6 } };
	for (size_t i = 0; i < sizeof afs / sizeof afs[0]; i++) {
		for (int big = 0; big < 2; big++) {
			null_frame(&f, afs[i].af, big, afs[i].ipver == 6);
			struct res x = dec(LINK_NULL, &f);
			assert_int_equal(x.r, DECODE_OK);
			assert_int_equal(x.p.ipver, afs[i].ipver);
			assert_ptr_equal(x.p.l3, x.buf + 4);
			done(&x);
		}
		/* LOOP is always network order */
		null_frame(&f, afs[i].af, true, afs[i].ipver == 6);
		struct res x = dec(LINK_LOOP, &f);
		assert_int_equal(x.r, DECODE_OK);
		assert_int_equal(x.p.ipver, afs[i].ipver);
		done(&x);
		null_frame(&f, afs[i].af, false, afs[i].ipver == 6);
		x = dec(LINK_LOOP, &f);
		assert_int_equal(x.r, DECODE_NOT_IP);
		done(&x);
	}
	null_frame(&f, 7, false, false); /* an unknown family */
	expect_r(LINK_NULL, f.b, f.n, f.n, DECODE_NOT_IP);
	expect_r(LINK_NULL, f.b, 3, f.n, DECODE_MALFORMED);
}

/* pflog header: `hlen` 61 (OpenBSD/older FreeBSD) or 69 (FreeBSD 12+),
 * padded to a multiple of 4 before the packet. */
static void pflog_frame(struct fb *f, uint8_t hlen, uint8_t af, uint8_t action, uint32_t rule, uint8_t dir, bool v6)
{
	struct fb ip;
	if (v6)
		ip6_tcp(&ip);
	else
		ip4_tcp(&ip);
	f->n = 0;
	p8(f, hlen);
	p8(f, af);
	p8(f, action);
	p8(f, 2); /* reason: PFRES_FRAG, just to see it */
	char name[16] = "em1", rs[16] = "userrules";
	pn(f, name, 16);
	pn(f, rs, 16);
	p32(f, rule);
	p32(f, 0xffffffff);
	p32(f, 0xffffffff); /* uid */
	p32(f, 0xffffffff); /* pid */
	p32(f, 0);
	p32(f, 0);
	p8(f, dir);
	size_t padded = (size_t)((hlen + 3) & ~3);
	if (padded > 61)
		pz(f, padded - 61);
	pn(f, ip.b, ip.n);
}

static void test_pflog(void **state)
{
	(void)state;
	struct fb f;
	pflog_frame(&f, 69, 2, 1, 12, 1, false);
	struct res x = dec(LINK_PFLOG, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_true(x.p.pflog.present);
	assert_int_equal(x.p.pflog.action, 1);
	assert_int_equal(x.p.pflog.reason, 2);
	assert_int_equal(x.p.pflog.dir, 1);
	assert_int_equal(x.p.pflog.rulenr, 12);
	assert_int_equal(x.p.pflog.subrulenr, 0xffffffff);
	assert_string_equal(x.p.pflog.ifname, "em1");
	assert_string_equal(x.p.pflog.ruleset, "userrules");
	assert_v4_endpoints(&x.p);
	assert_ptr_equal(x.p.l3, x.buf + 72);
	assert_int_equal(x.p.tcp_flags, TH_SYN | TH_ACK);
	done(&x);

	pflog_frame(&f, 61, 24, 0, 5, 2, true); /* OpenBSD: AF_INET6 24, padded to 64 */
	x = dec(LINK_PFLOG, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.pflog.action, 0);
	assert_int_equal(x.p.pflog.dir, 2);
	assert_int_equal(x.p.pflog.rulenr, 5);
	assert_v6_endpoints(&x.p);
	assert_ptr_equal(x.p.l3, x.buf + 64);
	done(&x);

	/* interface name filling all 16 bytes: terminated, not overrun */
	pflog_frame(&f, 69, 2, 1, 12, 1, false);
	memset(f.b + 4, 'x', 16);
	x = dec(LINK_PFLOG, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(strlen(x.p.pflog.ifname), 16);
	done(&x);

	/* an interface name pf never writes: ESC, BEL, CR, 0x9b, a C1 in
	 * UTF-8, a space; each such byte becomes '?', the rest stays */
	pflog_frame(&f, 69, 2, 1, 12, 1, false);
	memcpy(f.b + 4, "e\x1b]0;\a\r \x9b\xc2\x9dm1\0", 13);
	memcpy(f.b + 20, "r\x1b[2J\0", 6);
	x = dec(LINK_PFLOG, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_string_equal(x.p.pflog.ifname, "e?]0;??????m1");
	assert_string_equal(x.p.pflog.ruleset, "r?[2J");
	done(&x);

	pflog_frame(&f, 60, 2, 1, 12, 1, false); /* header length too small */
	expect_r(LINK_PFLOG, f.b, f.n, f.n, DECODE_MALFORMED);
	pflog_frame(&f, 200, 2, 1, 12, 1, false); /* header longer than the frame */
	expect_r(LINK_PFLOG, f.b, 100, 100, DECODE_MALFORMED);
	pflog_frame(&f, 69, 99, 1, 12, 1, false); /* unknown family */
	x = dec(LINK_PFLOG, &f);
	assert_int_equal(x.r, DECODE_NOT_IP);
	assert_true(x.p.pflog.present); /* the metadata was read all the same */
	done(&x);
	x = dec_wire(LINK_PFLOG, f.b, 60, 60); /* cut inside the header */
	assert_int_equal(x.r, DECODE_MALFORMED);
	assert_false(x.p.pflog.present);
	done(&x);
}

/* enc(4): address family (host order), SPI, flags, then IPv4/TCP */
static void enc_frame(struct fb *f)
{
	struct fb ip;
	ip4_tcp(&ip);
	f->n = 0;
	ple32(f, 2);
	p32(f, 0xc1a0f001);
	ple32(f, 0);
	pn(f, ip.b, ip.n);
}

static void test_enc(void **state)
{
	(void)state;
	struct fb f;
	enc_frame(&f);
	struct res x = dec(LINK_ENC, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_v4_endpoints(&x.p);
	assert_ptr_equal(x.p.l3, x.buf + 12);
	assert_int_equal(x.p.sport, 40000);
	done(&x);
	expect_r(LINK_ENC, f.b, 11, f.n, DECODE_MALFORMED);
}

static void nflog_tlv(struct fb *f, uint16_t type, const uint8_t *v, size_t n)
{
	uint16_t len = (uint16_t)(4 + n);
	p8(f, (uint8_t)len); /* host (little-endian) order */
	p8(f, (uint8_t)(len >> 8));
	p8(f, (uint8_t)type);
	p8(f, (uint8_t)(type >> 8));
	pn(f, v, n);
	pz(f, (4 - (n & 3)) & 3);
}

static void test_nflog(void **state)
{
	(void)state;
	struct fb ip, f;
	ip4_tcp(&ip);
	static const uint8_t hdr[4] = { 0x08, 0x00, 2, 0 };
	f.n = 0;
	p8(&f, 2);
	p8(&f, 0);
	p16(&f, 5);
	nflog_tlv(&f, 1, hdr, 4);
	nflog_tlv(&f, 10, (const uint8_t *)"fw\0", 3);
	nflog_tlv(&f, 9, ip.b, ip.n);
	struct res x = dec(LINK_NFLOG, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_v4_endpoints(&x.p);
	assert_ptr_equal(x.p.l3, x.buf + 4 + 8 + 8 + 4);
	assert_int_equal(x.p.l3_len, ip.n);
	done(&x);

	/* the payload TLV cut by the snaplen: an IP packet cut short, which
	 * its TLV length says is not a lie */
	memset(&decode_stats, 0, sizeof decode_stats);
	x = dec_wire(LINK_NFLOG, f.b, f.n - 10, f.n);
	assert_int_equal(x.r, DECODE_OK);
	assert_true(x.p.ip_truncated);
	assert_int_equal(decode_stats.ip_truncated, 1);
	assert_int_equal(decode_stats.malformed, 0);
	done(&x);

	/* no payload TLV */
	expect_r(LINK_NFLOG, f.b, 4 + 8 + 8, 4 + 8 + 8, DECODE_NOT_IP);

	/* a TLV length below 4 */
	f.b[4] = 2;
	expect_r(LINK_NFLOG, f.b, f.n, f.n, DECODE_MALFORMED);

	/* version 1 */
	f.b[4] = 8;
	f.b[1] = 1;
	expect_r(LINK_NFLOG, f.b, f.n, f.n, DECODE_MALFORMED);
}

static void test_unsupported(void **state)
{
	(void)state;
	/* 9, 105, 127 (PPP, 802.11, radiotap) carry IP and are decoded now */
	static const int no[] = { 147, 192, 6, 10, -1, 100000 };
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_false(decode_link_supported(no[i]));
	static const int yes[] = { LINK_NULL, LINK_EN10MB, LINK_RAW, LINK_RAW_OPENBSD, LINK_LOOP, LINK_ENC,
				   LINK_LINUX_SLL, LINK_PFLOG, LINK_IPV4, LINK_IPV6, LINK_NFLOG, LINK_LINUX_SLL2,
				   LINK_PPP, LINK_ATM_RFC1483, LINK_PPP_SERIAL, LINK_PPP_ETHER, LINK_C_HDLC,
				   LINK_IEEE802_11, LINK_IEEE802_11_RADIO, LINK_PPP_WITH_DIR, LINK_IPNET,
				   LINK_IPOIB, LINK_PKTAP };
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		assert_true(decode_link_supported(yes[i]));
	struct fb f;
	ip4_tcp(&f);
	struct res x = dec(147, &f);
	assert_int_equal(x.r, DECODE_NOT_IP);
	assert_int_equal(x.p.ipver, 0);
	done(&x);
}

/* ------------------------------------------------------------------ */
/* IP */

static void test_ipv4_options(void **state)
{
	(void)state;
	struct fb f;
	static const uint8_t ra[4] = { 0x94, 0x04, 0x00, 0x00 }; /* router alert */
	static const uint8_t ts[12] = { 0x44, 12, 5, 0, 0, 0, 0, 1, 0, 0, 0, 2 }; /* timestamp */
	const uint8_t *opts[2] = { ra, ts };
	size_t lens[2] = { sizeof ra, sizeof ts };
	for (int i = 0; i < 2; i++) {
		f.n = 0;
		size_t l3 = ip4(&f, 6, 0, opts[i], lens[i]);
		size_t l4 = tcp(&f, 0x02, NULL, 0, "ab");
		ip4_done(&f, l3);
		l4_csum(&f, l3, l4, 6);
		struct res x = dec(LINK_RAW, &f);
		assert_int_equal(x.r, DECODE_OK);
		assert_int_equal(x.p.sport, 40000);
		assert_int_equal(x.p.dport, 22);
		assert_int_equal(x.p.payload_len, 2);
		assert_ptr_equal(x.p.payload, x.buf + 20 + lens[i] + 20);
		assert_int_equal(x.p.l4_csum, CSUM_GOOD);
		done(&x);
	}
	/* IHL below 5 */
	ip4_tcp(&f);
	f.b[0] = 0x44;
	expect_r(LINK_RAW, f.b, f.n, f.n, DECODE_MALFORMED);
	/* IHL 15 (60 bytes) but only 40 captured and total 40: lies */
	ip4_tcp(&f);
	f.b[0] = 0x4f;
	expect_r(LINK_RAW, f.b, f.n, f.n, DECODE_MALFORMED);
}

static void test_ipv6_ext_headers(void **state)
{
	(void)state;
	struct fb f;
	/* hop-by-hop, destination options, routing (type 0, no addresses), TCP */
	f.n = 0;
	size_t l3 = ip6(&f, 0);
	ext8(&f, 60);
	ext8(&f, 43);
	p8(&f, 6);
	p8(&f, 0);
	p8(&f, 0); /* routing type */
	p8(&f, 0); /* segments left */
	pz(&f, 4);
	size_t l4 = tcp(&f, 0x02, SYN_OPTS, sizeof SYN_OPTS, "xyz");
	ip6_done(&f, l3);
	l4_csum(&f, l3, l4, 6);
	struct res x = dec(LINK_IPV6, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_v6_endpoints(&x.p);
	assert_int_equal(x.p.proto, IPPROTO_NUM_TCP);
	assert_int_equal(x.p.opt.mss, 1460);
	assert_int_equal(x.p.payload_len, 3);
	assert_int_equal(x.p.payload_wire_len, 3);
	assert_ptr_equal(x.p.payload, x.buf + 40 + 24 + 40);
	assert_int_equal(x.p.l4_csum, CSUM_GOOD);
	assert_int_equal(x.p.ttl, 64);
	done(&x);

	/* an extension header whose length runs past the IPv6 payload length
	 * (everything captured): malformed */
	f.b[40 + 1] = 200;
	expect_r(LINK_IPV6, f.b, f.n, f.n, DECODE_MALFORMED);
	/* the same cut by the snaplen in the extension headers: usable header,
	 * no transport */
	f.b[40 + 1] = 0;
	x = dec_wire(LINK_IPV6, f.b, 40 + 12, f.n);
	assert_int_equal(x.r, DECODE_OK);
	assert_true(x.p.ip_truncated);
	assert_int_equal(x.p.sport, 0);
	done(&x);

	/* AH (length in 4-byte units minus 2): 12 + 12 bytes of ICV */
	f.n = 0;
	l3 = ip6(&f, 51);
	p8(&f, 17);
	p8(&f, 4); /* (4 + 2) * 4 = 24 bytes */
	pz(&f, 22);
	udp(&f, 500, 500, "ike");
	ip6_done(&f, l3);
	x = dec(LINK_IPV6, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.proto, IPPROTO_NUM_UDP);
	assert_int_equal(x.p.sport, 500);
	assert_int_equal(x.p.payload_len, 3);
	done(&x);
}

static void frag6(struct fb *f, uint16_t offset_flags)
{
	f->n = 0;
	size_t l3 = ip6(f, 44);
	p8(f, 17);
	p8(f, 0);
	p16(f, offset_flags);
	p32(f, 0xabcd0001);
	udp(f, 4500, 4500, "fragment");
	ip6_done(f, l3);
}

static void test_ipv6_fragments(void **state)
{
	(void)state;
	struct fb f;
	memset(&decode_stats, 0, sizeof decode_stats);
	frag6(&f, 0x0001); /* offset 0, more fragments */
	struct res x = dec(LINK_IPV6, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_true(x.p.is_fragment);
	assert_true(x.p.frag_first);
	assert_int_equal(x.p.proto, IPPROTO_NUM_UDP);
	assert_int_equal(x.p.sport, 4500);
	assert_int_equal(x.p.ip_id, 0x0001);
	assert_int_equal(decode_stats.ipv6_fragments, 1);
	assert_int_equal(x.p.l4_csum, CSUM_UNKNOWN); /* not checked on a fragment */
	done(&x);

	frag6(&f, 0x0100); /* offset 32 bytes, last */
	x = dec(LINK_IPV6, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_true(x.p.is_fragment);
	assert_false(x.p.frag_first);
	assert_int_equal(x.p.proto, IPPROTO_NUM_UDP);
	assert_int_equal(x.p.sport, 0); /* no transport header here */
	assert_int_equal(x.p.payload_len, 8 + 8);
	assert_ptr_equal(x.p.payload, x.buf + 48);
	done(&x);

	frag6(&f, 0x0000); /* atomic fragment: offset 0, no more: whole */
	x = dec(LINK_IPV6, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_false(x.p.is_fragment);
	assert_int_equal(x.p.dport, 4500);
	assert_int_equal(x.p.payload_len, 8);
	done(&x);
	assert_int_equal(decode_stats.ipv6_fragments, 2);
}

static void test_ipv4_fragments(void **state)
{
	(void)state;
	struct fb f;
	memset(&decode_stats, 0, sizeof decode_stats);
	/* a first fragment holding only 8 bytes of the TCP header: no flags yet,
	 * neither malformed nor cut by the snaplen */
	f.n = 0;
	size_t l3 = ip4(&f, 6, 0x2000, NULL, 0);
	p16(&f, 40000);
	p16(&f, 22);
	p32(&f, 1000);
	ip4_done(&f, l3);
	struct res x = dec(LINK_RAW, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_true(x.p.is_fragment);
	assert_true(x.p.frag_first);
	assert_false(x.p.ip_truncated);
	assert_int_equal(x.p.l3_len, 28);
	assert_int_equal(decode_stats.malformed, 0);
	assert_int_equal(decode_stats.fragments, 1);
	done(&x);

	/* first fragment with the fixed TCP header whole and the options cut */
	f.n = 0;
	l3 = ip4(&f, 6, 0x2000, NULL, 0);
	tcp(&f, 0x02, SYN_OPTS, 4, NULL); /* 4 of the 20 option bytes */
	f.b[l3 + 20 + 12] = 0xa0;          /* data offset says 40 bytes */
	ip4_done(&f, l3);
	x = dec(LINK_RAW, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_true(x.p.is_fragment);
	assert_false(x.p.ip_truncated);
	assert_int_equal(x.p.proto, IPPROTO_NUM_TCP);
	assert_int_equal(x.p.tcp_flags, TH_SYN);
	assert_int_equal(x.p.seq, 1000);
	assert_null(x.p.payload);
	assert_int_equal(decode_stats.malformed, 0);
	done(&x);

	/* a later fragment: payload only */
	f.n = 0;
	l3 = ip4(&f, 17, 0x0003, NULL, 0);
	pn(&f, "0123456789", 10);
	ip4_done(&f, l3);
	x = dec(LINK_RAW, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_true(x.p.is_fragment);
	assert_false(x.p.frag_first);
	assert_int_equal(x.p.sport, 0);
	assert_int_equal(x.p.payload_len, 10);
	assert_memory_equal(x.p.payload, "0123456789", 10);
	done(&x);
}

/* ------------------------------------------------------------------ */
/* TCP options */

static struct res tcp_with_opts(struct fb *f, const uint8_t *opt, size_t optlen)
{
	f->n = 0;
	size_t l3 = ip4(f, 6, 0, NULL, 0);
	tcp(f, 0x10, opt, optlen, NULL);
	ip4_done(f, l3);
	return dec(LINK_RAW, f);
}

static void test_tcp_options(void **state)
{
	(void)state;
	struct fb f;
	/* NOP, NOP, SACK with two blocks, NOP, NOP, timestamps */
	static const uint8_t sack[32] = { 1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40,
					  1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9 };
	struct res x = tcp_with_opts(&f, sack, sizeof sack);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.opt.nsack, 2);
	assert_int_equal(x.p.opt.sack[0][0], 10);
	assert_int_equal(x.p.opt.sack[0][1], 20);
	assert_int_equal(x.p.opt.sack[1][0], 30);
	assert_int_equal(x.p.opt.sack[1][1], 40);
	assert_true(x.p.opt.has_ts);
	assert_int_equal(x.p.opt.tsval, 7);
	assert_int_equal(x.p.opt.tsecr, 9);
	assert_int_equal(x.p.opt.mss, 0);
	assert_false(x.p.opt.has_wscale);
	done(&x);

	/* end of list stops parsing: the MSS after it is not read */
	static const uint8_t eol[8] = { 3, 3, 14, 0, 2, 4, 5, 0xb4 };
	x = tcp_with_opts(&f, eol, sizeof eol);
	assert_true(x.p.opt.has_wscale);
	assert_int_equal(x.p.opt.wscale, 14);
	assert_int_equal(x.p.opt.mss, 0);
	done(&x);

	/* an option length of 1 stops parsing, the header stays usable */
	static const uint8_t bad1[4] = { 2, 1, 5, 0xb4 };
	x = tcp_with_opts(&f, bad1, sizeof bad1);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.proto, IPPROTO_NUM_TCP);
	assert_int_equal(x.p.opt.mss, 0);
	done(&x);

	/* an option running past the header: ignored */
	static const uint8_t past[4] = { 1, 8, 10, 0 };
	x = tcp_with_opts(&f, past, sizeof past);
	assert_int_equal(x.r, DECODE_OK);
	assert_false(x.p.opt.has_ts);
	done(&x);

	/* wrong lengths for MSS, window scale, timestamps: ignored */
	static const uint8_t wrong[12] = { 2, 3, 5, 3, 4, 7, 1, 1, 8, 4, 0, 0 };
	x = tcp_with_opts(&f, wrong, sizeof wrong);
	assert_int_equal(x.p.opt.mss, 0);
	assert_false(x.p.opt.has_wscale);
	assert_false(x.p.opt.has_ts);
	done(&x);

	/* more than four SACK blocks: four kept */
	uint8_t many[40] = { 1, 1, 5, 34 };
	for (int i = 0; i < 32; i++)
		many[4 + i] = (uint8_t)i;
	x = tcp_with_opts(&f, many, 36);
	assert_int_equal(x.p.opt.nsack, 4);
	assert_int_equal(x.p.opt.sack[3][1], 0x1c1d1e1f);
	done(&x);

	/* a data offset below 5 words: unusable */
	x = tcp_with_opts(&f, NULL, 0);
	done(&x);
	memset(&decode_stats, 0, sizeof decode_stats);
	f.b[20 + 12] = 0x40;
	x = dec(LINK_RAW, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.proto, 0);
	assert_int_equal(decode_stats.malformed, 1);
	done(&x);
}

/* ------------------------------------------------------------------ */
/* ICMP quotes */

static void test_icmp_quote_v4(void **state)
{
	(void)state;
	struct fb inner, f;
	/* the quoted SYN: IPv4 header and the first `qlen` bytes of TCP */
	static const size_t qlens[] = { 8, 14, 20 };
	for (size_t i = 0; i < 3; i++) {
		inner.n = 0;
		size_t il3 = ip4(&inner, 6, 0x4000, NULL, 0);
		tcp(&inner, 0x02, NULL, 0, NULL);
		ip4_done(&inner, il3);
		f.n = 0;
		size_t l3 = ip4(&f, 1, 0, NULL, 0);
		memcpy(f.b + l3 + 12, (uint8_t[]){ 192, 0, 2, 1 }, 4); /* from the router */
		memcpy(f.b + l3 + 16, CLI4, 4);
		p8(&f, 3);
		p8(&f, 13);
		pz(&f, 6);
		pn(&f, inner.b, 20 + qlens[i]);
		ip4_done(&f, l3);
		struct res x = dec(LINK_RAW, &f);
		assert_int_equal(x.r, DECODE_OK);
		assert_int_equal(x.p.proto, IPPROTO_NUM_ICMP);
		assert_int_equal(x.p.icmp_type, 3);
		assert_int_equal(x.p.icmp_code, 13);
		assert_true(x.p.quote.present);
		assert_int_equal(x.p.quote.proto, IPPROTO_NUM_TCP);
		assert_memory_equal(x.p.quote.src.b, CLI4, 4);
		assert_memory_equal(x.p.quote.dst.b, SRV4, 4);
		assert_int_equal(x.p.quote.sport, 40000);
		assert_int_equal(x.p.quote.dport, 22);
		assert_int_equal(x.p.quote.seq, 1000);
		assert_int_equal(x.p.quote.has_flags, qlens[i] >= 14);
		assert_int_equal(x.p.quote.tcp_flags, qlens[i] >= 14 ? TH_SYN : 0);
		done(&x);
	}

	/* a UDP quote, and an ESP one */
	inner.n = 0;
	size_t il3 = ip4(&inner, 17, 0, NULL, 0);
	udp(&inner, 500, 500, "");
	ip4_done(&inner, il3);
	f.n = 0;
	size_t l3 = ip4(&f, 1, 0, NULL, 0);
	p8(&f, 3);
	p8(&f, 3);
	pz(&f, 6);
	pn(&f, inner.b, inner.n);
	ip4_done(&f, l3);
	struct res x = dec(LINK_RAW, &f);
	assert_true(x.p.quote.present);
	assert_int_equal(x.p.quote.proto, IPPROTO_NUM_UDP);
	assert_int_equal(x.p.quote.sport, 500);
	assert_false(x.p.quote.has_flags);
	done(&x);

	f.b[20 + 8 + 9] = 50; /* quoted protocol ESP: the UDP ports read as the SPI */
	x = dec(LINK_RAW, &f);
	assert_true(x.p.quote.present);
	assert_int_equal(x.p.quote.proto, IPPROTO_NUM_ESP);
	assert_int_equal(x.p.quote.spi, 0x01f401f4);
	done(&x);

	/* a quote too short for the ports: no quote */
	x = dec_wire(LINK_RAW, f.b, 20 + 8 + 20 + 2, f.n);
	assert_false(x.p.quote.present);
	done(&x);

	/* echo request: no quote */
	f.n = 0;
	l3 = ip4(&f, 1, 0, NULL, 0);
	p8(&f, 8);
	p8(&f, 0);
	pz(&f, 6);
	pn(&f, inner.b, inner.n);
	ip4_done(&f, l3);
	x = dec(LINK_RAW, &f);
	assert_int_equal(x.p.icmp_type, 8);
	assert_false(x.p.quote.present);
	done(&x);
}

static void test_icmp_quote_v6(void **state)
{
	(void)state;
	struct fb inner, f;
	/* the quoted datagram: IPv6, a destination options header, UDP */
	inner.n = 0;
	size_t il3 = ip6(&inner, 60);
	ext8(&inner, 17);
	udp(&inner, 40010, 4500, "x");
	ip6_done(&inner, il3);
	f.n = 0;
	size_t l3 = ip6(&f, 58);
	p8(&f, 1); /* destination unreachable */
	p8(&f, 4); /* port unreachable */
	pz(&f, 6);
	pn(&f, inner.b, inner.n);
	ip6_done(&f, l3);
	struct res x = dec(LINK_IPV6, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.proto, IPPROTO_NUM_ICMPV6);
	assert_int_equal(x.p.icmp_type, 1);
	assert_true(x.p.quote.present);
	assert_int_equal(x.p.quote.proto, IPPROTO_NUM_UDP);
	assert_int_equal(x.p.quote.src.family, 6);
	assert_memory_equal(x.p.quote.src.b, CLI6, 16);
	assert_int_equal(x.p.quote.sport, 40010);
	assert_int_equal(x.p.quote.dport, 4500);
	done(&x);

	/* a quoted TCP SYN without extension headers */
	ip6_tcp(&inner);
	f.n = 0;
	l3 = ip6(&f, 58);
	p8(&f, 1);
	p8(&f, 1);
	pz(&f, 6);
	pn(&f, inner.b, 40 + 20);
	ip6_done(&f, l3);
	x = dec(LINK_IPV6, &f);
	assert_true(x.p.quote.present);
	assert_int_equal(x.p.quote.proto, IPPROTO_NUM_TCP);
	assert_int_equal(x.p.quote.seq, 1000);
	assert_true(x.p.quote.has_flags);
	assert_int_equal(x.p.quote.tcp_flags, TH_SYN);
	done(&x);

	/* echo request (128): no quote */
	f.b[40] = 128;
	x = dec(LINK_IPV6, &f);
	assert_false(x.p.quote.present);
	done(&x);
}

/* The quote parser walks IPv6 extension headers with the same code as the
 * packet decoder: an AH header (length in 4-byte units, RFC 4302) in the
 * quoted datagram is stepped over, so the ICMPv6 error finds its flow. */
static void test_icmp_quote_v6_ah(void **state)
{
	(void)state;
	struct fb inner, f;
	inner.n = 0;
	size_t il3 = ip6(&inner, 51);
	p8(&inner, 17); /* AH: next header UDP */
	p8(&inner, 4);  /* payload length: (4 + 2) * 4 = 24 bytes in all */
	pz(&inner, 22);
	udp(&inner, 40011, 4500, "x");
	ip6_done(&inner, il3);
	f.n = 0;
	size_t l3 = ip6(&f, 58);
	p8(&f, 1);
	p8(&f, 4);
	pz(&f, 6);
	pn(&f, inner.b, inner.n);
	ip6_done(&f, l3);
	struct res x = dec(LINK_IPV6, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_true(x.p.quote.present);
	assert_int_equal(x.p.quote.proto, IPPROTO_NUM_UDP);
	assert_int_equal(x.p.quote.sport, 40011);
	assert_int_equal(x.p.quote.dport, 4500);
	done(&x);
	/* the same datagram on its own decodes to the same ports */
	x = dec(LINK_IPV6, &inner);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.proto, IPPROTO_NUM_UDP);
	assert_int_equal(x.p.sport, 40011);
	done(&x);
}

static void test_esp(void **state)
{
	(void)state;
	struct fb f;
	f.n = 0;
	size_t l3 = ip4(&f, 50, 0, NULL, 0);
	p32(&f, 0xc1a0f001);
	p32(&f, 7);
	pz(&f, 32);
	ip4_done(&f, l3);
	struct res x = dec(LINK_RAW, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.proto, IPPROTO_NUM_ESP);
	assert_int_equal(x.p.esp_spi, 0xc1a0f001);
	assert_int_equal(x.p.esp_seq, 7);
	assert_int_equal(x.p.payload_len, 32);
	done(&x);
	memset(&decode_stats, 0, sizeof decode_stats);
	x = dec_wire(LINK_RAW, f.b, 26, f.n); /* cut inside the ESP header */
	assert_int_equal(x.r, DECODE_OK);
	assert_true(x.p.ip_truncated);
	assert_int_equal(x.p.proto, 0);
	assert_int_equal(decode_stats.malformed, 0); /* a snaplen cut is no decode error */
	done(&x);
}

/* ------------------------------------------------------------------ */
/* lengths that lie */

static void test_lying_lengths(void **state)
{
	(void)state;
	struct fb f;
	/* a SYN padded by Ethernet to 60 bytes: the padding is not payload */
	f.n = 0;
	pn(&f, MAC, 12);
	p16(&f, 0x0800);
	size_t l3 = ip4(&f, 6, 0, NULL, 0);
	size_t l4 = tcp(&f, 0x02, NULL, 0, NULL);
	ip4_done(&f, l3);
	l4_csum(&f, l3, l4, 6);
	pz(&f, 6);
	struct res x = dec(LINK_EN10MB, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.payload_len, 0);
	assert_int_equal(x.p.payload_wire_len, 0);
	assert_int_equal(x.p.l3_len, 40);
	assert_int_equal(x.p.l4_csum, CSUM_GOOD);
	done(&x);

	/* total length larger than the frame and than the wire: truncated and
	 * counted as a lie */
	memset(&decode_stats, 0, sizeof decode_stats);
	set16(&f, 14 + 2, 1500);
	x = dec(LINK_EN10MB, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_true(x.p.ip_truncated);
	assert_int_equal(decode_stats.ip_truncated, 1);
	assert_int_equal(decode_stats.malformed, 1);
	assert_int_equal(x.p.l3_len, f.n - 14);
	assert_int_equal(x.p.l4_csum, CSUM_UNKNOWN);
	done(&x);

	/* total length below the header length */
	set16(&f, 14 + 2, 16);
	expect_r(LINK_EN10MB, f.b, f.n, f.n, DECODE_MALFORMED);

	/* total length covers the IP header and 10 bytes of TCP only, all of it
	 * captured: the TCP header cannot be used and that is a decode error */
	memset(&decode_stats, 0, sizeof decode_stats);
	set16(&f, 14 + 2, 30);
	x = dec(LINK_EN10MB, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_int_equal(x.p.proto, 0);
	assert_int_equal(decode_stats.malformed, 1);
	done(&x);

	/* UDP length longer than the IP payload: bounded by IP; shorter: by UDP */
	f.n = 0;
	l3 = ip4(&f, 17, 0, NULL, 0);
	udp(&f, 500, 500, "0123456789");
	ip4_done(&f, l3);
	set16(&f, 20 + 4, 200);
	x = dec(LINK_RAW, &f);
	assert_int_equal(x.p.payload_len, 10);
	assert_int_equal(x.p.l4_csum, CSUM_UNKNOWN);
	done(&x);
	set16(&f, 20 + 4, 8 + 4);
	x = dec(LINK_RAW, &f);
	assert_int_equal(x.p.payload_len, 4);
	assert_int_equal(x.p.payload_wire_len, 4);
	done(&x);

	/* IPv6 payload length larger than what is there */
	ip6_tcp(&f);
	memset(&decode_stats, 0, sizeof decode_stats);
	set16(&f, 4, 4000);
	x = dec(LINK_IPV6, &f);
	assert_int_equal(x.r, DECODE_OK);
	assert_true(x.p.ip_truncated);
	assert_int_equal(decode_stats.malformed, 1);
	assert_int_equal(x.p.sport, 40000);
	done(&x);
	/* ... and smaller than the TCP header */
	set16(&f, 4, 12);
	x = dec(LINK_IPV6, &f);
	assert_int_equal(x.p.proto, 0);
	done(&x);
}

/* ------------------------------------------------------------------ */
/* cut at every byte */

static void test_truncate_eth_ipv4_tcp(void **state)
{
	(void)state;
	struct fb f;
	eth_ip4_tcp(&f, "payload");
	const size_t eth = 14, ip = 20, tcpfix = 20, tcphdr = 40;
	for (size_t cap = 0; cap <= f.n; cap++) {
		memset(&decode_stats, 0, sizeof decode_stats);
		struct res x = dec_wire(LINK_EN10MB, f.b, cap, f.n);
		if (cap < eth + ip) {
			assert_int_equal(x.r, DECODE_MALFORMED);
			done(&x);
			continue;
		}
		assert_int_equal(x.r, DECODE_OK);
		assert_v4_endpoints(&x.p);
		assert_int_equal(x.p.ip_truncated, cap < f.n);
		assert_int_equal(decode_stats.ip_truncated, cap < f.n);
		assert_int_equal(decode_stats.malformed, 0); /* the snaplen is no lie */
		assert_int_equal(x.p.l3_len, cap - eth);
		if (cap < eth + ip + tcpfix) {
			assert_int_equal(x.p.proto, 0); /* no usable TCP header */
		} else {
			assert_int_equal(x.p.proto, IPPROTO_NUM_TCP);
			assert_int_equal(x.p.tcp_flags, TH_SYN);
			assert_int_equal(x.p.seq, 1000);
			assert_int_equal(x.p.payload_wire_len, 7);
			if (cap < eth + ip + tcphdr) {
				assert_null(x.p.payload);
				assert_int_equal(x.p.payload_len, 0);
			} else {
				assert_int_equal(x.p.payload_len, cap - (eth + ip + tcphdr));
				assert_int_equal(x.p.opt.mss, 1460);
				assert_true(x.p.opt.has_ts);
			}
		}
		assert_int_equal(x.p.l4_csum, cap == f.n ? CSUM_GOOD : CSUM_UNKNOWN);
		done(&x);
	}
}

static void test_truncate_ipv6_udp(void **state)
{
	(void)state;
	struct fb f;
	f.n = 0;
	size_t l3 = ip6(&f, 0); /* with a hop-by-hop header in front of UDP */
	ext8(&f, 17);
	size_t l4 = udp(&f, 4500, 4500, "ike-message");
	ip6_done(&f, l3);
	l4_csum(&f, l3, l4, 17);
	for (size_t cap = 0; cap <= f.n; cap++) {
		memset(&decode_stats, 0, sizeof decode_stats);
		struct res x = dec_wire(LINK_IPV6, f.b, cap, f.n);
		if (cap < 40) {
			assert_int_equal(x.r, DECODE_MALFORMED);
			done(&x);
			continue;
		}
		assert_int_equal(x.r, DECODE_OK);
		assert_v6_endpoints(&x.p);
		assert_int_equal(x.p.ip_truncated, cap < f.n);
		assert_int_equal(decode_stats.malformed, 0);
		assert_int_equal(x.p.l3_len, cap);
		if (cap < 40 + 8 + 8) {
			assert_int_equal(x.p.proto, 0); /* no usable UDP header */
		} else {
			assert_int_equal(x.p.proto, IPPROTO_NUM_UDP);
			assert_int_equal(x.p.sport, 4500);
			assert_int_equal(x.p.payload_wire_len, 11);
			assert_int_equal(x.p.payload_len, cap - 56);
		}
		assert_int_equal(x.p.l4_csum, cap == f.n ? CSUM_GOOD : CSUM_UNKNOWN);
		done(&x);
	}
}

/* Every link type fed every prefix of its frame: never out of bounds (the
 * asserts in dec_wire and ASan), and the full frame decodes. */
static void test_truncate_every_link(void **state)
{
	(void)state;
	struct fb f;
	static const int lts[] = { LINK_PFLOG, LINK_NULL, LINK_LOOP, LINK_ENC, LINK_NFLOG, LINK_LINUX_SLL2 };
	for (size_t k = 0; k < sizeof lts / sizeof lts[0]; k++) {
		switch (lts[k]) {
		case LINK_PFLOG:
			pflog_frame(&f, 69, 2, 1, 12, 1, false);
			break;
		case LINK_NULL:
			null_frame(&f, 30, false, true);
			break;
		case LINK_LOOP:
			null_frame(&f, 2, true, false);
			break;
		case LINK_ENC:
			enc_frame(&f);
			break;
		case LINK_NFLOG: {
			struct fb ip;
			ip4_tcp(&ip);
			f.n = 0;
			p8(&f, 2);
			p8(&f, 0);
			p16(&f, 0);
			nflog_tlv(&f, 9, ip.b, ip.n);
			break;
		}
		default: {
			struct fb ip;
			ip4_tcp(&ip);
			f.n = 0;
			p16(&f, 0x0800);
			pz(&f, 18);
			pn(&f, ip.b, ip.n);
		}
		}
		for (size_t cap = 0; cap <= f.n; cap++) {
			struct res x = dec_wire(lts[k], f.b, cap, f.n);
			if (cap == f.n) {
				assert_int_equal(x.r, DECODE_OK);
				assert_false(x.p.ip_truncated);
				assert_int_equal(x.p.sport, 40000);
			} else if (x.r == DECODE_OK) {
				assert_true(x.p.ip_truncated);
			}
			done(&x);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_ipv4_tcp),
		cmocka_unit_test(test_vlan_qinq),
		cmocka_unit_test(test_pppoe),
		cmocka_unit_test(test_sll_sll2),
		cmocka_unit_test(test_raw_ip),
		cmocka_unit_test(test_null_loop),
		cmocka_unit_test(test_pflog),
		cmocka_unit_test(test_enc),
		cmocka_unit_test(test_nflog),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv6_ext_headers),
		cmocka_unit_test(test_ipv6_fragments),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_tcp_options),
		cmocka_unit_test(test_icmp_quote_v4),
		cmocka_unit_test(test_icmp_quote_v6),
		cmocka_unit_test(test_icmp_quote_v6_ah),
		cmocka_unit_test(test_esp),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_truncate_eth_ipv4_tcp),
		cmocka_unit_test(test_truncate_ipv6_udp),
		cmocka_unit_test(test_truncate_every_link),
		cmocka_unit_test(test_csum_add_matches_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
