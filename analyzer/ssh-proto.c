/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ssh-proto.c - pure SSH wire parsers: identification lines, cleartext
 * packet framing, KEXINIT, negotiation and HASSH. See ssh-proto.h. */
#include "ssh-proto.h"

#include <stdio.h>
#include <string.h>

#include "digest.h"

#include "../capture/cursor.h"

/* ---- identification line ---------------------------------------------- */

static bool byte_is_binary(uint8_t b)
{
	if (b == '\t' || b == '\r' || b == '\n')
		return false;
	return b < 0x20 || b == 0x7f || b == 0xff;
}

bool ssh_bytes_binary(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (byte_is_binary(p[i]))
			return true;
	return false;
}

void ssh_line_reset(struct ssh_linebuf *lb)
{
	lb->len = 0;
	lb->total = 0;
	lb->binary = false;
	lb->last_cr = false;
	lb->buf[0] = 0;
}

size_t ssh_line_feed(struct ssh_linebuf *lb, const uint8_t *data, size_t len, bool *done, bool *crlf)
{
	*done = false;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = data[i];
		if (b == '\n') {
			size_t keep = lb->len;
			if (lb->last_cr) {
				/* drop the CR from what is kept and counted */
				if (keep && lb->buf[keep - 1] == '\r' && lb->total <= SSH_LINE_MAX)
					keep--;
				lb->total--;
			}
			lb->len = (uint16_t)keep;
			lb->buf[keep] = 0;
			*crlf = lb->last_cr;
			*done = true;
			return i + 1;
		}
		if (byte_is_binary(b))
			lb->binary = true;
		lb->last_cr = b == '\r';
		if (lb->len < SSH_LINE_MAX)
			lb->buf[lb->len++] = (char)b;
		lb->total++;
	}
	lb->buf[lb->len] = 0;
	return len;
}

/* Copy at most n bytes of s into a C string of size cap, replacing bytes
 * that would confuse a report. */
static void copy_printable(char *dst, size_t cap, const char *s, size_t n)
{
	size_t o = 0;
	if (!cap)
		return;
	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		dst[o++] = (c < 0x20 || c == 0x7f) ? '.' : (char)c;
	}
	dst[o] = 0;
}

bool ssh_ident_parse(const char *line, size_t len, struct ssh_ident *id)
{
	memset(id, 0, sizeof *id);
	copy_printable(id->line, sizeof id->line, line, len);
	for (size_t k = 0; k < len; k++)
		if ((unsigned char)line[k] < 0x20 || (unsigned char)line[k] > 0x7e)
			id->bad_bytes = true;
	id->too_long = len + 2 > 255;
	if (len < 4 || memcmp(line, "SSH-", 4) != 0)
		return false;

	/* protoversion: up to the next '-' */
	size_t i = 4, start = 4;
	while (i < len && line[i] != '-' && line[i] != ' ')
		i++;
	copy_printable(id->proto, sizeof id->proto, line + start, i - start);

	/* major.minor, digits only */
	unsigned major = 0, minor = 0;
	size_t j = start;
	bool got_major = false, got_minor = false;
	while (j < i && line[j] >= '0' && line[j] <= '9' && major < 100) {
		major = major * 10 + (unsigned)(line[j] - '0');
		j++;
		got_major = true;
	}
	if (j < i && line[j] == '.') {
		j++;
		while (j < i && line[j] >= '0' && line[j] <= '9' && minor < 1000) {
			minor = minor * 10 + (unsigned)(line[j] - '0');
			j++;
			got_minor = true;
		}
	}
	if (got_major && got_minor && j == i && major < 256 && minor < 256) {
		id->major = (uint8_t)major;
		id->minor = (uint8_t)minor;
	}
	if (i >= len || line[i] != '-')
		return true; /* no software version: keep what we have */

	/* softwareversion: up to the first space; the rest is comments */
	start = ++i;
	while (i < len && line[i] != ' ')
		i++;
	copy_printable(id->software, sizeof id->software, line + start, i - start);
	return true;
}

enum ssh_prefix ssh_prefix_check(const uint8_t *p, size_t len)
{
	static const char want[4] = { 'S', 'S', 'H', '-' };
	size_t n = len < 4 ? len : 4;
	if (n && memcmp(p, want, n) != 0)
		return SSH_PREFIX_NO;
	return len >= 4 ? SSH_PREFIX_YES : SSH_PREFIX_MAYBE;
}

static bool starts_with(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);
	return len >= n && memcmp(p, s, n) == 0;
}

/* The first line of p as printable text, at most ~80 characters. */
static void first_line(const uint8_t *p, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	while (n < len && p[n] != '\n' && p[n] != '\r')
		n++;
	char tmp[84];
	size_t keep = n < 80 ? n : 80;
	copy_printable(tmp, sizeof tmp, (const char *)p, keep);
	snprintf(out, cap, "\"%s%s\"", tmp, n > keep ? "..." : "");
}

void ssh_describe_foreign(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	static const char *const methods[] = { "GET ", "POST ", "HEAD ", "PUT ", "OPTIONS ", "CONNECT ", "DELETE " };
	char line[100];
	if (!outlen)
		return;
	if (!len) {
		snprintf(out, outlen, "no bytes");
		return;
	}
	if (starts_with(p, len, "HTTP/")) {
		first_line(p, len, line, sizeof line);
		snprintf(out, outlen, "an HTTP response %s", line);
		return;
	}
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		if (starts_with(p, len, methods[i])) {
			first_line(p, len, line, sizeof line);
			snprintf(out, outlen, "an HTTP request %s", line);
			return;
		}
	}
	if (len >= 2 && (p[0] == 0x16 || p[0] == 0x15 || p[0] == 0x17) && p[1] == 0x03) {
		snprintf(out, outlen, "a TLS record (type %u, version 3.%u)", p[0], len >= 3 ? p[2] : 0);
		return;
	}
	if (len >= 2 && p[0] == 0xff && p[1] >= 0xfb && p[1] <= 0xfe) {
		snprintf(out, outlen, "telnet option negotiation (IAC %02x %02x...)", p[1], len >= 3 ? p[2] : 0);
		return;
	}
	if (!ssh_bytes_binary(p, len < 256 ? len : 256)) {
		first_line(p, len, line, sizeof line);
		snprintf(out, outlen, "a text line %s", line);
		return;
	}
	size_t o = (size_t)snprintf(out, outlen, "binary data");
	for (size_t i = 0; i < len && i < 12 && o + 4 < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%s%02x", i ? " " : ": ", p[i]);
	if (len > 12 && o + 4 < outlen)
		snprintf(out + o, outlen - o, " ...");
}

/* ---- framing ------------------------------------------------------------ */

void ssh_framer_init(struct ssh_framer *fr, uint8_t *big, uint32_t big_cap)
{
	memset(fr, 0, offsetof(struct ssh_framer, small));
	fr->big = big;
	fr->big_cap = big ? big_cap : 0;
}

const char *ssh_frame_err_str(int err)
{
	switch (err) {
	case SSH_FRAME_OK:
		return "ok";
	case SSH_FRAME_LEN_SMALL:
		return "packet_length too small";
	case SSH_FRAME_LEN_HUGE:
		return "packet_length too large";
	case SSH_FRAME_PAD_BAD:
		return "padding_length does not fit the packet";
	}
	return "?";
}

/* Keep payload byte(s) at payload index `at` of the current packet. */
static void frame_keep(struct ssh_framer *fr, uint32_t at, const uint8_t *b, uint32_t n)
{
	uint8_t *dst = fr->use_big ? fr->big : fr->small;
	uint32_t cap = fr->use_big ? fr->big_cap : SSH_SMALL_KEEP;
	if (at >= fr->payload_len || at != fr->stored || at >= cap)
		return;
	uint32_t room = cap - at;
	uint32_t want = fr->payload_len - at;
	if (n > want)
		n = want;
	if (n > room)
		n = room;
	memcpy(dst + at, b, n);
	fr->stored += n;
}

size_t ssh_framer_feed(struct ssh_framer *fr, const uint8_t *data, size_t len, ssh_msg_fn fn, void *arg)
{
	size_t off = 0;
	while (off < len && fr->err == SSH_FRAME_OK) {
		if (fr->nhdr < sizeof fr->hdr) {
			size_t n = sizeof fr->hdr - fr->nhdr;
			if (n > len - off)
				n = len - off;
			memcpy(fr->hdr + fr->nhdr, data + off, n);
			fr->nhdr = (uint8_t)(fr->nhdr + n);
			off += n;
			if (fr->nhdr < sizeof fr->hdr)
				break;
			struct cursor c = cursor_make(fr->hdr, sizeof fr->hdr);
			uint32_t plen = cursor_be32(&c);
			uint8_t pad = cursor_u8(&c);
			uint8_t msg = cursor_u8(&c);
			if (plen > SSH_MAX_PACKET) {
				fr->err = SSH_FRAME_LEN_HUGE;
			} else if (plen < 2) {
				fr->err = SSH_FRAME_LEN_SMALL;
			} else if ((uint32_t)pad + 2 > plen) {
				fr->err = SSH_FRAME_PAD_BAD;
			}
			if (fr->err != SSH_FRAME_OK) {
				fr->packet_length = plen;
				return off;
			}
			fr->packet_length = plen;
			fr->padding_length = pad;
			fr->payload_len = plen - pad - 1;
			fr->body_seen = 0;
			fr->stored = 0;
			if (msg == SSH_MSG_KEXINIT && fr->announce && fn) {
				struct ssh_msg h = {
					.msg = msg,
					.packet_length = plen,
					.padding_length = pad,
					.payload_len = fr->payload_len,
					.header = true,
					.end = off,
				};
				fn(arg, &h);
			}
			fr->use_big = msg == SSH_MSG_KEXINIT && fr->big && fr->big_cap;
			frame_keep(fr, 0, &msg, 1);
		}
		/* the body: the rest of the payload, then the padding */
		uint32_t body_total = fr->packet_length - 2;
		uint32_t need = body_total - fr->body_seen;
		size_t n = need < len - off ? need : len - off;
		frame_keep(fr, 1 + fr->body_seen, data + off, (uint32_t)n);
		fr->body_seen += (uint32_t)n;
		off += n;
		if (fr->body_seen < body_total)
			break;

		struct ssh_msg m = {
			.msg = fr->hdr[5],
			.packet_length = fr->packet_length,
			.padding_length = fr->padding_length,
			.payload_len = fr->payload_len,
			.payload = fr->use_big ? fr->big : fr->small,
			.stored = fr->stored,
			.kept_big = fr->use_big,
			.end = off,
		};
		fr->nhdr = 0;
		fr->packets++;
		if (fn && !fn(arg, &m))
			return off;
	}
	return off;
}

/* ---- KEXINIT ------------------------------------------------------------ */

bool ssh_kexinit_parse(const uint8_t *payload, size_t len, struct ssh_kexinit *k)
{
	memset(k, 0, sizeof *k);
	struct cursor c = cursor_make(payload, len);
	if (cursor_u8(&c) != SSH_MSG_KEXINIT || !cursor_ok(&c))
		return false;
	if (!cursor_skip(&c, 16)) /* cookie */
		return false;
	for (int i = 0; i < SSH_NL_COUNT; i++) {
		uint32_t n = cursor_be32(&c);
		if (!cursor_ok(&c))
			return false;
		size_t at = c.off;
		struct cursor s = cursor_sub(&c, n);
		if (!cursor_ok(&s) || !cursor_ok(&c))
			return false;
		k->nl[i].off = (uint32_t)at;
		k->nl[i].len = n;
		k->nl[i].present = true;
		k->nl[i].valid = ssh_namelist_valid((struct ssh_str){ (const char *)payload + at, n });
		k->nlists = (uint8_t)(i + 1);
	}
	k->first_kex_follows = cursor_u8(&c) != 0;
	(void)cursor_be32(&c); /* reserved */
	k->complete = cursor_ok(&c);
	return k->complete;
}

const char *ssh_nl_name(int which)
{
	static const char *const names[SSH_NL_COUNT] = {
		"kex",
		"host key",
		"cipher client->server",
		"cipher server->client",
		"MAC client->server",
		"MAC server->client",
		"compression client->server",
		"compression server->client",
		"language client->server",
		"language server->client",
	};
	return which >= 0 && which < SSH_NL_COUNT ? names[which] : "?";
}

/* Walk the names of a list: returns false at the end. */
static bool nl_next(struct ssh_str list, size_t *pos, struct ssh_str *name)
{
	while (*pos <= list.len) {
		size_t start = *pos, end = start;
		while (end < list.len && list.s[end] != ',')
			end++;
		*pos = end + 1;
		if (end > start) {
			name->s = list.s + start;
			name->len = end - start;
			return true;
		}
		if (end >= list.len)
			break;
	}
	return false;
}

bool ssh_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)name[i];
		if (b < 0x21 || b > 0x7e || b == ',')
			return false;
	}
	return true;
}

/* One byte of a name-list: a ',' ends a name (which must not be empty),
 * anything else must be a name byte and the name at most 64 long. */
static inline bool nl_byte(unsigned char b, size_t *run)
{
	if (b == ',') {
		if (*run == 0)
			return false;
		*run = 0;
		return true;
	}
	return b >= 0x21 && b <= 0x7e && ++*run <= 64;
}

/* One pass over the list: each byte is a name byte (0x21-0x7e but ','),
 * a ',' ending a name of 1 to 64 bytes, or invalid. Same answer as
 * ssh_name_valid on every comma-separated name (the unit test checks). */
bool ssh_namelist_valid(struct ssh_str list)
{
	size_t run = 0, i = 0;
	if (!list.len)
		return true;
	/* eight bytes at a time while they hold neither a comma nor a byte
	 * outside 0x21-0x7e (classic SWAR tests; a false alarm only sends the
	 * word to the byte loop below) */
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	while (i + 8 <= list.len) {
		uint64_t w, c;
		memcpy(&w, list.s + i, 8);
		c = w ^ (ones * ',');
		if ((((w - ones * 0x21) & ~w) | (w + ones) | w | ((c - ones) & ~c)) & high) {
			size_t stop = i + 8;
			for (; i < stop; i++)
				if (!nl_byte((unsigned char)list.s[i], &run))
					return false;
			continue;
		}
		run += 8;
		if (run > 64)
			return false;
		i += 8;
	}
	for (; i < list.len; i++)
		if (!nl_byte((unsigned char)list.s[i], &run))
			return false;
	return run != 0;
}

bool ssh_nl_contains(struct ssh_str list, const char *name, size_t nlen)
{
	size_t pos = 0;
	struct ssh_str cur;
	while (nl_next(list, &pos, &cur))
		if (cur.len == nlen && memcmp(cur.s, name, nlen) == 0)
			return true;
	return false;
}

bool ssh_nl_first_match(struct ssh_str client, struct ssh_str server, struct ssh_str *out)
{
	size_t pos = 0;
	struct ssh_str cur;
	while (nl_next(client, &pos, &cur)) {
		if (ssh_nl_contains(server, cur.s, cur.len)) {
			*out = cur;
			return true;
		}
	}
	return false;
}

/* ---- negotiation -------------------------------------------------------- */

int ssh_cat_list(int cat)
{
	/* the categories are the first eight name-lists, in order */
	return cat >= 0 && cat < SSH_CAT_COUNT ? cat : -1;
}

const char *ssh_cat_name(int cat)
{
	return ssh_nl_name(ssh_cat_list(cat));
}

bool ssh_cipher_is_aead(const char *name, size_t len)
{
	static const char *const aead[] = {
		"chacha20-poly1305@openssh.com",
		"aes128-gcm@openssh.com",
		"aes256-gcm@openssh.com",
		"AEAD_AES_128_GCM",
		"AEAD_AES_256_GCM",
	};
	for (size_t i = 0; i < sizeof aead / sizeof aead[0]; i++)
		if (strlen(aead[i]) == len && memcmp(aead[i], name, len) == 0)
			return true;
	return false;
}

void ssh_negotiate(const struct ssh_kexinit *cli, const uint8_t *cbase, const struct ssh_kexinit *srv,
		   const uint8_t *sbase, struct ssh_nego *n)
{
	memset(n, 0, sizeof *n);
	n->fail_cat = -1;
	int nunknown = 0;
	for (int cat = 0; cat < SSH_CAT_COUNT; cat++) {
		int l = ssh_cat_list(cat);
		if (!cli->nl[l].present || !srv->nl[l].present) {
			n->unknown[cat] = true;
			nunknown++;
			continue;
		}
		/* An AEAD cipher carries its own integrity: the MAC list is not
		 * used for that direction (OpenSSH does not fail on it). */
		if (cat == SSH_CAT_MAC_C2S || cat == SSH_CAT_MAC_S2C) {
			int enc = cat == SSH_CAT_MAC_C2S ? SSH_CAT_ENC_C2S : SSH_CAT_ENC_S2C;
			if (!n->failed[enc] && !n->unknown[enc] &&
			    ssh_cipher_is_aead(n->alg[enc], strlen(n->alg[enc]))) {
				n->implicit_mac[cat == SSH_CAT_MAC_S2C] = true;
				snprintf(n->alg[cat], SSH_ALG_LEN, "<implicit>");
				continue;
			}
		}
		struct ssh_str m;
		if (ssh_nl_first_match(ssh_kexinit_list(cli, cbase, l), ssh_kexinit_list(srv, sbase, l), &m)) {
			copy_printable(n->alg[cat], SSH_ALG_LEN, m.s, m.len);
		} else {
			n->failed[cat] = true;
			n->nfail++;
			if (n->fail_cat < 0)
				n->fail_cat = (int8_t)cat;
		}
	}
	n->decided = nunknown == 0;
	n->ok = n->decided && n->nfail == 0;
}

enum ssh_kexfam ssh_kex_family(const char *kex)
{
	static const char *const ecdh[] = { "ecdh-sha2-", "curve25519-", "curve448-", "sntrup761x25519-", "mlkem" };
	if (!strncmp(kex, "diffie-hellman-group-exchange-", 30))
		return SSH_KEXFAM_GEX;
	if (!strncmp(kex, "diffie-hellman-group", 20))
		return SSH_KEXFAM_DH;
	for (size_t i = 0; i < sizeof ecdh / sizeof ecdh[0]; i++)
		if (!strncmp(kex, ecdh[i], strlen(ecdh[i])))
			return SSH_KEXFAM_ECDH;
	return SSH_KEXFAM_UNKNOWN;
}

const char *ssh_msg_label(uint8_t msg, enum ssh_kexfam fam)
{
	const char *s = NULL;
	switch (msg) {
	case SSH_MSG_DISCONNECT: s = "DISCONNECT"; break;
	case SSH_MSG_IGNORE: s = "IGNORE"; break;
	case SSH_MSG_UNIMPLEMENTED: s = "UNIMPLEMENTED"; break;
	case SSH_MSG_DEBUG: s = "DEBUG"; break;
	case SSH_MSG_SERVICE_REQUEST: s = "SERVICE_REQUEST"; break;
	case SSH_MSG_EXT_INFO: s = "EXT_INFO"; break;
	case SSH_MSG_KEXINIT: s = "KEXINIT"; break;
	case SSH_MSG_NEWKEYS: s = "NEWKEYS"; break;
	case SSH_MSG_KEX_30:
		s = fam == SSH_KEXFAM_ECDH ? "ECDH_INIT" : fam == SSH_KEXFAM_GEX ? "GEX_REQUEST_OLD" : "KEXDH_INIT";
		break;
	case SSH_MSG_KEX_31:
		s = fam == SSH_KEXFAM_ECDH ? "ECDH_REPLY" : fam == SSH_KEXFAM_GEX ? "GEX_GROUP" : "KEXDH_REPLY";
		break;
	case SSH_MSG_KEX_32: s = fam == SSH_KEXFAM_GEX ? "GEX_INIT" : NULL; break;
	case SSH_MSG_KEX_33: s = fam == SSH_KEXFAM_GEX ? "GEX_REPLY" : NULL; break;
	case SSH_MSG_KEX_34: s = fam == SSH_KEXFAM_GEX || fam == SSH_KEXFAM_UNKNOWN ? "GEX_REQUEST" : NULL; break;
	default: break;
	}
	return s;
}

const char *ssh_msg_name(uint8_t msg, enum ssh_kexfam fam, char *buf, size_t len)
{
	const char *s = ssh_msg_label(msg, fam);
	if (s)
		return s;
	snprintf(buf, len, "msg %u", msg);
	return buf;
}

/* ---- HASSH -------------------------------------------------------------- */

bool ssh_hassh(const struct ssh_kexinit *k, const uint8_t *base, bool server, char out[33])
{
	const int lists[4] = {
		SSH_NL_KEX,
		server ? SSH_NL_ENC_S2C : SSH_NL_ENC_C2S,
		server ? SSH_NL_MAC_S2C : SSH_NL_MAC_C2S,
		server ? SSH_NL_COMP_S2C : SSH_NL_COMP_C2S,
	};
	out[0] = 0;
	for (int i = 0; i < 4; i++)
		if (!k->nl[lists[i]].present)
			return false;
	if (!digest_begin(DIGEST_MD5))
		return false;
	for (int i = 0; i < 4; i++) {
		struct ssh_str s = ssh_kexinit_list(k, base, lists[i]);
		if ((i && !digest_update(";", 1)) || !digest_update(s.s, s.len))
			return false;
	}
	uint8_t md[DIGEST_MAX];
	if (digest_end(md) != 16)
		return false;
	digest_hex(md, 16, out);
	return true;
}
