/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ssh-proto.h - pure SSH wire parsers (RFC 4253), no flow state:
 * identification lines, binary packet framing before NEWKEYS, KEXINIT
 * name-lists, algorithm negotiation (section 7.1) and HASSH fingerprints.
 *
 * Everything here reads wire bytes through capture/cursor.h or with
 * explicit bounds, never allocates, and treats truncated or lying input as
 * ordinary input. */
#ifndef SHAKEDOWN_SSH_PROTO_H
#define SHAKEDOWN_SSH_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Message numbers used before NEWKEYS. */
enum {
	SSH_MSG_DISCONNECT = 1,
	SSH_MSG_IGNORE = 2,
	SSH_MSG_UNIMPLEMENTED = 3,
	SSH_MSG_DEBUG = 4,
	SSH_MSG_SERVICE_REQUEST = 5,
	SSH_MSG_EXT_INFO = 7,
	SSH_MSG_KEXINIT = 20,
	SSH_MSG_NEWKEYS = 21,
	SSH_MSG_KEX_30 = 30, /* KEXDH_INIT, KEX_ECDH_INIT, GEX_REQUEST_OLD */
	SSH_MSG_KEX_31 = 31, /* KEXDH_REPLY, KEX_ECDH_REPLY, GEX_GROUP */
	SSH_MSG_KEX_32 = 32, /* GEX_INIT */
	SSH_MSG_KEX_33 = 33, /* GEX_REPLY */
	SSH_MSG_KEX_34 = 34, /* GEX_REQUEST */
};

/* ---- identification line ---------------------------------------------- */

/* RFC 4253 4.2 caps the line at 255 bytes with CR LF; we keep a little
 * more so an over-long line can still be shown. */
#define SSH_LINE_MAX 320

/* Accumulates one line of the identification phase. */
struct ssh_linebuf {
	uint16_t len;     /* bytes kept in buf (at most SSH_LINE_MAX) */
	uint32_t total;   /* bytes of this line seen so far, LF excluded */
	bool binary;      /* a byte that cannot be in a text line was seen */
	bool last_cr;     /* the previous byte was CR */
	char buf[SSH_LINE_MAX + 1];
};

/* Feed bytes; returns how many were used. Stops right after a LF and sets
 * *done; the caller reads lb->buf (NUL terminated, LF and CR stripped, with
 * lb->total the real length) and then calls ssh_line_reset(). */
size_t ssh_line_feed(struct ssh_linebuf *lb, const uint8_t *data, size_t len, bool *done, bool *crlf);
void ssh_line_reset(struct ssh_linebuf *lb);

struct ssh_ident {
	uint8_t major, minor;  /* 2.0, 1.99, 1.5 ... (0.0 when unparsable) */
	bool crlf;             /* ended with CR LF (false: bare LF) */
	bool too_long;         /* longer than the 255 bytes RFC 4253 allows */
	bool bad_bytes;        /* a byte outside printable US-ASCII (RFC 4253 4.2);
				* the fields keep it, sinks escape it */
	char proto[12];        /* "2.0" */
	char software[96];     /* "OpenSSH_9.2p1" (the comments after it are
				* only in `line`: no report shows them apart) */
	char line[128];        /* the whole line, for reports (truncated) */
};

/* Parse an identification line (without its line end). Returns true when
 * it starts with "SSH-"; fields that are malformed are left empty. */
bool ssh_ident_parse(const char *line, size_t len, struct ssh_ident *id);
/* Both SSH-2.0 and SSH-1.99 (a server speaking both) can speak SSH 2. */
static inline bool ssh_ident_v2(const struct ssh_ident *id)
{
	return id->major == 2 || (id->major == 1 && id->minor == 99);
}

/* How the first bytes of one side compare with "SSH-". */
enum ssh_prefix { SSH_PREFIX_MAYBE, SSH_PREFIX_YES, SSH_PREFIX_NO };
enum ssh_prefix ssh_prefix_check(const uint8_t *p, size_t len);

/* A short human description of bytes that are not an SSH identification:
 * an HTTP response, a TLS record, telnet option negotiation, a text line,
 * or the first bytes in hex. */
void ssh_describe_foreign(const uint8_t *p, size_t len, char *out, size_t outlen);
/* True if the bytes contain something no text line has (NUL, most control
 * bytes, telnet IAC...). */
bool ssh_bytes_binary(const uint8_t *p, size_t len);

/* ---- binary packet framing (cleartext, before NEWKEYS) ------------------ */

#define SSH_MAX_PACKET (256u * 1024u) /* what OpenSSH accepts */
/* Payload bytes kept of any other message: what ssh.c reads of one, a
 * DISCONNECT's reason and the 95 bytes of its text it shows (1 + 4 + 4 + 95;
 * the host key type in a key exchange reply needs fewer). */
#define SSH_SMALL_KEEP 104

enum ssh_frame_err {
	SSH_FRAME_OK = 0,
	SSH_FRAME_LEN_SMALL, /* packet_length cannot hold padding + message code */
	SSH_FRAME_LEN_HUGE,  /* packet_length above SSH_MAX_PACKET */
	SSH_FRAME_PAD_BAD,   /* padding < 4 or padding >= packet_length */
};

struct ssh_msg {
	uint8_t msg;             /* message number */
	uint32_t packet_length;  /* as sent; the whole packet is packet_length+4 */
	uint8_t padding_length;
	uint32_t payload_len;    /* message bytes, message number included */
	const uint8_t *payload;  /* the first `stored` payload bytes */
	uint32_t stored;
	bool kept_big;           /* stored in the big buffer (KEXINIT) */
	bool header;             /* only a KEXINIT's header (see ssh_framer.announce):
				  * payload_len is known, nothing is stored yet */
	size_t end;              /* offset in the fed chunk just past the packet */
};

/* Return false to stop framing after this packet (after NEWKEYS, what
 * follows is encrypted); the return of a header call is not read. */
typedef bool (*ssh_msg_fn)(void *arg, const struct ssh_msg *m);

struct ssh_framer {
	uint8_t hdr[6];
	uint8_t nhdr;
	uint8_t err;            /* enum ssh_frame_err; framing stops once set */
	uint32_t packet_length;
	uint8_t padding_length;
	uint32_t payload_len;
	uint32_t body_seen;     /* payload+padding bytes consumed after the header */
	uint32_t stored;        /* payload bytes kept for the current packet */
	bool use_big;           /* current packet goes to `big` */
	bool announce;          /* also call fn at each KEXINIT's header, where it
				 * may give a big enough buffer for that packet */
	uint8_t *big;           /* caller's buffer for KEXINIT payloads */
	uint32_t big_cap;
	uint64_t packets;       /* complete packets */
	uint8_t small[SSH_SMALL_KEEP];
};

void ssh_framer_init(struct ssh_framer *fr, uint8_t *big, uint32_t big_cap);
/* Give (or take back, big NULL) the buffer for KEXINIT payloads; takes
 * effect with the next packet header (from a header call: with this one). */
static inline void ssh_framer_set_big(struct ssh_framer *fr, uint8_t *big, uint32_t big_cap)
{
	fr->big = big;
	fr->big_cap = big ? big_cap : 0;
}
/* Feed bytes of one direction; calls fn for each complete packet. Returns
 * the bytes consumed: less than len when fn asked to stop or framing hit
 * an error (fr->err). */
size_t ssh_framer_feed(struct ssh_framer *fr, const uint8_t *data, size_t len, ssh_msg_fn fn, void *arg);
/* True while a packet header or body is partly received. */
static inline bool ssh_framer_partial(const struct ssh_framer *fr)
{
	return fr->nhdr != 0;
}
const char *ssh_frame_err_str(int err);

/* ---- KEXINIT -------------------------------------------------------------- */

enum ssh_nl {
	SSH_NL_KEX,
	SSH_NL_HOSTKEY,
	SSH_NL_ENC_C2S,
	SSH_NL_ENC_S2C,
	SSH_NL_MAC_C2S,
	SSH_NL_MAC_S2C,
	SSH_NL_COMP_C2S,
	SSH_NL_COMP_S2C,
	SSH_NL_LANG_C2S,
	SSH_NL_LANG_S2C,
	SSH_NL_COUNT,
};

struct ssh_namelist {
	uint32_t off, len; /* in the payload buffer the KEXINIT was parsed from */
	bool present;      /* the whole list is in the buffer */
	bool valid;        /* RFC 4251 section 5: every name valid (ssh_name_valid),
			    * none empty; the raw bytes are kept either way */
};

struct ssh_kexinit {
	struct ssh_namelist nl[SSH_NL_COUNT];
	uint8_t nlists;        /* complete lists, counted from the first */
	bool first_kex_follows;
	bool complete;         /* every field through `reserved` was present */
};

/* Parse a KEXINIT payload (starting with the message number 20). `len` is
 * what is stored; lists beyond it are marked absent. Returns complete. */
bool ssh_kexinit_parse(const uint8_t *payload, size_t len, struct ssh_kexinit *k);
const char *ssh_nl_name(int which); /* "kex", "host key", ... */

/* A name-list as a (pointer, length) pair. */
struct ssh_str {
	const char *s;
	size_t len;
};
static inline struct ssh_str ssh_kexinit_list(const struct ssh_kexinit *k, const uint8_t *base, int which)
{
	struct ssh_str r = { "", 0 };
	if (which >= 0 && which < SSH_NL_COUNT && k->nl[which].present) {
		r.s = (const char *)base + k->nl[which].off;
		r.len = k->nl[which].len;
	}
	return r;
}

/* RFC 4251 section 6: an algorithm name is 1 to 64 printable US-ASCII
 * characters (0x21-0x7e) other than ','. Also right for the host-key type
 * that starts a public key blob. */
bool ssh_name_valid(const char *name, size_t len);
/* Every name of a comma-separated list valid and non-empty (an empty list
 * is valid). */
bool ssh_namelist_valid(struct ssh_str list);

/* Is `name` one of the comma-separated names of `list`? */
bool ssh_nl_contains(struct ssh_str list, const char *name, size_t nlen);
/* First name of `client` that `server` also lists (RFC 4253 7.1). */
bool ssh_nl_first_match(struct ssh_str client, struct ssh_str server, struct ssh_str *out);

/* ---- negotiation ---------------------------------------------------------- */

enum ssh_cat {
	SSH_CAT_KEX,
	SSH_CAT_HOSTKEY,
	SSH_CAT_ENC_C2S,
	SSH_CAT_ENC_S2C,
	SSH_CAT_MAC_C2S,
	SSH_CAT_MAC_S2C,
	SSH_CAT_COMP_C2S,
	SSH_CAT_COMP_S2C,
	SSH_CAT_COUNT,
};

#define SSH_ALG_LEN 64

struct ssh_nego {
	bool decided;                 /* every category could be computed */
	bool ok;                      /* every category has an algorithm */
	int8_t fail_cat;              /* first failing category, -1 if none */
	uint8_t nfail;
	bool failed[SSH_CAT_COUNT];
	bool unknown[SSH_CAT_COUNT];  /* a list was missing (truncated KEXINIT) */
	bool implicit_mac[2];         /* AEAD cipher: MAC not negotiated (c2s, s2c) */
	char alg[SSH_CAT_COUNT][SSH_ALG_LEN];
};

void ssh_negotiate(const struct ssh_kexinit *cli, const uint8_t *cbase, const struct ssh_kexinit *srv,
		   const uint8_t *sbase, struct ssh_nego *n);
const char *ssh_cat_name(int cat); /* "kex", "host key", "cipher client->server" ... */
int ssh_cat_list(int cat);         /* the name-list a category comes from */
bool ssh_cipher_is_aead(const char *name, size_t len);

/* Key exchange families: which names messages 30..34 carry. */
enum ssh_kexfam { SSH_KEXFAM_UNKNOWN, SSH_KEXFAM_DH, SSH_KEXFAM_ECDH, SSH_KEXFAM_GEX };
enum ssh_kexfam ssh_kex_family(const char *kex);
/* "KEXINIT", "ECDH_REPLY", "GEX_GROUP", "NEWKEYS", ... for a message number
 * the key exchange family names (a constant string), else NULL. */
const char *ssh_msg_label(uint8_t msg, enum ssh_kexfam fam);
/* The same, or "msg 99" formatted in buf for a number it does not name. */
const char *ssh_msg_name(uint8_t msg, enum ssh_kexfam fam, char *buf, size_t len);

/* ---- HASSH -------------------------------------------------------------- */

/* HASSH (client: server=false) or HASSHServer (server=true): MD5 over
 * "kex;ciphers;macs;compression" with the client->server lists for a client
 * and the server->client lists for a server. out gets 32 hex digits. Returns
 * false if a needed list is missing. */
bool ssh_hassh(const struct ssh_kexinit *k, const uint8_t *base, bool server, char out[33]);

#endif
