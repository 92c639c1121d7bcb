/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ssh_proto.c - the pure SSH parsers: identification lines, packet
 * framing, KEXINIT, negotiation (RFC 4253 7.1) and HASSH. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer/ssh-proto.h"
#include "test_ssh_common.h"

/* ---- helpers ------------------------------------------------------------ */

static const char *const client_lists[10] = {
	"curve25519-sha256,ecdh-sha2-nistp256,ext-info-c",
	"ssh-ed25519,rsa-sha2-512",
	"chacha20-poly1305@openssh.com,aes128-ctr",
	"chacha20-poly1305@openssh.com,aes128-ctr",
	"hmac-sha2-256,hmac-sha1",
	"hmac-sha2-256,hmac-sha1",
	"none,zlib@openssh.com",
	"none,zlib@openssh.com",
	"",
	"",
};

static const char *const server_lists[10] = {
	"ecdh-sha2-nistp256,curve25519-sha256,kex-strict-s-v00@openssh.com",
	"rsa-sha2-512,ssh-ed25519",
	"aes256-ctr,aes128-ctr",
	"aes256-ctr,aes128-ctr",
	"hmac-sha2-512",
	"hmac-sha2-512",
	"none",
	"none",
	"",
	"",
};

/* ---- identification ----------------------------------------------------- */

/* Identification lines seen in the field, and what each must parse to. */
static const struct ident_case {
	const char *line;
	int major, minor;
	const char *proto, *software, *comments;
	bool v2;
} ident_cases[] = {
	{ "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", 2, 0, "2.0", "OpenSSH_9.2p1", "Debian-2+deb12u3", true },
	/* a server speaking both versions; a '-' inside the software is kept */
	{ "SSH-1.99-Cisco-1.25", 1, 99, "1.99", "Cisco-1.25", "", true },
	/* SSH 1 only */
	{ "SSH-1.5-1.2.26", 1, 5, "1.5", "1.2.26", "", false },
	{ "SSH-2.0-dropbear_2022.83", 2, 0, "2.0", "dropbear_2022.83", "", true },
	{ "SSH-2.0-PuTTY_Release_0.72 with spaces in comments", 2, 0, "2.0", "PuTTY_Release_0.72",
	  "with spaces in comments", true },
};

static void test_ident_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof ident_cases / sizeof ident_cases[0]; i++) {
		const struct ident_case *c = &ident_cases[i];
		struct ssh_ident id;
		assert_true(ssh_ident_parse(c->line, strlen(c->line), &id));
		assert_int_equal(id.major, c->major);
		assert_int_equal(id.minor, c->minor);
		assert_string_equal(id.proto, c->proto);
		assert_string_equal(id.software, c->software);
		/* the comments are kept only as part of the whole line */
		assert_non_null(strstr(id.line, c->comments));
		assert_int_equal(ssh_ident_v2(&id), c->v2);
		assert_false(id.too_long);
		assert_string_equal(id.line, c->line);
	}
}

static void test_ident_not_ssh_and_malformed(void **state)
{
	(void)state;
	struct ssh_ident id;
	const char *http = "HTTP/1.1 400 Bad Request";
	assert_false(ssh_ident_parse(http, strlen(http), &id));
	assert_string_equal(id.line, "HTTP/1.1 400 Bad Request");
	assert_false(ssh_ident_parse("SSH", 3, &id));
	assert_false(ssh_ident_parse("ssh-2.0-x", 9, &id)); /* case matters */
	/* "SSH-" with a garbage version: still an identification, version 0.0 */
	assert_true(ssh_ident_parse("SSH-x.y-soft", 12, &id));
	assert_int_equal(id.major, 0);
	assert_string_equal(id.software, "soft");
	assert_false(ssh_ident_v2(&id));
	/* no software part at all */
	assert_true(ssh_ident_parse("SSH-2.0", 7, &id));
	assert_int_equal(id.major, 2);
	assert_string_equal(id.software, "");
	/* control bytes are made printable in the copy */
	assert_true(ssh_ident_parse("SSH-2.0-a\x01" "b", 11, &id));
	assert_string_equal(id.software, "a.b");
}

static void test_line_crlf_and_bare_lf(void **state)
{
	(void)state;
	struct ssh_linebuf lb;
	bool done, crlf;
	ssh_line_reset(&lb);
	const char *a = "SSH-2.0-A\r\nrest";
	size_t used = ssh_line_feed(&lb, (const uint8_t *)a, strlen(a), &done, &crlf);
	assert_true(done);
	assert_true(crlf);
	assert_int_equal(used, 11);
	assert_string_equal(lb.buf, "SSH-2.0-A");
	assert_int_equal(lb.total, 9);

	ssh_line_reset(&lb);
	const char *b = "SSH-2.0-B\nX";
	used = ssh_line_feed(&lb, (const uint8_t *)b, strlen(b), &done, &crlf);
	assert_true(done);
	assert_false(crlf);
	assert_int_equal(used, 10);
	assert_string_equal(lb.buf, "SSH-2.0-B");
}

static void test_line_split_everywhere(void **state)
{
	(void)state;
	const char *s = "SSH-2.0-OpenSSH_9.6\r\n";
	size_t n = strlen(s);
	/* any two-piece split, including between CR and LF */
	for (size_t cut = 0; cut <= n; cut++) {
		struct ssh_linebuf lb;
		bool done = false, crlf = false;
		ssh_line_reset(&lb);
		size_t u1 = ssh_line_feed(&lb, (const uint8_t *)s, cut, &done, &crlf);
		assert_int_equal(u1, cut);
		if (cut < n) {
			assert_false(done);
			size_t u2 = ssh_line_feed(&lb, (const uint8_t *)s + cut, n - cut, &done, &crlf);
			assert_int_equal(u2, n - cut);
		}
		assert_true(done);
		assert_true(crlf);
		assert_string_equal(lb.buf, "SSH-2.0-OpenSSH_9.6");
	}
	/* byte by byte */
	struct ssh_linebuf lb;
	bool done = false, crlf = false;
	ssh_line_reset(&lb);
	for (size_t i = 0; i < n; i++) {
		assert_false(done);
		assert_int_equal(ssh_line_feed(&lb, (const uint8_t *)s + i, 1, &done, &crlf), 1);
	}
	assert_true(done);
	assert_string_equal(lb.buf, "SSH-2.0-OpenSSH_9.6");
}

static void test_lines_before_ident(void **state)
{
	(void)state;
	/* RFC 4253 4.2: a server may send other lines first */
	const char *s = "Welcome to the box\r\nauthorised use only\nSSH-2.0-dropbear_2022.83\r\n";
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strlen(s), off = 0;
	const char *want[3] = { "Welcome to the box", "authorised use only", "SSH-2.0-dropbear_2022.83" };
	bool want_ident[3] = { false, false, true };
	for (int i = 0; i < 3; i++) {
		struct ssh_linebuf lb;
		bool done, crlf;
		struct ssh_ident id;
		ssh_line_reset(&lb);
		off += ssh_line_feed(&lb, p + off, n - off, &done, &crlf);
		assert_true(done);
		assert_string_equal(lb.buf, want[i]);
		assert_int_equal(ssh_ident_parse(lb.buf, lb.len, &id), want_ident[i]);
		if (want_ident[i])
			assert_string_equal(id.software, "dropbear_2022.83");
	}
	assert_int_equal(off, n);
}

static void test_line_too_long_and_binary(void **state)
{
	(void)state;
	uint8_t big[600];
	memset(big, 'x', sizeof big);
	memcpy(big, "SSH-2.0-", 8);
	big[599] = '\n';
	struct ssh_linebuf lb;
	bool done, crlf;
	ssh_line_reset(&lb);
	assert_int_equal(ssh_line_feed(&lb, big, sizeof big, &done, &crlf), 600);
	assert_true(done);
	assert_int_equal(lb.total, 599);
	assert_int_equal(lb.len, SSH_LINE_MAX);
	assert_false(lb.binary);
	struct ssh_ident id;
	assert_true(ssh_ident_parse(lb.buf, lb.len, &id));
	assert_true(id.too_long);

	ssh_line_reset(&lb);
	const uint8_t bin[] = { 0x16, 0x03, 0x01, 0x00, 0x2a, '\n' };
	ssh_line_feed(&lb, bin, sizeof bin, &done, &crlf);
	assert_true(done);
	assert_true(lb.binary);
	/* an over-long line ending in CR LF: the CR is not kept nor counted */
	ssh_line_reset(&lb);
	memset(big, 'y', sizeof big);
	big[598] = '\r';
	big[599] = '\n';
	ssh_line_feed(&lb, big, sizeof big, &done, &crlf);
	assert_true(crlf);
	assert_int_equal(lb.total, 598);
}

static void test_prefix_check(void **state)
{
	(void)state;
	assert_int_equal(ssh_prefix_check((const uint8_t *)"", 0), SSH_PREFIX_MAYBE);
	assert_int_equal(ssh_prefix_check((const uint8_t *)"S", 1), SSH_PREFIX_MAYBE);
	assert_int_equal(ssh_prefix_check((const uint8_t *)"SSH", 3), SSH_PREFIX_MAYBE);
	assert_int_equal(ssh_prefix_check((const uint8_t *)"SSH-", 4), SSH_PREFIX_YES);
	assert_int_equal(ssh_prefix_check((const uint8_t *)"SSH-2.0-x", 9), SSH_PREFIX_YES);
	assert_int_equal(ssh_prefix_check((const uint8_t *)"GET / HTTP/1.1", 14), SSH_PREFIX_NO);
	assert_int_equal(ssh_prefix_check((const uint8_t *)"SSx", 3), SSH_PREFIX_NO);
	assert_int_equal(ssh_prefix_check((const uint8_t *)"SSHx", 4), SSH_PREFIX_NO);
}

static void test_describe_foreign(void **state)
{
	(void)state;
	char out[160];
	const char *http = "HTTP/1.1 400 Bad Request\r\nServer: x\r\n\r\n";
	ssh_describe_foreign((const uint8_t *)http, strlen(http), out, sizeof out);
	assert_string_equal(out, "an HTTP response \"HTTP/1.1 400 Bad Request\"");

	const char *get = "GET / HTTP/1.0\r\n\r\n";
	ssh_describe_foreign((const uint8_t *)get, strlen(get), out, sizeof out);
	assert_string_equal(out, "an HTTP request \"GET / HTTP/1.0\"");

	const uint8_t tls[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 };
	ssh_describe_foreign(tls, sizeof tls, out, sizeof out);
	assert_string_equal(out, "a TLS record (type 22, version 3.1)");

	const uint8_t telnet[] = { 0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20 };
	ssh_describe_foreign(telnet, sizeof telnet, out, sizeof out);
	assert_string_equal(out, "telnet option negotiation (IAC fd 18...)");

	const char *txt = "Too many connections\r\n";
	ssh_describe_foreign((const uint8_t *)txt, strlen(txt), out, sizeof out);
	assert_string_equal(out, "a text line \"Too many connections\"");

	const uint8_t bin[] = { 0x4a, 0x00, 0x00, 0x00, 0x0a, 0x35 };
	ssh_describe_foreign(bin, sizeof bin, out, sizeof out);
	assert_string_equal(out, "binary data: 4a 00 00 00 0a 35");

	ssh_describe_foreign(bin, 0, out, sizeof out);
	assert_string_equal(out, "no bytes");
	/* a tiny output buffer is still terminated */
	ssh_describe_foreign((const uint8_t *)txt, strlen(txt), out, 8);
	assert_int_equal(strlen(out), 7);
}

/* ---- framing ------------------------------------------------------------ */

struct seen {
	int n;
	uint8_t msg[16];
	uint32_t plen[16];
	uint32_t stored[16];
	size_t end[16];
	uint8_t first[16][8];
	int stop_on; /* message number after which to stop, 0 = never */
};

static bool on_msg(void *arg, const struct ssh_msg *m)
{
	struct seen *s = arg;
	if (s->n < 16) {
		s->msg[s->n] = m->msg;
		s->plen[s->n] = m->payload_len;
		s->stored[s->n] = m->stored;
		s->end[s->n] = m->end;
		memcpy(s->first[s->n], m->payload, m->stored < 8 ? m->stored : 8);
		assert_int_equal(m->payload[0], m->msg);
	}
	s->n++;
	return !(s->stop_on && m->msg == s->stop_on);
}

static void test_frame_coalesced_and_split(void **state)
{
	(void)state;
	uint8_t kex[2048], kexinit[1024], buf[4096];
	size_t klen = make_kexinit(kexinit, client_lists, false);
	size_t o = make_packet(buf, kexinit, klen, 7);
	uint8_t ecdh[37] = { 30, 0, 0, 0, 32 };
	o += make_packet(buf + o, ecdh, sizeof ecdh, 6);
	uint8_t nk[1] = { 21 };
	o += make_packet(buf + o, nk, 1, 10);

	/* all three packets in one segment */
	struct ssh_framer fr;
	struct seen s = { 0 };
	ssh_framer_init(&fr, kex, sizeof kex);
	assert_int_equal(ssh_framer_feed(&fr, buf, o, on_msg, &s), o);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.msg[0], 20);
	assert_int_equal(s.plen[0], klen);
	assert_int_equal(s.stored[0], klen);
	assert_memory_equal(kex, kexinit, klen);
	assert_int_equal(s.msg[1], 30);
	assert_int_equal(s.plen[1], 37);
	assert_int_equal(s.msg[2], 21);
	assert_int_equal(s.end[2], o);
	assert_int_equal(fr.packets, 3);
	assert_false(ssh_framer_partial(&fr));

	/* the same bytes split at every offset, in two pieces */
	for (size_t cut = 0; cut <= o; cut++) {
		struct seen t = { 0 };
		memset(kex, 0, sizeof kex);
		ssh_framer_init(&fr, kex, sizeof kex);
		assert_int_equal(ssh_framer_feed(&fr, buf, cut, on_msg, &t), cut);
		assert_int_equal(ssh_framer_feed(&fr, buf + cut, o - cut, on_msg, &t), o - cut);
		assert_int_equal(t.n, 3);
		assert_int_equal(t.msg[0], 20);
		assert_int_equal(t.msg[1], 30);
		assert_int_equal(t.msg[2], 21);
		assert_memory_equal(kex, kexinit, klen);
	}
	/* byte by byte */
	struct seen u = { 0 };
	ssh_framer_init(&fr, kex, sizeof kex);
	for (size_t i = 0; i < o; i++)
		assert_int_equal(ssh_framer_feed(&fr, buf + i, 1, on_msg, &u), 1);
	assert_int_equal(u.n, 3);
	assert_int_equal(u.plen[0], klen);
}

/* A framer told to announce KEXINITs calls back at each one's header, once,
 * however the bytes are split, and a buffer given then keeps that very
 * packet; without announce there is no header call. */
struct grow {
	struct ssh_framer *fr;
	uint8_t *big;
	uint32_t cap;
	int headers;
	uint32_t announced;
	struct seen s;
};

static bool on_msg_grow(void *arg, const struct ssh_msg *m)
{
	struct grow *g = arg;
	if (m->header) {
		g->headers++;
		g->announced = m->payload_len;
		assert_int_equal(m->msg, SSH_MSG_KEXINIT);
		ssh_framer_set_big(g->fr, g->big, g->cap);
		return true;
	}
	return on_msg(&g->s, m);
}

static void test_frame_kexinit_announced(void **state)
{
	(void)state;
	static char kex_list[3000];
	kex_list[0] = 0;
	while (strlen(kex_list) < 2500)
		strcat(kex_list, "sntrup761x25519-sha512@example.org,");
	strcat(kex_list, "curve25519-sha256");
	const char *lists[10] = { kex_list, "ssh-ed25519", "aes128-ctr", "aes128-ctr", "hmac-sha2-256",
				  "hmac-sha2-256", "none", "none", "", "" };
	uint8_t kexinit[3200], buf[3400], small[64], big[4096];
	size_t klen = make_kexinit(kexinit, lists, false);
	size_t o = make_packet(buf, kexinit, klen, 7);
	uint8_t nk[1] = { 21 };
	o += make_packet(buf + o, nk, 1, 10);
	for (size_t cut = 0; cut <= o; cut++) {
		struct ssh_framer fr;
		struct grow g = { &fr, big, sizeof big, 0, 0, { 0 } };
		memset(big, 0, sizeof big);
		ssh_framer_init(&fr, small, sizeof small);
		fr.announce = true;
		assert_int_equal(ssh_framer_feed(&fr, buf, cut, on_msg_grow, &g), cut);
		assert_int_equal(ssh_framer_feed(&fr, buf + cut, o - cut, on_msg_grow, &g), o - cut);
		assert_int_equal(g.headers, 1);
		assert_int_equal(g.announced, klen);
		assert_int_equal(g.s.n, 2);
		assert_int_equal(g.s.stored[0], klen);
		assert_memory_equal(big, kexinit, klen);
	}
	/* not announced: kept as far as the buffer it had goes */
	struct ssh_framer fr;
	struct grow g = { &fr, big, sizeof big, 0, 0, { 0 } };
	ssh_framer_init(&fr, small, sizeof small);
	assert_int_equal(ssh_framer_feed(&fr, buf, o, on_msg_grow, &g), o);
	assert_int_equal(g.headers, 0);
	assert_int_equal(g.s.stored[0], sizeof small);
}

static void test_frame_stop_after_newkeys(void **state)
{
	(void)state;
	uint8_t buf[256];
	uint8_t nk[1] = { 21 };
	size_t o = make_packet(buf, nk, 1, 10); /* 16 bytes */
	memset(buf + o, 0x77, 40);               /* "encrypted" bytes */
	struct ssh_framer fr;
	struct seen s = { .stop_on = 21 };
	ssh_framer_init(&fr, NULL, 0);
	assert_int_equal(o, 16);
	assert_int_equal(ssh_framer_feed(&fr, buf, o + 40, on_msg, &s), 16);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.msg[0], 21);
	assert_int_equal(s.end[0], 16);
}

static void test_frame_lying_lengths(void **state)
{
	(void)state;
	struct ssh_framer fr;
	struct seen s = { 0 };
	/* packet_length 0 */
	const uint8_t zero[] = { 0, 0, 0, 0, 4, 20, 1, 2, 3 };
	ssh_framer_init(&fr, NULL, 0);
	assert_int_equal(ssh_framer_feed(&fr, zero, sizeof zero, on_msg, &s), 6);
	assert_int_equal(fr.err, SSH_FRAME_LEN_SMALL);
	assert_int_equal(s.n, 0);
	/* later input is refused */
	assert_int_equal(ssh_framer_feed(&fr, zero, sizeof zero, on_msg, &s), 0);

	/* packet_length huge */
	const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xf0, 4, 20 };
	ssh_framer_init(&fr, NULL, 0);
	ssh_framer_feed(&fr, huge, sizeof huge, on_msg, &s);
	assert_int_equal(fr.err, SSH_FRAME_LEN_HUGE);
	assert_string_equal(ssh_frame_err_str(fr.err), "packet_length too large");

	/* padding longer than the packet */
	const uint8_t pad[] = { 0, 0, 0, 12, 200, 20, 0, 0 };
	ssh_framer_init(&fr, NULL, 0);
	ssh_framer_feed(&fr, pad, sizeof pad, on_msg, &s);
	assert_int_equal(fr.err, SSH_FRAME_PAD_BAD);
	assert_int_equal(s.n, 0);

	/* the largest accepted length: no callback until all bytes came */
	const uint8_t max[] = { 0, 4, 0, 0, 4, 2 };
	ssh_framer_init(&fr, NULL, 0);
	assert_int_equal(ssh_framer_feed(&fr, max, sizeof max, on_msg, &s), 6);
	assert_int_equal(fr.err, SSH_FRAME_OK);
	assert_true(ssh_framer_partial(&fr));
	assert_int_equal(fr.payload_len, SSH_MAX_PACKET - 5);
	assert_int_equal(s.n, 0);
}

static void test_frame_kexinit_bigger_than_buffer(void **state)
{
	(void)state;
	/* a KEXINIT with a 3000-byte host key list, kept in a 1024-byte buffer */
	char longlist[3001];
	memset(longlist, 'k', 3000);
	longlist[3000] = 0;
	const char *lists[10];
	memcpy(lists, client_lists, sizeof lists);
	lists[1] = longlist;
	static uint8_t payload[8192], pkt[8300];
	size_t plen = make_kexinit(payload, lists, false);
	size_t o = make_packet(pkt, payload, plen, 4);
	uint8_t keep[1024];
	struct ssh_framer fr;
	struct seen s = { 0 };
	ssh_framer_init(&fr, keep, sizeof keep);
	assert_int_equal(ssh_framer_feed(&fr, pkt, o, on_msg, &s), o);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.plen[0], plen);
	assert_int_equal(s.stored[0], 1024);
	struct ssh_kexinit k;
	assert_false(ssh_kexinit_parse(keep, 1024, &k));
	assert_int_equal(k.nlists, 1); /* the kex list is whole, the host key list is not */
	assert_true(k.nl[SSH_NL_KEX].present);
	assert_false(k.nl[SSH_NL_HOSTKEY].present);
	char h[33];
	assert_false(ssh_hassh(&k, keep, false, h));
	assert_string_equal(h, "");
}

/* ---- KEXINIT ------------------------------------------------------------ */

static void test_kexinit_parse(void **state)
{
	(void)state;
	uint8_t p[1024];
	size_t n = make_kexinit(p, client_lists, true);
	struct ssh_kexinit k;
	assert_true(ssh_kexinit_parse(p, n, &k));
	assert_int_equal(k.nlists, 10);
	assert_true(k.first_kex_follows);
	for (int i = 0; i < 10; i++) {
		struct ssh_str s = ssh_kexinit_list(&k, p, i);
		assert_int_equal(s.len, strlen(client_lists[i]));
		assert_memory_equal(s.s, client_lists[i], s.len);
		assert_true(k.nl[i].valid);
	}
	assert_string_equal(ssh_nl_name(SSH_NL_COMP_S2C), "compression server->client");
	/* not a KEXINIT */
	p[0] = 21;
	assert_false(ssh_kexinit_parse(p, n, &k));
	assert_int_equal(k.nlists, 0);
}

static void test_kexinit_truncated_at_every_byte(void **state)
{
	(void)state;
	uint8_t p[1024];
	size_t n = make_kexinit(p, server_lists, false);
	/* where each list ends: 1 + 16 + 4 + len ... */
	size_t ends[10], o = 17;
	for (int i = 0; i < 10; i++) {
		o += 4 + strlen(server_lists[i]);
		ends[i] = o;
	}
	for (size_t cut = 0; cut <= n; cut++) {
		struct ssh_kexinit k;
		bool ok = ssh_kexinit_parse(p, cut, &k);
		assert_int_equal(ok, cut == n);
		assert_int_equal(k.complete, cut == n);
		int whole = 0;
		for (int i = 0; i < 10; i++)
			if (ends[i] <= cut)
				whole = i + 1;
		assert_int_equal(k.nlists, whole);
		for (int i = 0; i < 10; i++)
			assert_int_equal(k.nl[i].present, i < whole);
	}
}

static void test_kexinit_lying_list_length(void **state)
{
	(void)state;
	uint8_t p[1024];
	size_t n = make_kexinit(p, client_lists, false);
	/* the host key list claims 4 GB */
	size_t at = 17 + 4 + strlen(client_lists[0]);
	put32(p + at, 0xfffffff0u);
	struct ssh_kexinit k;
	assert_false(ssh_kexinit_parse(p, n, &k));
	assert_int_equal(k.nlists, 1);
	assert_true(k.nl[SSH_NL_KEX].present);
	assert_false(k.nl[SSH_NL_HOSTKEY].present);
	/* a list length one past the end */
	n = make_kexinit(p, client_lists, false);
	put32(p + at, (uint32_t)(n - at - 4 + 1));
	assert_false(ssh_kexinit_parse(p, n, &k));
	assert_int_equal(k.nlists, 1);
}

/* ---- negotiation -------------------------------------------------------- */

/* Two editable sets of name-lists, negotiated against each other. */
struct lists {
	const char *c[10], *s[10];
};

static struct lists lists_from(const char *const c[10], const char *const s[10])
{
	struct lists l;
	memcpy(l.c, c, sizeof l.c);
	memcpy(l.s, s, sizeof l.s);
	return l;
}

static void negotiate_lists(const struct lists *l, struct ssh_nego *n)
{
	static uint8_t cb[1024], sb[1024];
	struct ssh_kexinit kc, ks;
	size_t cn = make_kexinit(cb, l->c, false);
	size_t sn = make_kexinit(sb, l->s, false);
	assert_true(ssh_kexinit_parse(cb, cn, &kc));
	assert_true(ssh_kexinit_parse(sb, sn, &ks));
	ssh_negotiate(&kc, cb, &ks, sb, n);
}

static void test_nego_client_order_wins(void **state)
{
	(void)state;
	struct ssh_nego n;
	struct lists l = lists_from(client_lists, server_lists);
	negotiate_lists(&l, &n);
	assert_true(n.decided);
	/* the fixtures share no MAC (hmac-sha2-256,hmac-sha1 vs hmac-sha2-512)
	 * and agree on a non-AEAD cipher, so the MACs fail */
	assert_false(n.ok);
	assert_int_equal(n.fail_cat, SSH_CAT_MAC_C2S);
	assert_int_equal(n.nfail, 2);
	/* the server prefers ecdh-sha2-nistp256, but the client's first choice
	 * that the server knows wins */
	assert_string_equal(n.alg[SSH_CAT_KEX], "curve25519-sha256");
	assert_string_equal(n.alg[SSH_CAT_HOSTKEY], "ssh-ed25519");
	/* chacha20 is not offered by the server: aes128-ctr, so MACs count */
	assert_string_equal(n.alg[SSH_CAT_ENC_C2S], "aes128-ctr");
	assert_string_equal(n.alg[SSH_CAT_ENC_S2C], "aes128-ctr");
	assert_false(n.implicit_mac[0]);
	assert_string_equal(n.alg[SSH_CAT_COMP_C2S], "none");
}

static void test_nego_mac_failure_unless_aead(void **state)
{
	(void)state;
	struct ssh_nego n;
	struct lists l = lists_from(client_lists, server_lists);
	l.c[4] = l.c[5] = "hmac-sha1";
	l.s[4] = l.s[5] = "hmac-sha2-512";
	negotiate_lists(&l, &n);
	assert_false(n.ok);
	assert_int_equal(n.fail_cat, SSH_CAT_MAC_C2S);
	assert_int_equal(n.nfail, 2);
	assert_true(n.failed[SSH_CAT_MAC_S2C]);
	assert_string_equal(ssh_cat_name(n.fail_cat), "MAC client->server");

	/* with an AEAD cipher agreed the MAC lists do not matter */
	l.s[2] = l.s[3] = "chacha20-poly1305@openssh.com";
	negotiate_lists(&l, &n);
	assert_true(n.ok);
	assert_true(n.implicit_mac[0]);
	assert_true(n.implicit_mac[1]);
	assert_string_equal(n.alg[SSH_CAT_ENC_C2S], "chacha20-poly1305@openssh.com");
	assert_string_equal(n.alg[SSH_CAT_MAC_C2S], "<implicit>");
}

static void test_nego_each_category_fails(void **state)
{
	(void)state;
	struct ssh_nego n;
	const char *fixes[SSH_CAT_COUNT] = {
		"diffie-hellman-group1-sha1", "ssh-dss", "3des-cbc", "3des-cbc",
		"hmac-md5", "hmac-md5", "zlib", "zlib",
	};
	for (int cat = 0; cat < SSH_CAT_COUNT; cat++) {
		struct lists l = lists_from(client_lists, client_lists);
		l.s[cat] = fixes[cat];
		/* make MACs count: no AEAD cipher agreed */
		l.c[2] = l.c[3] = "aes128-ctr,3des-cbc-x";
		if (cat != SSH_CAT_ENC_C2S)
			l.s[2] = "aes128-ctr";
		if (cat != SSH_CAT_ENC_S2C)
			l.s[3] = "aes128-ctr";
		negotiate_lists(&l, &n);
		assert_true(n.decided);
		assert_false(n.ok);
		assert_int_equal(n.fail_cat, cat);
		assert_int_equal(n.nfail, 1);
		assert_string_equal(n.alg[cat], "");
	}
}

static void test_nego_compression_none(void **state)
{
	(void)state;
	struct ssh_nego n;
	struct lists l = lists_from(client_lists, client_lists);
	l.c[6] = l.c[7] = "zlib@openssh.com,zlib,none";
	l.s[6] = l.s[7] = "none";
	negotiate_lists(&l, &n);
	assert_true(n.ok);
	assert_string_equal(n.alg[SSH_CAT_COMP_C2S], "none");

	l.c[6] = l.c[7] = "none,zlib@openssh.com";
	l.s[6] = l.s[7] = "zlib@openssh.com,none";
	negotiate_lists(&l, &n);
	assert_string_equal(n.alg[SSH_CAT_COMP_S2C], "none");

	/* a client that insists on compression against a server without */
	l.c[6] = l.c[7] = "zlib";
	l.s[6] = l.s[7] = "none";
	negotiate_lists(&l, &n);
	assert_false(n.ok);
	assert_int_equal(n.fail_cat, SSH_CAT_COMP_C2S);

	/* an empty list matches nothing */
	l.c[6] = l.c[7] = "";
	negotiate_lists(&l, &n);
	assert_int_equal(n.fail_cat, SSH_CAT_COMP_C2S);
}

static void test_nego_undecided_when_truncated(void **state)
{
	(void)state;
	static uint8_t cb[1024], sb[1024];
	struct ssh_kexinit kc, ks;
	size_t cn = make_kexinit(cb, client_lists, false);
	size_t sn = make_kexinit(sb, server_lists, false);
	assert_true(ssh_kexinit_parse(cb, cn, &kc));
	/* only the first two server lists survive */
	size_t cut = 17 + 4 + strlen(server_lists[0]) + 4 + strlen(server_lists[1]) + 3;
	assert_true(cut < sn);
	assert_false(ssh_kexinit_parse(sb, cut, &ks));
	struct ssh_nego n;
	ssh_negotiate(&kc, cb, &ks, sb, &n);
	assert_false(n.decided);
	assert_false(n.ok);
	assert_false(n.unknown[SSH_CAT_KEX]);
	assert_string_equal(n.alg[SSH_CAT_KEX], "curve25519-sha256");
	assert_true(n.unknown[SSH_CAT_ENC_C2S]);
	assert_true(n.unknown[SSH_CAT_COMP_S2C]);
}

static void test_namelist_match_exact_names(void **state)
{
	(void)state;
	struct ssh_str l = { "aes128-ctr,,aes256-ctr,", 23 };
	assert_true(ssh_nl_contains(l, "aes256-ctr", 10));
	assert_false(ssh_nl_contains(l, "aes128", 6));
	assert_false(ssh_nl_contains(l, "", 0));
	struct ssh_str c = { "x,aes256-ctr", 12 }, m;
	assert_true(ssh_nl_first_match(c, l, &m));
	assert_int_equal(m.len, 10);
	assert_memory_equal(m.s, "aes256-ctr", 10);
	struct ssh_str empty = { "", 0 };
	assert_false(ssh_nl_first_match(empty, l, &m));
	assert_false(ssh_nl_first_match(c, empty, &m));
}

/* The reference for ssh_namelist_valid: split at commas, check each name. */
static bool names_valid(const char *b, size_t n)
{
	bool want = true;
	size_t start = 0;
	for (size_t k = 0; k <= n; k++)
		if (k == n || b[k] == ',') {
			want = want && ssh_name_valid(b + start, k - start);
			start = k + 1;
		}
	return want;
}

/* RFC 4251: names are 1-64 printable US-ASCII bytes without commas. The
 * hostile byte patterns of tests/hostile/ are all refused; the raw list is
 * kept (the sinks escape it). */
static void test_name_validity(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"a\x1b]52;c;SGVsbG8=\a", "a\x1b[2J", "a\a", "a\b", "a\r\nFAIL x", "a\x9b", "a\xc2\x9b",
		"a\xe0\x80\x80", "a\xed\xa0\x80", "a\xf4\x90\x80\x80", "a b", "a\x7f",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(ssh_name_valid(bad[i], strlen(bad[i])));
		struct ssh_str l = { bad[i], strlen(bad[i]) };
		assert_false(ssh_namelist_valid(l));
	}
	assert_false(ssh_name_valid("a\0b", 3));
	assert_false(ssh_name_valid("", 0));
	assert_false(ssh_name_valid("a,b", 3));
	char long_name[66];
	memset(long_name, 'x', sizeof long_name);
	assert_true(ssh_name_valid(long_name, 64));
	assert_false(ssh_name_valid(long_name, 65));
	assert_true(ssh_name_valid("ssh-ed25519", 11));
	assert_true(ssh_name_valid("chacha20-poly1305@openssh.com", 29));
	struct ssh_str good = { "curve25519-sha256,ext-info-c", 28 }, empty = { "", 0 };
	struct ssh_str hole = { "a,,b", 4 }, trail = { "a,", 2 };
	assert_true(ssh_namelist_valid(good));
	assert_true(ssh_namelist_valid(empty));
	assert_false(ssh_namelist_valid(hole));
	assert_false(ssh_namelist_valid(trail));
	struct ssh_str lead = { ",a", 2 }, comma = { ",", 1 };
	assert_false(ssh_namelist_valid(lead));
	assert_false(ssh_namelist_valid(comma));
	/* the one-pass list check agrees with splitting at commas and checking
	 * each name, over every list of up to 4 bytes from a small alphabet
	 * and for names around the 64-byte limit */
	static const char alpha[] = { 'a', ',', ' ', '\x7f', '~', '!' };
	char buf[70];
	for (unsigned n = 1; n <= 4; n++) {
		unsigned total = 1;
		for (unsigned k = 0; k < n; k++)
			total *= sizeof alpha;
		for (unsigned code = 0; code < total; code++) {
			unsigned c = code;
			for (unsigned k = 0; k < n; k++, c /= sizeof alpha)
				buf[k] = alpha[c % sizeof alpha];
			assert_int_equal(ssh_namelist_valid((struct ssh_str){ buf, n }), names_valid(buf, n));
		}
	}
	/* longer lists, so that whole 8-byte words are checked at once:
	 * random names of 1-70 bytes, now and then one bad byte or an empty name */
	char lb[400];
	uint32_t seed = 7;
	for (int round = 0; round < 20000; round++) {
		size_t n = 0;
		while (n < 300) {
			seed = seed * 1103515245u + 12345u;
			size_t len = 1 + (seed >> 8) % 70;
			if ((seed >> 20) % 64 == 0)
				len = 0;
			for (size_t k = 0; k < len && n < sizeof lb; k++) {
				seed = seed * 1103515245u + 12345u;
				unsigned r = (seed >> 16) & 0xff;
				lb[n++] = (r % 97 == 0) ? (char)(r & 0x80 ? 0x7f : 0x20 + (r & 1)) : (char)('a' + r % 26);
			}
			if (n < sizeof lb)
				lb[n++] = ',';
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 7 == 0)
				break;
		}
		seed = seed * 1103515245u + 12345u;
		if (n > 1 && (seed >> 16) & 1)
			n--; /* most lists do not end in a comma */
		assert_int_equal(ssh_namelist_valid((struct ssh_str){ lb, n }), names_valid(lb, n));
	}
	memset(buf, 'x', sizeof buf);
	buf[0] = ',';
	assert_true(ssh_namelist_valid((struct ssh_str){ buf + 1, 64 }));
	assert_false(ssh_namelist_valid((struct ssh_str){ buf + 1, 65 }));
	buf[65] = ',';
	assert_true(ssh_namelist_valid((struct ssh_str){ buf + 1, 66 }));
	assert_false(ssh_namelist_valid((struct ssh_str){ buf, 66 }));

	/* a KEXINIT whose kex list carries an escape sequence: parsed, kept
	 * byte for byte, marked invalid */
	const char *lists[10];
	memcpy(lists, client_lists, sizeof lists);
	lists[0] = "cli\x1b]0;x\akex,curve25519-sha256";
	uint8_t p[1024];
	size_t n = make_kexinit(p, lists, false);
	struct ssh_kexinit k;
	assert_true(ssh_kexinit_parse(p, n, &k));
	assert_false(k.nl[SSH_NL_KEX].valid);
	assert_true(k.nl[SSH_NL_HOSTKEY].valid);
	struct ssh_str kx = ssh_kexinit_list(&k, p, SSH_NL_KEX);
	assert_int_equal(kx.len, strlen(lists[0]));
	assert_memory_equal(kx.s, lists[0], kx.len);

	struct ssh_ident id;
	assert_true(ssh_ident_parse("SSH-2.0-Open\x9bSSH", 17, &id));
	assert_true(id.bad_bytes);
	assert_true(ssh_ident_parse("SSH-2.0-OpenSSH_9.2 Debian", 26, &id));
	assert_false(id.bad_bytes);
}

static void test_kex_family_and_names(void **state)
{
	(void)state;
	char b[32];
	assert_int_equal(ssh_kex_family("curve25519-sha256"), SSH_KEXFAM_ECDH);
	assert_int_equal(ssh_kex_family("mlkem768x25519-sha256"), SSH_KEXFAM_ECDH);
	assert_int_equal(ssh_kex_family("sntrup761x25519-sha512@openssh.com"), SSH_KEXFAM_ECDH);
	assert_int_equal(ssh_kex_family("diffie-hellman-group14-sha256"), SSH_KEXFAM_DH);
	assert_int_equal(ssh_kex_family("diffie-hellman-group-exchange-sha256"), SSH_KEXFAM_GEX);
	assert_int_equal(ssh_kex_family("gss-gex-sha1-x"), SSH_KEXFAM_UNKNOWN);
	assert_string_equal(ssh_msg_name(30, SSH_KEXFAM_ECDH, b, sizeof b), "ECDH_INIT");
	assert_string_equal(ssh_msg_name(31, SSH_KEXFAM_ECDH, b, sizeof b), "ECDH_REPLY");
	assert_string_equal(ssh_msg_name(31, SSH_KEXFAM_GEX, b, sizeof b), "GEX_GROUP");
	assert_string_equal(ssh_msg_name(33, SSH_KEXFAM_GEX, b, sizeof b), "GEX_REPLY");
	assert_string_equal(ssh_msg_name(34, SSH_KEXFAM_GEX, b, sizeof b), "GEX_REQUEST");
	assert_string_equal(ssh_msg_name(30, SSH_KEXFAM_DH, b, sizeof b), "KEXDH_INIT");
	assert_string_equal(ssh_msg_name(33, SSH_KEXFAM_ECDH, b, sizeof b), "msg 33");
	assert_string_equal(ssh_msg_name(21, SSH_KEXFAM_UNKNOWN, b, sizeof b), "NEWKEYS");
	assert_true(ssh_cipher_is_aead("aes256-gcm@openssh.com", 22));
	assert_false(ssh_cipher_is_aead("aes256-ctr", 10));
}

/* ---- HASSH -------------------------------------------------------------- */

static void test_hassh_values(void **state)
{
	(void)state;
	uint8_t p[1024];
	struct ssh_kexinit k;
	char h[33];
	/* md5("curve25519-sha256,ecdh-sha2-nistp256,ext-info-c;chacha20-poly1305@openssh.com,aes128-ctr;
	 *      hmac-sha2-256,hmac-sha1;none,zlib@openssh.com"), computed with Python's hashlib */
	size_t n = make_kexinit(p, client_lists, false);
	assert_true(ssh_kexinit_parse(p, n, &k));
	assert_true(ssh_hassh(&k, p, false, h));
	assert_string_equal(h, "32c2ac0f6e0329a60cd14d4cae26c7fe");

	/* the server fingerprint uses the server->client lists */
	const char *sl[10];
	memcpy(sl, server_lists, sizeof sl);
	sl[0] = "curve25519-sha256,ecdh-sha2-nistp256";
	sl[2] = "3des-cbc";
	sl[4] = "hmac-md5";
	sl[6] = "zlib";
	sl[3] = "aes256-ctr,aes128-ctr";
	sl[5] = "hmac-sha2-512";
	sl[7] = "none";
	n = make_kexinit(p, sl, false);
	assert_true(ssh_kexinit_parse(p, n, &k));
	assert_true(ssh_hassh(&k, p, true, h));
	assert_string_equal(h, "14776bbae082d2660367e88ca780449a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ident_table),
		cmocka_unit_test(test_name_validity),
		cmocka_unit_test(test_ident_not_ssh_and_malformed),
		cmocka_unit_test(test_line_crlf_and_bare_lf),
		cmocka_unit_test(test_line_split_everywhere),
		cmocka_unit_test(test_lines_before_ident),
		cmocka_unit_test(test_line_too_long_and_binary),
		cmocka_unit_test(test_prefix_check),
		cmocka_unit_test(test_describe_foreign),
		cmocka_unit_test(test_frame_coalesced_and_split),
		cmocka_unit_test(test_frame_kexinit_announced),
		cmocka_unit_test(test_frame_stop_after_newkeys),
		cmocka_unit_test(test_frame_lying_lengths),
		cmocka_unit_test(test_frame_kexinit_bigger_than_buffer),
		cmocka_unit_test(test_kexinit_parse),
		cmocka_unit_test(test_kexinit_truncated_at_every_byte),
		cmocka_unit_test(test_kexinit_lying_list_length),
		cmocka_unit_test(test_nego_client_order_wins),
		cmocka_unit_test(test_nego_mac_failure_unless_aead),
		cmocka_unit_test(test_nego_each_category_fails),
		cmocka_unit_test(test_nego_compression_none),
		cmocka_unit_test(test_nego_undecided_when_truncated),
		cmocka_unit_test(test_namelist_match_exact_names),
		cmocka_unit_test(test_kex_family_and_names),
		cmocka_unit_test(test_hassh_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
