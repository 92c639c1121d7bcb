/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ssh.c - the SSH analyzer: follows each SSH connection from the TCP
 * handshake to NEWKEYS and says where it stalled and why.
 *
 * Inputs: ssh_packet() sees every TCP packet (after the TCP tracker), and
 * ssh_stream() the in-order bytes while f->want_stream is set. Parsing is
 * in ssh-proto.c; this file keeps the per-flow state (from a bounded pool),
 * decides when a flow is not SSH (to stop reassembly early) and follows the
 * handshake's phases; ssh-judge.c decides when a verdict is due and which,
 * ssh-report.c builds the ssh.* verdicts documented in docs/verdicts.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh-session.h"

/* ---- the pool ------------------------------------------------------------ */

static struct {
	struct ssh_sess **chunks;
	uint32_t nchunks, maxchunks, cap;
	uint32_t free_head;
	struct ssh_stats st;
} pool = { .free_head = NONE32 };

/* Next of the rotating text buffers of ssh_dur() and ssh_mname(): reset with the
 * pool so that a run after ssh_init() is the same as a first one. */
static unsigned dur_next, mname_next;

static struct ssh_sess *pool_at(uint32_t idx)
{
	return &pool.chunks[idx / POOL_CHUNK][idx % POOL_CHUNK];
}

/* ---- KEXINIT buffers ------------------------------------------------------ */

/* A side's KEXINIT payload needs KEXINIT_CAP bytes, but only while its
 * handshake is in cleartext: a block is taken when the side starts binary
 * packets and given back once both NEWKEYS passed (nothing reads a KEXINIT
 * after that) or the session ends. Blocks come in chunks and go round a
 * free list, so this memory follows handshakes in progress, not sessions
 * kept open for their login's outcome. At most two per session: the limit
 * is the session pool's, twice. */
#define KX_CHUNK 16

union kx_block {
	union kx_block *next;
	uint8_t b[KEXINIT_CAP];
};

static struct {
	union kx_block **chunks;
	uint32_t nchunks, maxchunks;
	union kx_block *free;
} kx;

static void kx_reset(void)
{
	for (uint32_t i = 0; i < kx.nchunks; i++)
		free(kx.chunks[i]);
	free(kx.chunks);
	memset(&kx, 0, sizeof kx);
}

/* Give the side a KEXINIT buffer; without one (no memory) its KEXINIT is
 * framed but not kept, as when it is too big. */
static void kx_take(struct half *h)
{
	if (!kx.free && kx.nchunks < kx.maxchunks) {
		union kx_block *c = malloc(KX_CHUNK * sizeof *c);
		if (c) {
			kx.chunks[kx.nchunks++] = c;
			for (uint32_t i = KX_CHUNK; i-- > 0;) {
				c[i].next = kx.free;
				kx.free = &c[i];
			}
		}
	}
	union kx_block *b = kx.free;
	if (!b) {
		pool.st.kexinit_full++;
		return;
	}
	kx.free = b->next;
	h->kexinit_buf = b->b;
	ssh_framer_set_big(&h->fr, b->b, KEXINIT_CAP);
	if (++pool.st.kexinit_active > pool.st.kexinit_peak)
		pool.st.kexinit_peak = pool.st.kexinit_active;
}

static void kx_give_back(struct ssh_sess *s)
{
	for (int d = 0; d < 2; d++) {
		struct half *h = &s->h[d];
		if (!h->kexinit_buf)
			continue;
		union kx_block *b = (union kx_block *)(void *)h->kexinit_buf;
		b->next = kx.free;
		kx.free = b;
		h->kexinit_buf = NULL;
		ssh_framer_set_big(&h->fr, NULL, 0);
		pool.st.kexinit_active--;
	}
}

static void pool_reset(void)
{
	for (uint32_t i = 0; i < pool.nchunks; i++)
		free(pool.chunks[i]);
	free(pool.chunks);
	memset(&pool, 0, sizeof pool);
	pool.free_head = NONE32;
	dur_next = mname_next = 0;
	kx_reset();
}

/* No room for this connection: it is given up for good (APP_OTHER: not
 * tried again on its next packet), so each one counts once. */
static void ssh_pool_full(struct flow *f)
{
	pool.st.pool_full++;
	limit_note(&pool.st.full, f->last_ts, f->last_frame);
	flow_state(f)->app = APP_OTHER;
}

static struct ssh_sess *sess_new(struct flow *f)
{
	if (pool.free_head == NONE32) {
		if (pool.nchunks >= pool.maxchunks) {
			ssh_pool_full(f);
			return NULL;
		}
		struct ssh_sess *c = calloc(POOL_CHUNK, sizeof *c);
		if (!c) {
			ssh_pool_full(f);
			return NULL;
		}
		uint32_t base = pool.nchunks * POOL_CHUNK;
		pool.chunks[pool.nchunks++] = c;
		for (uint32_t i = POOL_CHUNK; i-- > 0;) {
			if (base + i >= pool.cap)
				continue;
			c[i].idx = base + i;
			c[i].next_free = pool.free_head;
			pool.free_head = base + i;
		}
		if (pool.free_head == NONE32) {
			ssh_pool_full(f);
			return NULL;
		}
	}
	struct ssh_sess *s = pool_at(pool.free_head);
	uint32_t idx = s->idx;
	pool.free_head = s->next_free;
	memset(s, 0, sizeof *s);
	s->idx = idx;
	s->closer = -1;
	s->last_enc = -1;
	s->cdir = DIR_C2S;
	s->fam = SSH_KEXFAM_UNKNOWN;
	for (int d = 0; d < 2; d++) {
		ssh_line_reset(&s->h[d].line);
		ssh_framer_init(&s->h[d].fr, NULL, 0); /* kx_take() once binary */
	}
	s->expected = f->sport == 22;
	flow_state(f)->app_state = s;
	pool.st.sessions++;
	if (++pool.st.active > pool.st.peak)
		pool.st.peak = pool.st.active;
	return s;
}

static void sess_free(struct flow *f)
{
	struct flow_state *fs = flow_state(f);
	struct ssh_sess *s = fs->app_state;
	if (!s)
		return;
	kx_give_back(s);
	s->next_free = pool.free_head;
	pool.free_head = s->idx;
	fs->app_state = NULL;
	pool.st.active--;
}

void ssh_init(void)
{
	pool_reset();
	pool.cap = sd_cfg.max_ssh ? sd_cfg.max_ssh : 1;
	pool.st.full.limit = pool.cap;
	pool.maxchunks = (pool.cap + POOL_CHUNK - 1) / POOL_CHUNK;
	pool.chunks = calloc(pool.maxchunks, sizeof *pool.chunks);
	if (!pool.chunks)
		pool.maxchunks = 0;
	kx.maxchunks = (uint32_t)(((uint64_t)pool.cap * 2 + KX_CHUNK - 1) / KX_CHUNK);
	kx.chunks = calloc(kx.maxchunks, sizeof *kx.chunks);
	if (!kx.chunks)
		kx.maxchunks = 0;
}

void ssh_count_verdict(void)
{
	pool.st.verdicts++;
}

void ssh_free(void)
{
	pool_reset();
}

const struct ssh_stats *ssh_stats(void)
{
	return &pool.st;
}

/* ---- small helpers --------------------------------------------------------- */

static struct ssh_sess *sess_of(const struct flow *f)
{
	return (struct ssh_sess *)flow_state_c(f)->app_state;
}

/* The halves by SSH role; they differ from the TCP roles in reverse SSH
 * (the TCP initiator is the SSH server, e.g. NETCONF call home). */
const struct half *ssh_cli(const struct ssh_sess *s)
{
	return &s->h[s->cdir];
}

const struct half *ssh_srv(const struct ssh_sess *s)
{
	return &s->h[!s->cdir];
}

const char *ssh_who(int dir)
{
	return dir == DIR_C2S ? "client" : "server";
}

/* "6.007 s", "12.3 ms" - a few rotating buffers for use in one printf. */
const char *ssh_dur(ts_usec d)
{
	static char bufs[8][24];
	char *b = bufs[dur_next++ % 8];
	if (d >= 1000000)
		snprintf(b, sizeof bufs[0], "%.3f s", (double)d / USEC_F);
	else
		snprintf(b, sizeof bufs[0], "%.1f ms", (double)d / 1000.0);
	return b;
}

ts_usec ssh_since(ts_usec later, ts_usec earlier)
{
	return later > earlier ? later - earlier : 0;
}

bool ssh_seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

bool ssh_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* When the connection was set up: the handshake ACK, else the SYN-ACK. */
ts_usec ssh_est_time(const struct flow *f)
{
	return tcp_setup_time(f);
}

ts_usec ssh_start_time(const struct flow *f)
{
	return tcp_start_time(f);
}

bool ssh_conn_open(const struct flow *f)
{
	return tcp_syn_answered(f);
}

/* Stop everything for a flow that does not carry SSH. */
static void not_ssh_quiet(struct flow *f)
{
	struct flow_state *fs = flow_state(f);
	fs->app = APP_NOT_SSH;
	f->want_stream = false;
	sess_free(f);
	pool.st.not_ssh++;
}

static void remember_msg(struct half *h, uint8_t msg, uint32_t size, uint64_t frame, ts_usec ts)
{
	if (h->nmsgs >= MSG_LOG)
		return;
	struct msg_rec *m = &h->msgs[h->nmsgs++];
	m->msg = msg;
	m->size = size;
	m->frame = frame;
	m->ts = ts;
}

/* First message of a side with number in [lo, hi], or NULL. */
const struct msg_rec *ssh_find_msg(const struct half *h, uint8_t lo, uint8_t hi)
{
	for (unsigned i = 0; i < h->nmsgs; i++)
		if (h->msgs[i].msg >= lo && h->msgs[i].msg <= hi)
			return &h->msgs[i];
	return NULL;
}

const struct msg_rec *ssh_last_msg(const struct half *h)
{
	return h->nmsgs ? &h->msgs[h->nmsgs - 1] : NULL;
}

const char *ssh_mname(const struct ssh_sess *s, uint8_t msg)
{
	static char bufs[4][24];
	char *b = bufs[mname_next++ % 4];
	return ssh_msg_name(msg, (enum ssh_kexfam)s->fam, b, sizeof bufs[0]);
}

struct feed_ctx {
	struct flow *f;
	struct ssh_sess *s;
	int dir;
	uint64_t frame;
	ts_usec ts;
	uint64_t base; /* stream offset of the bytes handed to the framer */
};

static void parse_disconnect(struct half *h, const struct ssh_msg *m)
{
	struct cursor c = cursor_make(m->payload, m->stored);
	cursor_u8(&c);
	h->disc_reason = cursor_be32(&c);
	uint32_t n = cursor_be32(&c);
	size_t have = cursor_left(&c);
	size_t take = n < have ? n : have;
	if (take >= sizeof h->disc_text)
		take = sizeof h->disc_text - 1;
	const uint8_t *b = cursor_bytes(&c, take);
	size_t o = 0;
	for (size_t i = 0; b && i < take; i++)
		h->disc_text[o++] = (b[i] < 0x20 || b[i] == 0x7f) ? '.' : (char)b[i];
	h->disc_text[o] = 0;
}

/* The key exchange reply starts with the host key blob, whose first field
 * names the key type. */
static void parse_hostkey_type(struct half *h, const struct ssh_msg *m)
{
	struct cursor c = cursor_make(m->payload, m->stored);
	cursor_u8(&c);
	uint32_t blob = cursor_be32(&c);
	uint32_t n = cursor_be32(&c);
	if (!cursor_ok(&c) || n == 0 || n >= sizeof h->hostkey || n + 4 > blob)
		return;
	const uint8_t *b = cursor_bytes(&c, n);
	if (!b || ssh_bytes_binary(b, n))
		return;
	memcpy(h->hostkey, b, n);
	h->hostkey[n] = 0;
}

/* Fingerprints and negotiation by SSH role (again, if the roles turn out
 * reversed). */
static void negotiate(struct ssh_sess *s)
{
	for (int d = 0; d < 2; d++) {
		struct half *h = &s->h[d];
		uint8_t as = d != s->cdir ? 2 : 1; /* its HASSH once per role */
		if (h->kexinit && h->kx.nlists && h->hassh_as != as) {
			ssh_hassh(&h->kx, h->kexinit_buf, as == 2, h->hassh);
			h->hassh_as = as;
		}
	}
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	if (!c->kexinit || !sv->kexinit)
		return;
	ssh_negotiate(&c->kx, c->kexinit_buf, &sv->kx, sv->kexinit_buf, &s->nego);
	s->nego_done = true;
	s->fam = (uint8_t)ssh_kex_family(s->nego.alg[SSH_CAT_KEX]);
}

static void on_kexinit(struct ssh_sess *s, struct half *h, const struct ssh_msg *m, const struct feed_ctx *x)
{
	if (h->kexinit)
		return; /* a second cleartext KEXINIT: keep the first */
	h->kexinit = true;
	h->kexinit_len = m->payload_len;
	h->kexinit_stored = m->stored;
	h->kexinit_frame = x->frame;
	h->kexinit_ts = x->ts;
	memset(&h->kx, 0, sizeof h->kx);
	if (m->kept_big) /* else the framer had no room: nothing to parse */
		ssh_kexinit_parse(h->kexinit_buf, h->kexinit_stored, &h->kx);
	negotiate(s);
}

static bool on_msg(void *arg, const struct ssh_msg *m)
{
	struct feed_ctx *x = arg;
	struct ssh_sess *s = x->s;
	struct half *h = &s->h[x->dir];
	remember_msg(h, m->msg, m->packet_length + 4, x->frame, x->ts);
	switch (m->msg) {
	case SSH_MSG_KEXINIT:
		on_kexinit(s, h, m, x);
		break;
	case SSH_MSG_DISCONNECT:
		if (!h->disconnect) {
			h->disconnect = true;
			parse_disconnect(h, m);
		}
		break;
	case SSH_MSG_KEX_30:
	case SSH_MSG_KEX_34:
		/* only the SSH client starts the key exchange */
		if (!s->roles_known) {
			s->roles_known = true;
			if (x->dir != s->cdir) {
				s->cdir = (uint8_t)x->dir;
				negotiate(s);
			}
		}
		break;
	case SSH_MSG_KEX_31:
	case SSH_MSG_KEX_33:
		if (x->dir != s->cdir && !h->hostkey[0] &&
		    (m->msg == SSH_MSG_KEX_33 || s->fam != SSH_KEXFAM_GEX))
			parse_hostkey_type(h, m);
		break;
	case SSH_MSG_NEWKEYS:
		h->newkeys = true;
		h->newkeys_frame = x->frame;
		h->newkeys_ts = x->ts;
		h->newkeys_end = x->base + m->end;
		h->st = HS_ENCRYPTED;
		return false;
	default:
		break;
	}
	return true;
}

static bool starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* A text line that clearly belongs to another protocol. */
static bool line_is_other_protocol(const char *l)
{
	static const char *const prefixes[] = { "HTTP/", "+OK", "-ERR", "* OK", "* PREAUTH", "RFB ", "<?xml", "<html",
						"<!DOCTYPE", "{" };
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (starts(l, prefixes[i]))
			return true;
	/* SMTP, FTP, NNTP greetings: three digits and a space or dash */
	return l[0] >= '1' && l[0] <= '5' && l[1] >= '0' && l[1] <= '9' && l[2] >= '0' && l[2] <= '9' &&
	       (l[3] == ' ' || l[3] == '-');
}

/* The server's first bytes are not SSH. */
static void server_foreign(struct flow *f, struct ssh_sess *s)
{
	struct half *sv = &s->h[DIR_S2C];
	ssh_describe_first(sv);
	if (!s->expected) {
		/* another port: only a finding if the client speaks SSH to it */
		s->waiting_client = true;
		sv->st = HS_DEAD;
		return;
	}
	/* a Multipath TCP subflow may carry the middle of another subflow's
	 * stream: its first bytes prove nothing */
	if (!tcp_is_mptcp(f))
		ssh_report_not_ssh(f, s, NULL);
	not_ssh_quiet(f);
}

static size_t ident_step(struct feed_ctx *x, const uint8_t *p, size_t n)
{
	struct ssh_sess *s = x->s;
	struct flow *f = x->f;
	struct half *h = &s->h[x->dir];
	bool done = false, crlf = false;
	size_t used = ssh_line_feed(&h->line, p, n, &done, &crlf);
	bool first_line = h->pre_lines == 0;
	if (!done) {
		if (first_line && ssh_prefix_check((const uint8_t *)h->line.buf, h->line.len) == SSH_PREFIX_NO) {
			if (x->dir == DIR_C2S) {
				not_ssh_quiet(f);
				return n;
			}
			if (h->line.binary || line_is_other_protocol(h->line.buf)) {
				server_foreign(f, s);
				return n;
			}
		}
		if (h->line.total > LINE_HARD_MAX) {
			if (x->dir == DIR_C2S) {
				not_ssh_quiet(f);
				return n;
			}
			h->text_lines = true;
			server_foreign(f, s);
			return n;
		}
		return used;
	}
	struct ssh_ident id;
	if (ssh_ident_parse(h->line.buf, h->line.len, &id)) {
		id.crlf = crlf;
		id.too_long = h->line.total + (crlf ? 2 : 1) > 255;
		h->ident = id;
		h->ident_seen = true;
		h->ident_frame = x->frame;
		h->ident_ts = x->ts;
		h->ident_end = x->base + used;
		h->st = ssh_ident_v2(&id) ? HS_BINARY : HS_DEAD;
		flow_state(f)->app = APP_SSH;
		if (x->dir == DIR_C2S) {
			s->expected = true;
			if (s->waiting_client) {
				/* an SSH client talking to something else */
				s->waiting_client = false;
				ssh_report_not_ssh(f, s, "the client sent an SSH identification to it");
				not_ssh_quiet(f);
				return n;
			}
		}
		ssh_line_reset(&h->line);
		return used;
	}
	/* a line that is not an identification */
	if (x->dir == DIR_C2S) {
		not_ssh_quiet(f); /* clients must start with their identification */
		return n;
	}
	h->pre_lines++;
	h->pre_bytes += h->line.total + 1;
	h->text_lines = true;
	if (first_line)
		ssh_describe_first(h);
	bool other = h->line.binary || line_is_other_protocol(h->line.buf);
	ssh_line_reset(&h->line);
	if (other || h->pre_lines > PRE_LINES_MAX || h->pre_bytes > PRE_BYTES_MAX) {
		server_foreign(f, s);
		return n;
	}
	/* RFC 4253 4.2: a server may send other lines before its
	 * identification; keep reading them (bounded above) */
	return used;
}

static void enc_add(struct enc_count *e, uint32_t bytes, uint64_t frame, ts_usec ts)
{
	if (e->segs < ENC_LOG)
		e->sizes[e->segs] = (uint16_t)(bytes > 65535 ? 65535 : bytes);
	if (!e->segs) {
		e->first_frame = frame;
		e->first_ts = ts;
	}
	e->segs++;
	e->bytes += bytes;
	if (bytes > e->max)
		e->max = bytes;
	e->last_frame = frame;
	e->last_ts = ts;
}

/* Encrypted bytes of side dir, up to sequence `end` (when known). */
static void count_encrypted(struct flow *f, struct ssh_sess *s, int dir, uint32_t bytes, uint64_t frame, ts_usec ts,
			    bool has_end, uint32_t end)
{
	struct half *h = &s->h[dir];
	if (has_end) {
		h->enc_hi = end;
		h->enc_hi_set = true;
	}
	if (!bytes)
		return;
	enc_add(&h->enc, bytes, frame, ts);
	if (ssh_cli(s)->enc.segs) {
		/* a login is request and answer: the server never speaks twice */
		if (dir != s->cdir && s->last_enc == (int8_t)dir)
			s->srv_repeat = true;
		s->last_enc = (int8_t)dir;
	}
	if (!s->h[!dir].enc.segs)
		return;
	enc_add(&h->ans, bytes, frame, ts);
	/* the server says more than authentication failures do: logged in */
	if (dir != s->cdir && s->rstate == SSH_REPORT_OK_PENDING && !ssh_answers_small(&h->ans))
		ssh_report_ok(f, s);
}

/* Give the pool entry back once nothing is left to report. */
static bool release_if_done(struct flow *f, struct ssh_sess *s)
{
	if (!ssh_sess_done(s))
		return false;
	struct flow_state *fs = flow_state(f);
	if (fs->app == APP_UNKNOWN)
		fs->app = APP_SSH; /* expected on its port; judged */
	f->want_stream = false;
	sess_free(f);
	return true;
}

static void feed(struct flow *f, struct ssh_sess *s, int dir, const uint8_t *data, size_t len, uint64_t frame,
		 ts_usec ts)
{
	struct half *h = &s->h[dir];
	if (!h->off) {
		h->first_frame = frame;
		h->first_ts = ts;
	}
	if (h->nfirst < FIRST_KEEP) {
		size_t room = (size_t)FIRST_KEEP - h->nfirst;
		size_t k = room < len ? room : len;
		memcpy(h->first + h->nfirst, data, k);
		h->nfirst = (uint8_t)(h->nfirst + k);
	}
	struct feed_ctx x = { f, s, dir, frame, ts, h->off };
	size_t i = 0;
	while (i < len && flow_state(f)->app != APP_NOT_SSH) {
		x.base = h->off + i;
		size_t used;
		switch (h->st) {
		case HS_IDENT:
			used = ident_step(&x, data + i, len - i);
			break;
		case HS_BINARY:
			if (!h->kexinit_buf && !s->complete)
				kx_take(h);
			used = ssh_framer_feed(&h->fr, data + i, len - i, on_msg, &x);
			if (h->fr.err) {
				h->dead_framing = true;
				h->st = HS_DEAD;
			}
			if (h->st == HS_ENCRYPTED) {
				/* what follows NEWKEYS in this chunk is the first encrypted data */
				count_encrypted(f, s, dir, (uint32_t)(len - i - used), frame, ts, h->seq_on,
						h->base_seq + (uint32_t)(h->off + len));
				used = len - i;
			}
			break;
		default:
			used = len - i;
			break;
		}
		i += used;
	}
	if (flow_state(f)->app == APP_NOT_SSH)
		return;
	h->off += len;
	if (s->waiting_client && dir == DIR_S2C && h->off > FOREIGN_WAIT_MAX) {
		not_ssh_quiet(f);
		return;
	}
	struct half *c = &s->h[DIR_C2S], *sv = &s->h[DIR_S2C];
	if (c->newkeys && sv->newkeys && !s->complete) {
		s->complete = true;
		kx_give_back(s); /* the key exchange is over: no KEXINIT is read again */
		if (s->rstate == SSH_REPORT_OPEN)
			ssh_report_complete(f, s);
		else if (s->rstate == SSH_REPORT_DONE)
			s->rstate = SSH_REPORT_AUTH_PENDING; /* a verdict came first; the login may still fail */
	}
	/* nothing more to parse in cleartext: stop reassembly */
	bool c_done = c->st == HS_ENCRYPTED || c->st == HS_DEAD;
	bool s_done = sv->st == HS_ENCRYPTED || sv->st == HS_DEAD;
	if (c_done && s_done)
		f->want_stream = false;
	if (!release_if_done(f, s))
		ssh_arm(f, s);
}

void ssh_stream(struct flow *f, int dir, const uint8_t *data, size_t len, uint64_t frame, ts_usec ts)
{
	struct flow_state *fs = flow_state(f);
	if (fs->app == APP_NOT_SSH || !len) {
		if (fs->app == APP_NOT_SSH)
			f->want_stream = false;
		return;
	}
	struct ssh_sess *s = fs->app_state;
	if (!s && fs->app != APP_UNKNOWN) {
		f->want_stream = false; /* judged and released */
		return;
	}
	if (!s) {
		/* decide cheaply before taking a pool entry */
		if (dir == DIR_C2S && ssh_prefix_check(data, len) == SSH_PREFIX_NO) {
			not_ssh_quiet(f);
			return;
		}
		s = sess_new(f);
		if (!s) {
			f->want_stream = false;
			return;
		}
		/* we missed nothing of the other side: it sent no bytes yet */
	}
	feed(f, s, dir, data, len, frame, ts);
}

static void track_segment(struct flow *f, struct ssh_sess *s, int dir, const struct pkt *p)
{
	struct half *h = &s->h[dir];
	if (!h->seq_on) {
		if (!tcp_data_start(f, dir, &h->base_seq))
			return;
		h->seq_on = true;
		h->cont_end = h->hi_end = h->base_seq;
	}
	uint32_t len = p->payload_wire_len ? p->payload_wire_len : p->payload_len;
	if (!len || (p->tcp_flags & TH_SYN))
		return;
	uint32_t seq = p->seq, end = p->seq + len;
	if (!s->complete) {
		uint32_t ack;
		bool acked = tcp_peer_ack(f, dir, &ack);
		if (!ssh_seq_gt(end, h->hi_end) && (!acked || ssh_seq_gt(end, ack)))
			h->unacked_retrans++; /* bytes sent before, not yet acknowledged */
		if (ssh_seq_gt(seq, h->cont_end)) {
			if (!h->gap) {
				h->gap = true;
				h->gap_start = h->cont_end;
				h->gap_end = seq;
				h->gap_frame = p->frame;
				h->gap_ts = p->ts;
			}
			h->after_gap += len;
		} else if (ssh_seq_gt(end, h->cont_end)) {
			h->cont_end = end;
			if (h->gap && ssh_seq_ge(end, h->gap_end)) {
				/* the hole was filled (a retransmission passed) */
				h->gap = false;
				h->after_gap = 0;
				h->cont_end = ssh_seq_gt(h->hi_end, end) ? h->hi_end : end;
			}
		}
		if (ssh_seq_gt(end, h->hi_end)) {
			h->hi_end = end;
			struct seg_rec *r = &h->segs[h->seg_pos];
			r->seq = seq;
			r->len = len;
			r->frame = p->frame;
			r->ts = p->ts;
			r->acked = false;
			h->seg_pos = (uint8_t)((h->seg_pos + 1) % SEG_LOG);
			if (h->nsegs < SEG_LOG)
				h->nsegs++;
		}
	}
	/* encrypted data after this side's NEWKEYS */
	if (h->newkeys && h->seq_on) {
		uint32_t from = h->base_seq + (uint32_t)h->newkeys_end;
		if (h->enc_hi_set && ssh_seq_gt(h->enc_hi, from))
			from = h->enc_hi;
		if (ssh_seq_gt(end, from))
			count_encrypted(f, s, dir, ssh_seq_gt(seq, from) ? len : end - from, p->frame, p->ts, true, end);
	}
}

/* The peer's ACK: which of our recent segments got through. */
static void track_ack(struct ssh_sess *s, int dir, const struct pkt *p)
{
	if (!(p->tcp_flags & TH_ACK))
		return;
	struct half *o = &s->h[!dir];
	for (unsigned i = 0; i < o->nsegs; i++) {
		struct seg_rec *r = &o->segs[i];
		if (r->acked || !ssh_seq_ge(p->ack, r->seq + r->len))
			continue;
		r->acked = true;
		o->unacked_retrans = 0; /* the path carried something back */
		if (r->len > o->max_acked_len) {
			o->max_acked_len = r->len;
			o->max_acked_frame = r->frame;
		}
	}
}

void ssh_packet(struct flow *f, int dir, const struct pkt *p)
{
	struct flow_state *fs = flow_state(f);
	if (fs->app == APP_NOT_SSH) {
		f->want_stream = false;
		return;
	}
	struct ssh_sess *s = fs->app_state;
	if (!s) {
		/* port 22: follow from the handshake on, so a silent server is seen */
		if (fs->app != APP_UNKNOWN || f->sport != 22 || !ssh_conn_open(f) || !tcp_established(f) ||
		    f->initiator_guessed)
			return;
		s = sess_new(f);
		if (!s)
			return;
	}
	track_segment(f, s, dir, p);
	track_ack(s, dir, p);
	if (dir == s->cdir && ssh_path_proven(f, s, p->ts)) {
		ssh_judge(f, s, p->ts, TR_PROOF, 0);
		if (!fs->app_state)
			return;
	}
	if ((p->tcp_flags & (TH_FIN | TH_RST)) && s->closer < 0) {
		s->closer = (int8_t)dir;
		s->close_rst = p->tcp_flags & TH_RST;
		s->close_frame = p->frame;
		s->close_ts = p->ts;
		ssh_judge(f, s, p->ts, TR_CLOSE, 0);
		if (!fs->app_state)
			return; /* found not to be SSH */
	}
	if (!release_if_done(f, s))
		ssh_arm(f, s);
}

void ssh_timer(struct flow *f, ts_usec now)
{
	struct ssh_sess *s = sess_of(f);
	if (!s)
		return;
	if (s->deadline && now >= s->deadline) {
		/* judged as of the deadline: the sweep may run at the next packet */
		ssh_judge(f, s, s->deadline, TR_TIMER, 0);
		if (!flow_state(f)->app_state || release_if_done(f, s))
			return;
	}
	ssh_arm(f, s);
}

void ssh_flow_end(struct flow *f, int why, ts_usec now)
{
	struct ssh_sess *s = sess_of(f);
	if (!s)
		return;
	ssh_judge(f, s, now, TR_END, why);
	if (flow_state(f)->app_state)
		ssh_judge_post(f, s);
	sess_free(f);
}

bool ssh_problem(const struct flow *f, ts_usec now, char *buf, size_t len)
{
	const struct flow_state *fs = flow_state_c(f);
	const struct ssh_sess *s = fs->app_state;
	if (!len || !s || fs->app == APP_NOT_SSH || s->rstate != SSH_REPORT_OPEN || s->complete || s->waiting_client ||
	    !ssh_conn_open(f))
		return false;
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	char what[64];
	ts_usec since;
	if (!sv->ident_seen) {
		if (!s->expected || sv->text_lines || sv->off)
			return false;
		since = ssh_est_time(f);
		snprintf(what, sizeof what, "no server banner");
	} else if (c->ident_seen) {
		struct missing m;
		ssh_find_missing(s, &m);
		if (m.dir == s->cdir)
			return false; /* the client's turn: not the server's or the path's */
		since = m.since;
		snprintf(what, sizeof what, "no %s from the server", m.name);
	} else {
		return false;
	}
	struct unacked u;
	if (!ssh_client_unacked(f, s, &u))
		memset(&u, 0, sizeof u);
	ts_usec waited = since ? ssh_since(now, since) : 0;
	if (waited < SEC(1) && !u.retrans)
		return false;
	if (u.retrans)
		snprintf(buf, len, "SSH: %s for %.1f s, client data unacknowledged x%u", what, (double)waited / USEC_F,
			 u.retrans);
	else if (u.bytes)
		snprintf(buf, len, "SSH: %s for %.1f s, client data unacknowledged", what, (double)waited / USEC_F);
	else
		snprintf(buf, len, "SSH: %s for %.1f s", what, (double)waited / USEC_F);
	return true;
}

void ssh_describe(const struct flow *f, ts_usec now, char *buf, size_t len)
{
	const struct flow_state *fs = flow_state_c(f);
	const struct ssh_sess *s = fs->app_state;
	if (!len)
		return;
	buf[0] = 0;
	if (fs->app == APP_NOT_SSH) {
		snprintf(buf, len, "not SSH");
		return;
	}
	if (!s)
		return;
	const struct half *c = &s->h[DIR_C2S], *sv = &s->h[DIR_S2C];
	if (s->complete) {
		snprintf(buf, len, "SSH encrypted (%s <-> %s), %u/%u encrypted segments", c->ident.software,
			 sv->ident.software, c->enc.segs, sv->enc.segs);
	} else if (!sv->ident_seen) {
		ts_usec est = ssh_est_time(f);
		if (sv->text_lines)
			snprintf(buf, len, "SSH? server sent %s", sv->foreign);
		else
			snprintf(buf, len, "SSH awaiting server banner %.1f s", est ? (double)ssh_since(now, est) / USEC_F : 0.0);
	} else if (!c->ident_seen) {
		snprintf(buf, len, "SSH server %s, client silent", sv->ident.software);
	} else {
		struct missing m;
		ssh_find_missing(s, &m);
		snprintf(buf, len, "SSH key exchange: awaiting %s %s %.1f s", ssh_who(m.dir), m.name,
			 (double)ssh_since(now, m.since) / USEC_F);
	}
}
