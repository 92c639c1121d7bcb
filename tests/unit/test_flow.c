/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_flow.c - capture/flow.c: one flow for both directions of a
 * 5-tuple, who is the client (SYN, SYN-ACK first, guesses), ESP keyed by
 * SPI, packets that have no flow, eviction of the least recently active
 * flow when the table is full, idle expiry and deadlines by packet time,
 * and the engine's clock that drives them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer/config.h"
#include "analyzer/verdict.h"
#include "analyzer/driver.h"
#include "capture/decode.h"
#include "capture/flow.h"
#include "capture/pool.h"

#define ONE_S 1000000ull
#define T0 (1700000000ull * ONE_S)

/* every flow_end callback, in order (the first 64 kept), and their number */
struct ended {
	uint64_t id;
	enum flow_end_reason why;
	ts_usec now;
	uint16_t cport, sport;
};
/* the run in progress */
static struct driver *drv;

static struct ended ends[64];
static int nends;

static void on_end(struct flow *f, enum flow_end_reason why, ts_usec now, void *arg)
{
	assert_ptr_equal(arg, &nends);
	assert_true(f->in_use); /* still whole while the callback runs */
	if (nends < 64) {
		ends[nends].id = f->id;
		ends[nends].why = why;
		ends[nends].now = now;
		ends[nends].cport = f->cport;
		ends[nends].sport = f->sport;
	}
	nends++;
}

static struct flow_table *table(uint32_t max, ts_usec idle)
{
	nends = 0;
	struct flow_table *t = flow_table_new(max, idle, on_end, &nends);
	assert_non_null(t);
	return t;
}

static struct addr A(const char *s)
{
	struct addr a;
	assert_true(addr_parse(s, &a));
	return a;
}

static struct pkt mk(uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t flags,
		     ts_usec ts)
{
	static uint64_t frame;
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.frame = ++frame;
	p.ts = ts;
	p.wirelen = p.caplen = 60;
	p.src = A(src);
	p.dst = A(dst);
	p.ipver = p.src.family;
	p.proto = proto;
	p.sport = sport;
	p.dport = dport;
	p.tcp_flags = flags;
	return p;
}

static struct pkt tcp(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t flags, ts_usec ts)
{
	return mk(IPPROTO_NUM_TCP, src, sport, dst, dport, flags, ts);
}

static struct flow *look(struct flow_table *t, const struct pkt *p, int want_dir)
{
	int dir = -1;
	struct flow *f = flow_table_lookup(t, p, &dir);
	assert_non_null(f);
	assert_int_equal(dir, want_dir);
	return f;
}

static void assert_client(const struct flow *f, const char *cli, uint16_t cport, const char *srv, uint16_t sport)
{
	struct addr c = A(cli), s = A(srv);
	struct addr fc = flow_cli(f), fs = flow_srv(f);
	assert_true(addr_eq(&fc, &c));
	assert_true(addr_eq(&fs, &s));
	assert_int_equal(f->cport, cport);
	assert_int_equal(f->sport, sport);
}

static void test_both_directions_one_flow(void **state)
{
	(void)state;
	struct flow_table *t = table(1024, 600 * ONE_S);
	struct pkt syn = tcp("198.51.100.20", 40000, "192.0.2.10", 22, TH_SYN, T0);
	struct flow *f = look(t, &syn, DIR_C2S);
	assert_int_equal(f->id, 1);
	assert_int_equal(f->proto, IPPROTO_NUM_TCP);
	assert_int_equal(f->ipver, 4);
	assert_false(f->initiator_guessed);
	assert_client(f, "198.51.100.20", 40000, "192.0.2.10", 22);
	/* the key is normalised: the lower address first */
	struct addr lo = A("192.0.2.10");
	assert_memory_equal(f->key.a, lo.b, 4);
	assert_int_equal(f->key.family, 4);
	assert_int_equal(f->key.pa, 22);
	assert_int_equal(f->key.pb, 40000);

	struct pkt synack = tcp("192.0.2.10", 22, "198.51.100.20", 40000, TH_SYN | TH_ACK, T0 + 500);
	assert_ptr_equal(look(t, &synack, DIR_S2C), f);
	struct pkt ack = tcp("198.51.100.20", 40000, "192.0.2.10", 22, TH_ACK, T0 + 900);
	assert_ptr_equal(look(t, &ack, DIR_C2S), f);
	assert_int_equal(f->pkts[DIR_C2S], 2);
	assert_int_equal(f->pkts[DIR_S2C], 1);
	assert_int_equal(f->bytes[DIR_C2S], 120);
	assert_int_equal(f->first_ts, T0);
	assert_int_equal(f->last_ts, T0 + 900);
	assert_int_equal(f->first_frame, syn.frame);
	assert_int_equal(f->last_frame, ack.frame);

	/* found without creating, from either side; a different port is not it */
	int dir = -1;
	struct addr c = A("198.51.100.20"), s = A("192.0.2.10");
	assert_ptr_equal(flow_table_find(t, IPPROTO_NUM_TCP, &s, 22, &c, 40000, 0, &dir), f);
	assert_int_equal(dir, DIR_S2C);
	assert_ptr_equal(flow_table_find(t, IPPROTO_NUM_TCP, &c, 40000, &s, 22, 0, &dir), f);
	assert_int_equal(dir, DIR_C2S);
	assert_null(flow_table_find(t, IPPROTO_NUM_TCP, &c, 40001, &s, 22, 0, &dir));
	assert_null(flow_table_find(t, IPPROTO_NUM_UDP, &c, 40000, &s, 22, 0, &dir));
	assert_int_equal(flow_table_stats(t)->created, 1);
	assert_int_equal(flow_table_stats(t)->active, 1);

	/* IPv6, and UDP on the same ports, are other flows */
	struct pkt v6 = tcp("2001:db8:1::10", 40000, "2001:db8:2::20", 22, TH_SYN, T0 + ONE_S);
	struct flow *f6 = look(t, &v6, DIR_C2S);
	assert_ptr_not_equal(f6, f);
	assert_int_equal(f6->ipver, 6);
	struct pkt v6back = tcp("2001:db8:2::20", 22, "2001:db8:1::10", 40000, TH_SYN | TH_ACK, T0 + ONE_S + 1);
	assert_ptr_equal(look(t, &v6back, DIR_S2C), f6);
	struct pkt u = mk(IPPROTO_NUM_UDP, "198.51.100.20", 40000, "192.0.2.10", 22, 0, T0 + 2 * ONE_S);
	assert_ptr_not_equal(look(t, &u, DIR_C2S), f);
	assert_int_equal(flow_table_stats(t)->created, 3);
	flow_table_free(t);
}

static void test_orientation(void **state)
{
	(void)state;
	struct flow_table *t = table(1024, 600 * ONE_S);
	/* SYN-ACK seen first (the SYN went another way): its receiver is the client */
	struct pkt synack = tcp("198.51.100.20", 443, "192.0.2.10", 50000, TH_SYN | TH_ACK, T0);
	struct flow *f = look(t, &synack, DIR_S2C);
	assert_client(f, "192.0.2.10", 50000, "198.51.100.20", 443);
	assert_false(f->initiator_guessed);
	struct pkt ack = tcp("192.0.2.10", 50000, "198.51.100.20", 443, TH_ACK, T0 + 1);
	assert_ptr_equal(look(t, &ack, DIR_C2S), f);

	/* midstream, no SYN: guessed from the ports; a well-known port serves */
	struct pkt mid = tcp("198.51.100.20", 22, "192.0.2.10", 51000, TH_ACK | TH_PSH, T0 + 2);
	f = look(t, &mid, DIR_S2C);
	assert_true(f->initiator_guessed);
	assert_client(f, "192.0.2.10", 51000, "198.51.100.20", 22);
	struct pkt mid2 = tcp("192.0.2.10", 51001, "198.51.100.20", 8080, TH_ACK, T0 + 3);
	f = look(t, &mid2, DIR_C2S);
	assert_true(f->initiator_guessed);
	assert_client(f, "192.0.2.10", 51001, "198.51.100.20", 8080);

	/* UDP: the first sender, unless it answers from IKE's ports to another */
	struct pkt ike = mk(IPPROTO_NUM_UDP, "192.0.2.1", 500, "198.51.100.1", 500, 0, T0 + 4);
	f = look(t, &ike, DIR_C2S);
	assert_client(f, "192.0.2.1", 500, "198.51.100.1", 500);
	assert_false(f->initiator_guessed);
	struct pkt natt = mk(IPPROTO_NUM_UDP, "198.51.100.1", 4500, "203.0.113.7", 61000, 0, T0 + 5);
	f = look(t, &natt, DIR_S2C);
	assert_client(f, "203.0.113.7", 61000, "198.51.100.1", 4500);
	struct pkt dns = mk(IPPROTO_NUM_UDP, "198.51.100.53", 53, "192.0.2.10", 33333, 0, T0 + 6);
	f = look(t, &dns, DIR_S2C);
	assert_client(f, "192.0.2.10", 33333, "198.51.100.53", 53);

	/* the same host on both ends (a connection to itself) */
	struct pkt self = tcp("192.0.2.1", 40000, "192.0.2.1", 22, TH_SYN, T0 + 7);
	f = look(t, &self, DIR_C2S);
	struct pkt selfback = tcp("192.0.2.1", 22, "192.0.2.1", 40000, TH_SYN | TH_ACK, T0 + 8);
	assert_ptr_equal(look(t, &selfback, DIR_S2C), f);
	flow_table_free(t);
}

static void test_esp_by_spi(void **state)
{
	(void)state;
	struct flow_table *t = table(1024, 600 * ONE_S);
	struct pkt a = mk(IPPROTO_NUM_ESP, "192.0.2.1", 0, "198.51.100.1", 0, 0, T0);
	a.esp_spi = 0xc1a0f001;
	struct flow *fa = look(t, &a, DIR_C2S);
	assert_int_equal(fa->key.spi, 0xc1a0f001);
	assert_client(fa, "192.0.2.1", 0, "198.51.100.1", 0);
	/* the peer's SA has its own SPI: another flow, whose client is the peer */
	struct pkt b = mk(IPPROTO_NUM_ESP, "198.51.100.1", 0, "192.0.2.1", 0, 0, T0 + 1);
	b.esp_spi = 0xc1a0f002;
	struct flow *fb = look(t, &b, DIR_C2S);
	assert_ptr_not_equal(fa, fb);
	assert_client(fb, "198.51.100.1", 0, "192.0.2.1", 0);
	/* more packets of each SA find their flow */
	a.ts = T0 + 2;
	assert_ptr_equal(look(t, &a, DIR_C2S), fa);
	assert_int_equal(fa->pkts[DIR_C2S], 2);
	/* the same SPI coming back the other way: same SA key, server side */
	struct pkt back = b;
	back.esp_spi = 0xc1a0f001;
	assert_ptr_equal(look(t, &back, DIR_S2C), fa);
	int dir;
	struct addr s = A("192.0.2.1"), d = A("198.51.100.1");
	assert_ptr_equal(flow_table_find(t, IPPROTO_NUM_ESP, &s, 0, &d, 0, 0xc1a0f002, &dir), fb);
	assert_null(flow_table_find(t, IPPROTO_NUM_ESP, &s, 0, &d, 0, 0xdeadbeef, &dir));
	flow_table_free(t);
}

/* The direction of a packet of a known flow comes from its probe (which
 * side of the key its source took) instead of comparing addresses: it must
 * agree with the address comparison flow_table_find() makes, whichever
 * side opened the flow and whatever the order of the two addresses. */
static void test_direction_from_probe(void **state)
{
	(void)state;
	struct flow_table *t = table(4096, 600 * ONE_S);
	const char *v4[] = { "192.0.2.1", "192.0.2.200", "198.51.100.7", "203.0.113.9" };
	const char *v6[] = { "2001:db8::1", "2001:db8:ffff::2", "2001:db8:0:1::3", "2001:db8:a::4" };
	const uint16_t ports[] = { 22, 500, 40000, 65535 };
	ts_usec ts = T0;
	int checked = 0;
	for (int fam = 0; fam < 2; fam++)
		for (int i = 0; i < 4; i++)
			for (int j = 0; j < 4; j++)
				for (int k = 0; k < 4; k++) {
					if (i == j)
						continue;
					const char *x = fam ? v6[i] : v4[i], *y = fam ? v6[j] : v4[j];
					uint16_t px = ports[k], py = ports[(k + 1) % 4];
					/* opened by x (SYN) or by y (SYN-ACK seen first) */
					uint8_t first = (i + j + k) % 2 ? TH_SYN : TH_SYN | TH_ACK;
					struct pkt p0 = tcp(x, px, y, py, first, ts++);
					struct flow *f = look(t, &p0, first == TH_SYN ? DIR_C2S : DIR_S2C);
					struct pkt fwd = tcp(x, px, y, py, TH_ACK, ts++), rev = tcp(y, py, x, px, TH_ACK, ts++);
					int d1 = -1, d2 = -1, e1 = -1, e2 = -1;
					assert_ptr_equal(flow_table_lookup(t, &fwd, &d1), f);
					assert_ptr_equal(flow_table_lookup(t, &rev, &d2), f);
					assert_ptr_equal(flow_table_find(t, IPPROTO_NUM_TCP, &fwd.src, px, &fwd.dst, py, 0, &e1), f);
					assert_ptr_equal(flow_table_find(t, IPPROTO_NUM_TCP, &rev.src, py, &rev.dst, px, 0, &e2), f);
					assert_int_equal(d1, e1);
					assert_int_equal(d2, e2);
					assert_int_not_equal(d1, d2);
					/* ESP: one SPI, seen from both ends */
					struct pkt ea = mk(IPPROTO_NUM_ESP, x, 0, y, 0, 0, ts++);
					ea.esp_spi = 0x1000u + (uint32_t)checked;
					struct flow *fe = look(t, &ea, DIR_C2S);
					struct pkt eb = mk(IPPROTO_NUM_ESP, y, 0, x, 0, 0, ts++);
					eb.esp_spi = ea.esp_spi;
					assert_ptr_equal(look(t, &eb, DIR_S2C), fe);
					checked++;
				}
	assert_int_equal(checked, 96);
	/* both ends the same address and port: the address comparison decides */
	struct pkt s1 = tcp("192.0.2.5", 7000, "192.0.2.5", 7000, TH_SYN, ts++);
	struct flow *f = look(t, &s1, DIR_C2S);
	struct pkt s2 = tcp("192.0.2.5", 7000, "192.0.2.5", 7000, TH_ACK, ts++);
	int d = -1, e = -1;
	assert_ptr_equal(flow_table_lookup(t, &s2, &d), f);
	assert_ptr_equal(flow_table_find(t, IPPROTO_NUM_TCP, &s2.src, 7000, &s2.dst, 7000, 0, &e), f);
	assert_int_equal(d, e);
	flow_table_free(t);
}

static void test_packets_without_flow(void **state)
{
	(void)state;
	struct flow_table *t = table(1024, 600 * ONE_S);
	int dir;
	struct pkt icmp = mk(IPPROTO_NUM_ICMP, "192.0.2.1", 0, "192.0.2.10", 0, 0, T0);
	assert_null(flow_table_lookup(t, &icmp, &dir));
	struct pkt notip = tcp("192.0.2.10", 1, "198.51.100.20", 2, TH_SYN, T0);
	notip.ipver = 0;
	assert_null(flow_table_lookup(t, &notip, &dir));
	/* fragments: only a first UDP fragment has a flow (IKE reads it) */
	struct pkt frag = tcp("192.0.2.10", 40000, "198.51.100.20", 22, TH_SYN, T0);
	frag.is_fragment = frag.frag_first = true;
	assert_null(flow_table_lookup(t, &frag, &dir));
	struct pkt ufirst = mk(IPPROTO_NUM_UDP, "192.0.2.1", 500, "198.51.100.1", 500, 0, T0);
	ufirst.is_fragment = ufirst.frag_first = true;
	assert_non_null(flow_table_lookup(t, &ufirst, &dir));
	struct pkt ulater = ufirst;
	ulater.frag_first = false;
	assert_null(flow_table_lookup(t, &ulater, &dir));
	assert_int_equal(flow_table_stats(t)->created, 1);
	flow_table_free(t);
}

static void test_eviction_lru(void **state)
{
	(void)state;
	struct flow_table *t = table(4, 600 * ONE_S); /* raised to the minimum of 16 */
	assert_int_equal(flow_table_stats(t)->max_flows, 16);
	struct flow *first = NULL;
	for (uint16_t i = 0; i < 16; i++) {
		struct pkt p = tcp("192.0.2.10", (uint16_t)(40000 + i), "198.51.100.20", 22, TH_SYN, T0 + i * ONE_S);
		struct flow *f = look(t, &p, DIR_C2S);
		if (i == 0)
			first = f;
	}
	assert_int_equal(nends, 0);
	/* the oldest flow speaks again: the second one is now the least recent */
	struct pkt again = tcp("198.51.100.20", 22, "192.0.2.10", 40000, TH_SYN | TH_ACK, T0 + 20 * ONE_S);
	assert_ptr_equal(look(t, &again, DIR_S2C), first);
	struct pkt extra = tcp("192.0.2.10", 50000, "198.51.100.20", 22, TH_SYN, T0 + 21 * ONE_S);
	struct flow *f17 = look(t, &extra, DIR_C2S);
	assert_int_equal(f17->id, 17);
	assert_int_equal(nends, 1);
	assert_int_equal(ends[0].id, 2);
	assert_int_equal(ends[0].cport, 40001);
	assert_int_equal(ends[0].why, FLOW_END_EVICTED);
	assert_int_equal(ends[0].now, T0 + 21 * ONE_S);
	const struct flow_stats *st = flow_table_stats(t);
	assert_int_equal(st->evicted, 1);
	assert_int_equal(st->created, 17);
	assert_int_equal(st->active, 16);
	assert_int_equal(st->peak, 16);
	/* the evicted flow's packets make a new flow, pushing out the next oldest */
	struct pkt back2 = tcp("192.0.2.10", 40001, "198.51.100.20", 22, TH_ACK, T0 + 22 * ONE_S);
	struct flow *f18 = look(t, &back2, DIR_C2S);
	assert_int_equal(f18->id, 18);
	assert_true(f18->initiator_guessed);
	assert_int_equal(f18->pkts[DIR_C2S], 1);
	assert_int_equal(nends, 2);
	assert_int_equal(ends[1].cport, 40002);
	assert_int_equal(st->evicted, 2);
	/* the first flow survived both */
	int dir;
	struct addr c = A("192.0.2.10"), s = A("198.51.100.20");
	assert_ptr_equal(flow_table_find(t, IPPROTO_NUM_TCP, &c, 40000, &s, 22, 0, &dir), first);
	assert_int_equal(first->id, 1);
	flow_table_free(t);
}

/* A full table evicts from rotating samples of 32 slots and picks the next
 * two samples' victims ahead (capture/flow.c, evict_next). A packet, or a
 * flow's end, in a sample picked ahead must make the pick again: the
 * victim is always the least recently active flow as the slots stand. */
static void test_eviction_picked_ahead(void **state)
{
	(void)state;
	struct flow_table *t = table(128, 600 * ONE_S);
	/* slot i holds flow i + 1, active at T0 + i s */
	for (uint16_t i = 0; i < 128; i++) {
		struct pkt p = tcp("192.0.2.10", (uint16_t)(40000 + i), "198.51.100.20", 22, TH_SYN, T0 + i * ONE_S);
		assert_int_equal(look(t, &p, DIR_C2S)->id, i + 1);
	}
	/* sample 0-31: flow 1 goes; samples 32-63 and 64-95 are picked ahead
	 * (flows 33 and 65) */
	struct pkt n1 = tcp("192.0.2.11", 50001, "198.51.100.20", 22, TH_SYN, T0 + 200 * ONE_S);
	look(t, &n1, DIR_C2S);
	assert_int_equal(nends, 1);
	assert_int_equal(ends[0].id, 1);
	/* flow 33 speaks: flow 34 is now the oldest of slots 32-63 */
	struct pkt a33 = tcp("198.51.100.20", 22, "192.0.2.10", 40032, TH_SYN | TH_ACK, T0 + 201 * ONE_S);
	assert_int_equal(look(t, &a33, DIR_S2C)->id, 33);
	struct pkt n2 = tcp("192.0.2.11", 50002, "198.51.100.20", 22, TH_SYN, T0 + 202 * ONE_S);
	look(t, &n2, DIR_C2S);
	assert_int_equal(nends, 2);
	assert_int_equal(ends[1].id, 34);
	/* flow 65 ends (an analyzer is done): slots 64-95 picked again, flow 66 */
	int dir;
	struct addr c = A("192.0.2.10"), s = A("198.51.100.20");
	struct flow *f65 = flow_table_find(t, IPPROTO_NUM_TCP, &c, 40064, &s, 22, 0, &dir);
	assert_non_null(f65);
	assert_int_equal(f65->id, 65);
	flow_table_end(t, f65, T0 + 203 * ONE_S);
	assert_int_equal(nends, 3);
	/* its slot is free: the next new flow takes it without an eviction */
	struct pkt n3 = tcp("192.0.2.11", 50003, "198.51.100.20", 22, TH_SYN, T0 + 204 * ONE_S);
	look(t, &n3, DIR_C2S);
	assert_int_equal(nends, 3);
	struct pkt n4 = tcp("192.0.2.11", 50004, "198.51.100.20", 22, TH_SYN, T0 + 205 * ONE_S);
	look(t, &n4, DIR_C2S);
	assert_int_equal(nends, 4);
	assert_int_equal(ends[3].id, 66);
	/* untouched samples keep their picks: 96-127, then 0-31 again, where
	 * flow 2 is now the oldest (slot 0 holds the new flow of n1) */
	struct pkt n5 = tcp("192.0.2.11", 50005, "198.51.100.20", 22, TH_SYN, T0 + 206 * ONE_S);
	look(t, &n5, DIR_C2S);
	struct pkt n6 = tcp("192.0.2.11", 50006, "198.51.100.20", 22, TH_SYN, T0 + 207 * ONE_S);
	look(t, &n6, DIR_C2S);
	assert_int_equal(nends, 6);
	assert_int_equal(ends[4].id, 97);
	assert_int_equal(ends[5].id, 2);
	assert_int_equal(flow_table_stats(t)->evicted, 5);
	flow_table_free(t);
}

static void count_flow(struct flow *f, void *arg)
{
	(void)f;
	(*(int *)arg)++;
}

static void test_many_flows(void **state)
{
	(void)state;
	/* more than one pool chunk, all found again from both sides */
	enum { N = 10000 };
	struct flow_table *t = table(N, 600 * ONE_S);
	char src[32], dst[32];
	for (int i = 0; i < N; i++) {
		snprintf(src, sizeof src, "192.0.2.%d", i % 250 + 1);
		snprintf(dst, sizeof dst, "198.51.100.%d", i / 250 + 1);
		struct pkt p = tcp(src, (uint16_t)(10000 + i), dst, 443, TH_SYN, T0 + (ts_usec)i);
		struct flow *f = look(t, &p, DIR_C2S);
		assert_int_equal(f->id, (uint64_t)i + 1);
	}
	for (int i = N - 1; i >= 0; i -= 7) {
		snprintf(src, sizeof src, "192.0.2.%d", i % 250 + 1);
		snprintf(dst, sizeof dst, "198.51.100.%d", i / 250 + 1);
		struct pkt p = tcp(dst, 443, src, (uint16_t)(10000 + i), TH_SYN | TH_ACK, T0 + N + (ts_usec)i);
		struct flow *f = look(t, &p, DIR_S2C);
		assert_int_equal(f->id, (uint64_t)i + 1);
	}
	const struct flow_stats *st = flow_table_stats(t);
	assert_int_equal(st->created, N);
	assert_int_equal(st->active, N);
	assert_int_equal(st->evicted, 0);
	int n = 0;
	flow_table_foreach(t, count_flow, &n);
	assert_int_equal(n, N);
	flow_table_end_all(t, T0 + 3 * N);
	assert_int_equal(nends, N);
	/* flows end in table-slot order: here, the order they were created */
	assert_int_equal(ends[0].id, 1);
	assert_int_equal(ends[2].id, 3);
	assert_int_equal(ends[3].id, 4);
	assert_int_equal(ends[0].why, FLOW_END_EOF);
	assert_int_equal(st->active, 0);
	flow_table_free(t);
}

static void test_idle_expiry(void **state)
{
	(void)state;
	struct flow_table *t = table(1024, 10 * ONE_S);
	struct pkt a = tcp("192.0.2.10", 40000, "198.51.100.20", 22, TH_SYN, T0);
	struct pkt b = tcp("192.0.2.10", 40001, "198.51.100.20", 22, TH_SYN, T0 + 5 * ONE_S);
	struct pkt c = tcp("192.0.2.10", 40002, "198.51.100.20", 22, TH_SYN, T0 + 5 * ONE_S);
	look(t, &a, DIR_C2S);
	look(t, &b, DIR_C2S);
	struct flow *fc = look(t, &c, DIR_C2S);
	fc->idle_timeout = 2 * ONE_S; /* an analyzer shortens this one */
	flow_table_sweep(t, T0 + 7 * ONE_S, NULL, NULL);
	assert_int_equal(nends, 0); /* exactly 2 s idle is not more than 2 s */
	flow_table_sweep(t, T0 + 7 * ONE_S + 1, NULL, NULL);
	assert_int_equal(nends, 1);
	assert_int_equal(ends[0].cport, 40002);
	assert_int_equal(ends[0].why, FLOW_END_IDLE);
	flow_table_sweep(t, T0 + 10 * ONE_S, NULL, NULL);
	assert_int_equal(nends, 1); /* 10 s idle: not yet */
	flow_table_sweep(t, T0 + 10 * ONE_S + 1, NULL, NULL);
	assert_int_equal(nends, 2);
	assert_int_equal(ends[1].cport, 40000);
	assert_int_equal(ends[1].now, T0 + 10 * ONE_S + 1);
	/* a packet keeps a flow alive */
	b.ts = T0 + 14 * ONE_S;
	look(t, &b, DIR_C2S);
	flow_table_sweep(t, T0 + 20 * ONE_S, NULL, NULL);
	assert_int_equal(nends, 2);
	/* a clock that went back (out-of-order input) ends nothing */
	flow_table_sweep(t, T0, NULL, NULL);
	assert_int_equal(nends, 2);
	flow_table_sweep(t, T0 + 24 * ONE_S + 1, NULL, NULL);
	assert_int_equal(nends, 3);
	assert_int_equal(ends[2].cport, 40001);
	const struct flow_stats *st = flow_table_stats(t);
	assert_int_equal(st->expired, 3);
	assert_int_equal(st->active, 0);
	assert_int_equal(st->evicted, 0);
	/* a freed slot is reused for the next flow, zeroed */
	struct pkt d = tcp("192.0.2.10", 40003, "198.51.100.20", 22, TH_SYN, T0 + 30 * ONE_S);
	struct flow *fd = look(t, &d, DIR_C2S);
	assert_int_equal(fd->id, 4);
	assert_int_equal(fd->idle_timeout, 0);
	assert_int_equal(fd->pkts[DIR_C2S], 1);
	assert_int_equal(fd->deadline, 0);
	for (size_t i = 0; i < FLOW_STATE_BYTES; i++)
		assert_int_equal(fd->state[i], 0);
	flow_table_free(t);
}

/* deadline callbacks */
static struct flow_table *dl_table;
static int fired;
static ts_usec fired_at;
static bool end_in_callback;

static void on_deadline(struct flow *f, ts_usec now, void *arg)
{
	assert_ptr_equal(arg, &fired);
	assert_int_equal(f->deadline, 0); /* cleared before the call */
	fired++;
	fired_at = now;
	if (end_in_callback)
		flow_table_end(dl_table, f, now);
}

static int quiet_calls;
static void on_quiet(struct flow *f, ts_usec now, void *arg)
{
	(void)f;
	(void)now;
	assert_ptr_equal(arg, &fired);
	quiet_calls++;
}

/* The quiet callback: once a silence, after quiet_after, again after the
 * flow's next packet and a new silence; never for a flow that expired. */
static void test_quiet_once_per_silence(void **state)
{
	(void)state;
	struct flow_table *t = table(1024, 60 * ONE_S);
	flow_table_set_quiet(t, 5 * ONE_S, on_quiet);
	quiet_calls = 0;
	struct pkt a = tcp("192.0.2.10", 40000, "198.51.100.20", 22, TH_SYN, T0);
	struct flow *f = look(t, &a, DIR_C2S);
	flow_table_sweep(t, T0 + 4 * ONE_S, NULL, &fired);
	assert_int_equal(quiet_calls, 0);
	flow_table_sweep(t, T0 + 5 * ONE_S, NULL, &fired);
	assert_int_equal(quiet_calls, 1);
	assert_true(f->quiet);
	flow_table_sweep(t, T0 + 9 * ONE_S, NULL, &fired);
	assert_int_equal(quiet_calls, 1); /* once */
	struct pkt b = tcp("198.51.100.20", 22, "192.0.2.10", 40000, TH_SYN | TH_ACK, T0 + 10 * ONE_S);
	assert_ptr_equal(look(t, &b, DIR_S2C), f);
	assert_false(f->quiet);
	flow_table_sweep(t, T0 + 14 * ONE_S, NULL, &fired);
	assert_int_equal(quiet_calls, 1);
	flow_table_sweep(t, T0 + 15 * ONE_S, NULL, &fired);
	assert_int_equal(quiet_calls, 2);
	flow_table_sweep(t, T0 + 80 * ONE_S, NULL, &fired);
	assert_int_equal(quiet_calls, 2); /* expired, not called */
	assert_int_equal(flow_table_stats(t)->active, 0);
	flow_table_free(t);
}

static void test_deadlines(void **state)
{
	(void)state;
	struct flow_table *t = table(1024, 600 * ONE_S);
	dl_table = t;
	fired = 0;
	end_in_callback = false;
	struct pkt a = tcp("192.0.2.10", 40000, "198.51.100.20", 22, TH_SYN, T0);
	struct flow *f = look(t, &a, DIR_C2S);
	f->deadline = T0 + 3 * ONE_S;
	flow_table_sweep(t, T0 + 2 * ONE_S, on_deadline, &fired);
	assert_int_equal(fired, 0);
	flow_table_sweep(t, T0 + 3 * ONE_S, on_deadline, &fired);
	assert_int_equal(fired, 1);
	assert_int_equal(fired_at, T0 + 3 * ONE_S);
	flow_table_sweep(t, T0 + 4 * ONE_S, on_deadline, &fired);
	assert_int_equal(fired, 1); /* once */
	/* a deadline set again fires again; one long passed fires at the next sweep */
	f->deadline = T0 + 5 * ONE_S;
	flow_table_sweep(t, T0 + 60 * ONE_S, on_deadline, &fired);
	assert_int_equal(fired, 2);
	assert_int_equal(fired_at, T0 + 60 * ONE_S);
	assert_int_equal(nends, 0);
	/* the analyzer may end the flow from its timer */
	end_in_callback = true;
	f->deadline = T0 + 61 * ONE_S;
	flow_table_sweep(t, T0 + 61 * ONE_S, on_deadline, &fired);
	assert_int_equal(fired, 3);
	assert_int_equal(nends, 1);
	assert_int_equal(ends[0].why, FLOW_END_DONE);
	assert_int_equal(flow_table_stats(t)->active, 0);
	assert_int_equal(flow_table_stats(t)->expired, 0);
	flow_table_end(t, f, T0 + 62 * ONE_S); /* ending twice does nothing */
	assert_int_equal(nends, 1);
	flow_table_free(t);
}

static void test_end_all_in_slot_order(void **state)
{
	(void)state;
	struct flow_table *t = table(1024, 600 * ONE_S);
	for (uint16_t i = 0; i < 3; i++) {
		struct pkt p = tcp("192.0.2.10", (uint16_t)(40000 + i), "198.51.100.20", 22, TH_SYN, T0 + i);
		look(t, &p, DIR_C2S);
	}
	struct pkt p = tcp("198.51.100.20", 22, "192.0.2.10", 40000, TH_SYN | TH_ACK, T0 + 10);
	look(t, &p, DIR_S2C); /* activity does not change the order */
	flow_table_end_all(t, T0 + 20);
	assert_int_equal(nends, 3);
	assert_int_equal(ends[0].cport, 40000);
	assert_int_equal(ends[1].cport, 40001);
	assert_int_equal(ends[2].cport, 40002);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ends[i].why, FLOW_END_EOF);
		assert_int_equal(ends[i].now, T0 + 20);
	}
	assert_int_equal(flow_table_stats(t)->active, 0);
	assert_int_equal(flow_table_stats(t)->peak, 3);
	flow_table_free(t);
}


/* ------------------------------------------------------------------ */
/* the engine's clock: packet time, never back, sweeps by packet time */

static uint16_t csum(uint32_t sum, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A TCP SYN 192.0.2.10:sport -> 198.51.100.20:9999 with good checksums. TCP
 * flows waiting for an answer use the table's idle timeout (UDP and closed
 * TCP flows get the analyzers' own). */
static void feed_syn(uint16_t sport, ts_usec ts)
{
	uint8_t b[40] = { 0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 192, 0, 2, 10, 198, 51, 100, 20 };
	uint16_t c = csum(0, b, 20);
	b[10] = (uint8_t)(c >> 8), b[11] = (uint8_t)c;
	uint8_t *t = b + 20;
	t[0] = (uint8_t)(sport >> 8), t[1] = (uint8_t)sport;
	t[2] = 9999 >> 8, t[3] = 9999 & 0xff;
	t[7] = 1;    /* seq 1 */
	t[12] = 0x50; /* 20-byte header */
	t[13] = TH_SYN;
	t[14] = 0xfa, t[15] = 0xf0;
	uint8_t pseudo[12] = { 192, 0, 2, 10, 198, 51, 100, 20, 0, 6, 0, 20 };
	uint32_t s = 0;
	for (int i = 0; i < 12; i += 2)
		s += (uint32_t)pseudo[i] << 8 | pseudo[i + 1];
	c = csum(s, t, 20);
	t[16] = (uint8_t)(c >> 8), t[17] = (uint8_t)c;
	driver_feed(drv, LINK_RAW, b, sizeof b, sizeof b, ts);
}

static bool syn_flow_exists(uint16_t sport)
{
	int dir;
	struct addr c = A("192.0.2.10"), s = A("198.51.100.20");
	return flow_table_find(driver_flows(drv), IPPROTO_NUM_TCP, &c, sport, &s, 9999, 0, &dir) != NULL;
}

static void test_engine_clock(void **state)
{
	(void)state;
	config_defaults(&sd_cfg);
	verdict_clear_sinks();
	struct capture_opts o;
	memset(&o, 0, sizeof o);
	o.max_flows = 1024;
	o.idle_timeout = 5 * ONE_S;
	char err[256];
	drv = driver_begin(&o, NULL, err, sizeof err);
	assert_non_null(drv);
	feed_syn(40000, T0);
	assert_int_equal(driver_now(drv), T0);
	feed_syn(40001, T0 + 2 * ONE_S);
	assert_int_equal(driver_now(drv), T0 + 2 * ONE_S);
	/* a packet from the past does not turn the clock back */
	feed_syn(40001, T0 + 1 * ONE_S);
	assert_int_equal(driver_now(drv), T0 + 2 * ONE_S);
	assert_true(syn_flow_exists(40000));
	/* a flow that only sent a SYN idles out after 30 s (tcp.c's opening
	 * idle time, like pf's tcp.opening), not the table's 5 s: at 30.5 s
	 * 40000 goes at the next sweep; 40001 (28.5 s idle) stays */
	feed_syn(40002, T0 + 30 * ONE_S + ONE_S / 2);
	assert_int_equal(driver_now(drv), T0 + 30 * ONE_S + ONE_S / 2);
	assert_false(syn_flow_exists(40000));
	assert_true(syn_flow_exists(40001));
	assert_true(syn_flow_exists(40002));
	struct run_summary sum;
	driver_end(drv, true, &sum);
	drv = NULL;
	assert_int_equal(sum.packets, 4);
	assert_int_equal(sum.flows, 3);
	assert_int_equal(sum.flows_expired, 1);
	assert_int_equal(sum.out_of_order, 1);
	assert_int_equal(sum.first_ts, T0);
	assert_int_equal(sum.last_ts, T0 + 30 * ONE_S + ONE_S / 2);
	assert_int_equal(sum.bad_checksums, 0);
	assert_int_equal(sum.decode_errors, 0);
}

/* The pool under the flow table: a hard limit that is counted, slots
 * zeroed when new, given back and handed out again last-in first-out,
 * chunks added only as needed. */
static void test_pool(void **state)
{
	(void)state;
	struct pool p;
	/* nothing is allocated before the first take; the chunk index grows
	 * as chunks are added, and every slot stays where it was */
	pool_init(&p, 8, 100, 0); /* one slot per chunk */
	assert_null(p.chunks);
	for (uint32_t i = 0; i < 100; i++) {
		uint32_t k;
		uint32_t *s = pool_take(&p, &k);
		assert_non_null(s);
		assert_int_equal(k, i);
		*s = i * 7 + 1;
	}
	assert_int_equal(p.nchunks, 100);
	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(*(uint32_t *)pool_at(&p, i), i * 7 + 1);
	uint32_t k;
	assert_null(pool_take(&p, &k));
	pool_free(&p);

	pool_init(&p, 24, 5, 1); /* chunks of 2 slots, at most 5 */
	uint32_t idx[5];
	for (uint32_t i = 0; i < 5; i++) {
		unsigned char *s = pool_take(&p, &idx[i]);
		assert_non_null(s);
		assert_int_equal(idx[i], i);
		for (int b = 0; b < 24; b++)
			assert_int_equal(s[b], 0);
		memset(s, 0xa5, 24);
	}
	assert_int_equal(p.nchunks, 3);
	uint32_t none = 99;
	assert_null(pool_take(&p, &none));
	assert_int_equal(p.st.full, 1);
	assert_int_equal(p.st.active, 5);
	pool_give(&p, idx[1]);
	pool_give(&p, idx[3]);
	assert_int_equal(p.st.active, 3);
	uint32_t again;
	assert_non_null(pool_take(&p, &again));
	assert_int_equal(again, 3);
	assert_non_null(pool_take(&p, &again));
	assert_int_equal(again, 1);
	assert_int_equal(p.st.peak, 5);
	assert_int_equal(p.nchunks, 3);
	pool_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool),
		cmocka_unit_test(test_both_directions_one_flow),
		cmocka_unit_test(test_orientation),
		cmocka_unit_test(test_esp_by_spi),
		cmocka_unit_test(test_direction_from_probe),
		cmocka_unit_test(test_packets_without_flow),
		cmocka_unit_test(test_eviction_lru),
		cmocka_unit_test(test_eviction_picked_ahead),
		cmocka_unit_test(test_many_flows),
		cmocka_unit_test(test_idle_expiry),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test(test_quiet_once_per_silence),
		cmocka_unit_test(test_end_all_in_slot_order),
		cmocka_unit_test(test_engine_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
