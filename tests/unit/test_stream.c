/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_stream.c - capture/stream.c's TCP reassembler: bytes in order go on
 * from the packet itself; bytes beyond a hole are held and follow as soon
 * as it is filled; overlaps (the first copy wins) and retransmissions;
 * sequence numbers wrapping at 2^32; the per-direction and global caps
 * (counted, with their limit and first frame); held bytes given back when
 * the flow stops wanting bytes or ends; SYN, FIN and RST; no bytes for a
 * connection seen one way only. Every test checks the exact bytes each
 * direction received. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/stream.h"

#define T0 (1700000000ull * 1000000ull)

/* what on_bytes received, per flow (up to 3) and direction */
struct got {
	uint8_t b[2][16384];
	size_t n[2];
	int calls[2];
	const uint8_t *last[2]; /* the last pointer handed over */
	uint64_t last_frame[2];
	size_t stop_after;      /* != 0: the flow stops wanting bytes past this many (both directions) */
};

static struct flow flows[3];
static struct got got[3];
static uint64_t frame_no;

static struct got *got_of(const struct flow *f)
{
	return &got[f - flows];
}

static void on_bytes(void *arg, struct flow *f, int dir, const uint8_t *data, size_t len, uint64_t frame, ts_usec ts)
{
	(void)arg;
	(void)ts;
	struct got *g = got_of(f);
	assert_true(f->want_stream); /* never called for a flow that let go */
	assert_true(g->n[dir] + len <= sizeof g->b[dir]);
	memcpy(g->b[dir] + g->n[dir], data, len);
	g->n[dir] += len;
	g->calls[dir]++;
	g->last[dir] = data;
	g->last_frame[dir] = frame;
	if (g->stop_after && g->n[0] + g->n[1] >= g->stop_after)
		f->want_stream = false;
}

static struct stream *open_stream(void)
{
	memset(flows, 0, sizeof flows);
	memset(got, 0, sizeof got);
	frame_no = 0;
	for (int i = 0; i < 3; i++) {
		flows[i].want_stream = true;
		flows[i].proto = IPPROTO_NUM_TCP;
		flows[i].ipver = 4;
	}
	struct stream_hooks h = { on_bytes, NULL, NULL };
	char err[128];
	struct stream *s = stream_new(131072, &h, err, sizeof err);
	assert_non_null(s);
	return s;
}

/* One segment of flow f: its packet lives only during the call, as a
 * frame in libpcap's buffer does. */
static void seg(struct stream *s, struct flow *f, int dir, uint32_t seq, uint8_t flags, const char *data, size_t len)
{
	static uint8_t buf[70000];
	assert_true(len <= sizeof buf);
	if (len)
		memcpy(buf, data, len);
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.ipver = f->ipver;
	p.proto = IPPROTO_NUM_TCP;
	p.frame = ++frame_no;
	p.ts = T0 + frame_no;
	p.seq = seq;
	p.tcp_flags = flags;
	p.payload = buf;
	p.payload_len = p.payload_wire_len = (uint32_t)len;
	stream_tcp(s, f, dir, &p);
	memset(buf, 0xee, len); /* a byte read later from the packet would show */
}

static void data(struct stream *s, struct flow *f, int dir, uint32_t seq, const char *str)
{
	seg(s, f, dir, seq, TH_ACK | TH_PSH, str, strlen(str));
}

/* SYN (client ISN ci), SYN-ACK (server ISN si), ACK */
static void handshake(struct stream *s, struct flow *f, uint32_t ci, uint32_t si)
{
	seg(s, f, DIR_C2S, ci, TH_SYN, NULL, 0);
	seg(s, f, DIR_S2C, si, TH_SYN | TH_ACK, NULL, 0);
	seg(s, f, DIR_C2S, ci + 1, TH_ACK, NULL, 0);
}

/* The stream open, flows[0] past its handshake (client ISN ci, server si). */
static struct stream *open_flow(uint32_t ci, uint32_t si)
{
	struct stream *s = open_stream();
	handshake(s, &flows[0], ci, si);
	return s;
}

/* f holds nothing any more, nor does anyone; the stream closes. */
static void close_empty(struct stream *s, const struct flow *f)
{
	assert_int_equal(f->rx_held, 0);
	assert_int_equal(stream_stats(s)->held_blocks, 0);
	stream_free(s);
}

static void assert_got(const struct flow *f, int dir, const char *want)
{
	const struct got *g = got_of(f);
	size_t n = strlen(want);
	if (g->n[dir] != n || memcmp(g->b[dir], want, n) != 0)
		fail_msg("direction %d: got %zu bytes \"%.*s\", want \"%s\"", dir, g->n[dir], (int)g->n[dir],
			 (const char *)g->b[dir], want);
}

static void test_in_order(void **state)
{
	(void)state;
	struct stream *s = open_flow(1000, 5000);
	struct flow *f = &flows[0];
	data(s, f, DIR_C2S, 1001, "hello");
	data(s, f, DIR_S2C, 5001, "SSH-2.0-x\r\n");
	data(s, f, DIR_C2S, 1006, " world");
	assert_got(f, DIR_C2S, "hello world");
	assert_got(f, DIR_S2C, "SSH-2.0-x\r\n");
	assert_int_equal(got[0].calls[DIR_C2S], 2);
	assert_int_equal(f->rx_held, 0);
	assert_int_equal(stream_stats(s)->held_blocks_peak, 0); /* nothing was copied */
	assert_int_equal(stream_stats(s)->bytes_delivered, 22);
	/* a retransmission of delivered bytes gives nothing; one that goes
	 * further gives only the new bytes */
	data(s, f, DIR_C2S, 1001, "hello");
	data(s, f, DIR_C2S, 1009, "rld!!");
	assert_got(f, DIR_C2S, "hello world!!");
	/* a retransmitted SYN changes nothing */
	seg(s, f, DIR_C2S, 1000, TH_SYN, NULL, 0);
	data(s, f, DIR_C2S, 1014, "?");
	assert_got(f, DIR_C2S, "hello world!!?");
	stream_free(s);
}

static void test_out_of_order(void **state)
{
	(void)state;
	struct stream *s = open_flow(1000, 5000);
	struct flow *f = &flows[0];
	data(s, f, DIR_C2S, 1006, " world"); /* beyond a 5-byte hole */
	assert_got(f, DIR_C2S, "");
	assert_int_not_equal(f->rx_held, 0);
	assert_int_equal(stream_stats(s)->held_segments, 1);
	assert_int_equal(stream_stats(s)->held_blocks, 1);
	data(s, f, DIR_C2S, 1001, "hello"); /* the hole: both go on at once */
	assert_got(f, DIR_C2S, "hello world");
	assert_int_equal(got[0].last_frame[DIR_C2S], frame_no); /* with the frame that completed them */
	assert_int_equal(f->rx_held, 0);
	assert_int_equal(stream_stats(s)->held_blocks, 0);
	data(s, f, DIR_C2S, 1012, "!");
	assert_got(f, DIR_C2S, "hello world!");
	assert_got(f, DIR_S2C, "");
	stream_free(s);
}

/* four pieces of a message in the order 4, 2, 3, 1 (a SACK-style
 * recovery: the first segment retransmitted last); the server's side
 * meanwhile in order */
static void test_hole_filled_later(void **state)
{
	(void)state;
	struct stream *s = open_flow(70000, 900);
	struct flow *f = &flows[0];
	data(s, f, DIR_C2S, 70001 + 3000, "DDDD");
	data(s, f, DIR_C2S, 70001 + 1000, "BBBB");
	data(s, f, DIR_S2C, 901, "server");
	data(s, f, DIR_C2S, 70001 + 2000, "CCCC");
	assert_got(f, DIR_C2S, "");
	assert_got(f, DIR_S2C, "server");
	/* the holes between the pieces are filled one by one */
	char fill[1000];
	memset(fill, 'a', sizeof fill);
	seg(s, f, DIR_C2S, 70001 + 1004, TH_ACK, fill, 996);
	seg(s, f, DIR_C2S, 70001 + 2004, TH_ACK, fill, 996);
	seg(s, f, DIR_C2S, 70001 + 3004, TH_ACK, fill, 10); /* beyond the last piece: held too */
	assert_got(f, DIR_C2S, "");
	seg(s, f, DIR_C2S, 70001, TH_ACK, fill, 1000);
	const struct got *g = &got[0];
	assert_int_equal(g->n[DIR_C2S], 3014);
	for (size_t i = 0; i < 3014; i++) {
		char want = (i >= 1000 && i < 1004) ? 'B' : (i >= 2000 && i < 2004) ? 'C' : (i >= 3000 && i < 3004) ? 'D' : 'a';
		if (g->b[DIR_C2S][i] != want)
			fail_msg("byte %zu: %c, want %c", i, g->b[DIR_C2S][i], want);
	}
	close_empty(s, f);
}

/* The first copy of a byte wins: held bytes are not overwritten by a
 * later overlapping segment, and the packet that fills the hole gives way
 * to held bytes where they overlap it. */
static void test_overlap(void **state)
{
	(void)state;
	struct stream *s = open_flow(1000, 5000);
	struct flow *f = &flows[0];
	data(s, f, DIR_C2S, 1005, "ABCD");       /* offsets 4-7 */
	data(s, f, DIR_C2S, 1003, "yyyyyyyy");   /* 2-9: only 2-3 and 8-9 are new */
	assert_got(f, DIR_C2S, "");
	data(s, f, DIR_C2S, 1001, "zzzzzz");     /* 0-5 in order: 0-1 from it, then the held 2-9 */
	assert_got(f, DIR_C2S, "zzyyABCDyy");
	data(s, f, DIR_C2S, 1001, "QQQQ");       /* all old */
	data(s, f, DIR_C2S, 1009, "QQQQ");       /* 8-11: 10-11 new */
	assert_got(f, DIR_C2S, "zzyyABCDyyQQ");
	/* held ranges on both sides of a gap, then one segment over all */
	data(s, f, DIR_C2S, 1015, "EE");         /* 14-15 */
	data(s, f, DIR_C2S, 1019, "GG");         /* 18-19 */
	data(s, f, DIR_C2S, 1013, "kkkkkkkkkk"); /* 12-21, in order: 12-13, 16-17, 20-21 from it */
	assert_got(f, DIR_C2S, "zzyyABCDyyQQkkEEkkGGkk");
	close_empty(s, f);
}

/* Sequence numbers wrap at 2^32: in order and with a hole across it. */
static void test_wrap(void **state)
{
	(void)state;
	struct stream *s = open_flow(0xFFFFFFF0u, 0xFFFFFC00u);
	struct flow *f = &flows[0];
	data(s, f, DIR_C2S, 0xFFFFFFF1u, "0123456789abcde"); /* ends at 0 */
	data(s, f, DIR_C2S, 0, "fghij");
	assert_got(f, DIR_C2S, "0123456789abcdefghij");
	/* server side: its ISN + 1 is 1023 bytes before the wrap; a segment
	 * after the wrap comes first, held in the block of sequence 0 */
	data(s, f, DIR_S2C, 3, "WRAP");
	char fill[1030];
	memset(fill, 'x', sizeof fill);
	seg(s, f, DIR_S2C, 0xFFFFFC01u, TH_ACK, fill, 1023 + 3); /* to 3, across 2^32 */
	const struct got *g = &got[0];
	assert_int_equal(g->n[DIR_S2C], 1030);
	assert_memory_equal(g->b[DIR_S2C] + 1026, "WRAP", 4);
	assert_int_equal(g->b[DIR_S2C][1025], 'x');
	close_empty(s, f);
}

/* The per-direction cap: bytes more than dir_bytes past the next expected
 * byte are not kept (counted once per segment, with the limit and the
 * first frame); what was kept still follows the hole. */
static void test_cap_direction(void **state)
{
	(void)state;
	struct stream *s = open_stream();
	assert_true(stream_set_hold_limits(s, 4096, 1 << 20));
	struct flow *f = &flows[0];
	handshake(s, f, 1023, 5000); /* the stream starts at 1024 */
	static char big[6000];
	memset(big, 'h', sizeof big);
	seg(s, f, DIR_C2S, 1024 + 5000, TH_ACK, big, 10); /* wholly beyond the cap */
	uint64_t first = frame_no;
	const struct stream_stats *st = stream_stats(s);
	assert_int_equal(st->hold_dir_full.times, 1);
	assert_int_equal(st->hold_dir_full.limit, 4096);
	assert_int_equal(st->hold_dir_full.first_frame, first);
	assert_int_equal(st->hold_dir_full.first_ts, T0 + first);
	assert_int_equal(st->hold_dropped, 1);
	seg(s, f, DIR_C2S, 1024 + 3000, TH_ACK, big, 2000); /* only 3000-4095 kept */
	assert_int_equal(st->hold_dir_full.times, 2);
	assert_int_equal(st->hold_dir_full.first_frame, first);
	assert_int_equal(st->hold_dropped, 2);
	memset(big, 'a', 3000);
	seg(s, f, DIR_C2S, 1024, TH_ACK, big, 3000);
	const struct got *g = &got[0];
	assert_int_equal(g->n[DIR_C2S], 4096);
	assert_int_equal(g->b[DIR_C2S][2999], 'a');
	assert_int_equal(g->b[DIR_C2S][3000], 'h');
	assert_int_equal(g->b[DIR_C2S][4095], 'h');
	/* the stream waits at 4096 for the rest */
	data(s, f, DIR_C2S, 1024 + 4097, "later");
	memset(big, 'r', 1);
	seg(s, f, DIR_C2S, 1024 + 4096, TH_ACK, big, 1);
	assert_int_equal(g->n[DIR_C2S], 4102);
	assert_memory_equal(g->b[DIR_C2S] + 4096, "rlater", 6);
	/* at most 16 separate held ranges in a direction: a 17th is not kept */
	for (int i = 0; i < 17; i++)
		data(s, f, DIR_C2S, 1024 + 4102 + 10 + (uint32_t)i * 4, "R");
	assert_int_equal(st->hold_dir_full.times, 3);
	stream_free(s);
}

/* The global cap (the block pool): 8 blocks of 1 KiB for all flows. */
static void test_cap_global(void **state)
{
	(void)state;
	struct stream *s = open_stream();
	assert_true(stream_set_hold_limits(s, 65536, 8192));
	static char big[3071];
	for (int i = 0; i < 3; i++) {
		handshake(s, &flows[i], 1023, 9000); /* streams from 1024, block-aligned */
		memset(big, 'A' + i, sizeof big);
		seg(s, &flows[i], DIR_C2S, 1025, TH_ACK, big, sizeof big); /* 1025-4095: 3 blocks */
	}
	const struct stream_stats *st = stream_stats(s);
	/* the third flow found 2 blocks: 1025-3071 kept */
	assert_int_equal(st->held_blocks, 8);
	assert_int_equal(st->hold_full.times, 1);
	assert_int_equal(st->hold_full.limit, 8192);
	assert_int_equal(st->hold_full.first_frame, frame_no);
	assert_int_equal(st->hold_dropped, 1);
	assert_int_equal(st->hold_dir_full.times, 0);
	for (int i = 0; i < 3; i++)
		seg(s, &flows[i], DIR_C2S, 1024, TH_ACK, "-", 1);
	assert_int_equal(got[0].n[DIR_C2S], 3072);
	assert_int_equal(got[1].n[DIR_C2S], 3072);
	assert_int_equal(got[2].n[DIR_C2S], 2048);
	assert_int_equal(got[2].b[DIR_C2S][0], '-');
	assert_int_equal(got[2].b[DIR_C2S][2047], 'C');
	assert_int_equal(st->held_blocks, 0);
	assert_int_equal(st->held_blocks_peak, 8);
	stream_free(s);
}

/* A flow that no longer wants bytes gives back what it holds at its next
 * segment, or at once when it lets go while its held bytes are handed
 * over; and at its end. */
static void test_release(void **state)
{
	(void)state;
	struct stream *s = open_stream();
	const struct stream_stats *st = stream_stats(s);
	struct flow *f = &flows[0];
	handshake(s, f, 1000, 5000);
	data(s, f, DIR_C2S, 1010, "held");
	data(s, f, DIR_S2C, 5010, "held too");
	assert_int_equal(st->held_blocks, 2);
	f->want_stream = false; /* e.g. an analyzer found it is not SSH */
	data(s, f, DIR_C2S, 1001, "123456789");
	assert_int_equal(f->rx_held, 0);
	assert_int_equal(f->rx_on, 0);
	assert_int_equal(st->held_blocks, 0);
	assert_got(f, DIR_C2S, "");

	/* lets go in on_bytes, in the middle of held bytes */
	f = &flows[1];
	handshake(s, f, 1000, 5000);
	got[1].stop_after = 7;
	data(s, f, DIR_C2S, 1006, "6789");
	data(s, f, DIR_C2S, 1020, "far");
	data(s, f, DIR_C2S, 1001, "12345"); /* 5 bytes, then the held 4: stop */
	assert_got(f, DIR_C2S, "123456789");
	assert_false(f->want_stream);
	assert_int_equal(f->rx_held, 0);
	assert_int_equal(st->held_blocks, 0);
	data(s, f, DIR_C2S, 1010, "0123456789x");
	assert_got(f, DIR_C2S, "123456789");

	/* the flow's end */
	f = &flows[2];
	handshake(s, f, 1000, 5000);
	data(s, f, DIR_C2S, 1010, "held");
	assert_int_equal(st->held_blocks, 1);
	stream_release(s, f);
	assert_int_equal(f->rx_held, 0);
	assert_int_equal(st->held_blocks, 0);
	stream_free(s);
}

/* An in-order FIN ends its direction, an RST in the window both; a SYN
 * with a new ISN starts a new connection; nothing for a connection seen
 * one way only. */
static void test_fin_rst_syn(void **state)
{
	(void)state;
	struct stream *s = open_flow(1000, 5000);
	struct flow *f = &flows[0];
	data(s, f, DIR_C2S, 1010, "late"); /* held, then the direction ends */
	seg(s, f, DIR_C2S, 1001, TH_ACK | TH_FIN, "bye", 3);
	assert_got(f, DIR_C2S, "bye");
	data(s, f, DIR_C2S, 1004, "after the FIN");
	assert_got(f, DIR_C2S, "bye");
	assert_int_equal(f->rx_held, 0);
	data(s, f, DIR_S2C, 5001, "still");
	assert_got(f, DIR_S2C, "still");
	/* an RST far out of the window is ignored, one in it ends both */
	seg(s, f, DIR_S2C, 5006 + 1000000, TH_RST, NULL, 0);
	data(s, f, DIR_S2C, 5006, "!");
	assert_got(f, DIR_S2C, "still!");
	seg(s, f, DIR_S2C, 5007, TH_RST | TH_ACK, NULL, 0);
	data(s, f, DIR_S2C, 5007, "after the RST");
	assert_got(f, DIR_S2C, "still!");
	/* the ports again, a new connection */
	handshake(s, f, 777000, 888000);
	data(s, f, DIR_C2S, 777001, "new");
	assert_got(f, DIR_C2S, "byenew");

	/* one way only (no SYN-ACK seen): nothing, nothing held */
	f = &flows[1];
	seg(s, f, DIR_C2S, 1000, TH_SYN, NULL, 0);
	data(s, f, DIR_C2S, 1001, "SSH-2.0-one-way\r\n");
	data(s, f, DIR_C2S, 1100, "beyond");
	assert_got(f, DIR_C2S, "");
	assert_int_equal(f->rx_held, 0);
	/* no SYN at all (a connection caught mid-stream): nothing */
	f = &flows[2];
	data(s, f, DIR_C2S, 1, "mid");
	data(s, f, DIR_S2C, 1, "stream");
	assert_got(f, DIR_C2S, "");
	assert_got(f, DIR_S2C, "");
	stream_free(s);
}

/* A copy cut short by the block pool, for a segment that touched a held
 * range at its end, may need a new range while the direction holds its
 * 16 already: it is dropped as a short copy, not written past the list. */
static void test_short_copy_with_ranges_full(void **state)
{
	(void)state;
	struct stream *s = open_stream();
	assert_true(stream_set_hold_limits(s, 65536, 16 * 1024)); /* 16 blocks in all */
	static char big[14 * 1024 - 1];
	memset(big, 'y', sizeof big);
	for (int i = 0; i < 2; i++)
		handshake(s, &flows[i], 1023, 5000); /* streams from 1024, block-aligned */
	struct flow *f = &flows[0];
	for (int i = 0; i < 15; i++)
		seg(s, f, DIR_C2S, 1024 + 10 + 2 * i, TH_ACK, "x", 1); /* 15 ranges in block 1024 */
	seg(s, f, DIR_C2S, 1024 + 2100, TH_ACK, "z", 1); /* the 16th, in block 3072 */
	const struct stream_stats *st = stream_stats(s);
	assert_int_equal(st->held_blocks, 2);
	seg(s, &flows[1], DIR_C2S, 1025, TH_ACK, big, sizeof big); /* the other 14 blocks */
	assert_int_equal(st->held_blocks, 16);
	uint64_t dropped = st->hold_dropped;
	/* 1524-3123: touches the 16th range; its gap 1524-3123 needs block 2048,
	 * none is left: 1524-2047 is copied into block 1024, a range of its own */
	static char mid[1600];
	memset(mid, 'm', sizeof mid);
	seg(s, f, DIR_C2S, 1024 + 500, TH_ACK, mid, sizeof mid);
	assert_int_equal(st->hold_dropped, dropped + 1);
	assert_int_equal(st->held_blocks, 16);
	/* the hole before the ranges filled: the bytes up to the first gap */
	seg(s, f, DIR_C2S, 1024, TH_ACK, "0123456789", 10);
	assert_got(f, DIR_C2S, "0123456789x");
	stream_release(s, f);
	stream_release(s, &flows[1]);
	assert_int_equal(st->held_blocks, 0);
	stream_free(s);
}

/* After a clean close, a client's SYN on the same ports is a new
 * connection: its bytes wait for the server's SYN-ACK, as the first one's
 * did. */
static void test_new_syn_after_close_waits_for_answer(void **state)
{
	(void)state;
	struct stream *s = open_flow(1000, 5000);
	struct flow *f = &flows[0];
	seg(s, f, DIR_C2S, 1001, TH_ACK | TH_FIN, NULL, 0);
	seg(s, f, DIR_S2C, 5001, TH_ACK | TH_FIN, NULL, 0);
	seg(s, f, DIR_C2S, 90000, TH_SYN, NULL, 0);
	data(s, f, DIR_C2S, 90001, "unanswered");
	assert_got(f, DIR_C2S, "");
	assert_int_equal(f->rx_held, 0);
	seg(s, f, DIR_S2C, 70000, TH_SYN | TH_ACK, NULL, 0);
	data(s, f, DIR_C2S, 90001, "answered");
	assert_got(f, DIR_C2S, "answered");
	stream_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),	 cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_hole_filled_later), cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_wrap),		 cmocka_unit_test(test_cap_direction),
		cmocka_unit_test(test_cap_global),	 cmocka_unit_test(test_release),
		cmocka_unit_test(test_fin_rst_syn),
		cmocka_unit_test(test_short_copy_with_ranges_full),
		cmocka_unit_test(test_new_syn_after_close_waits_for_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
