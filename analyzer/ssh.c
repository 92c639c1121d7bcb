/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ssh.c - the SSH analyzer: follows each SSH connection from the TCP
 * handshake to NEWKEYS and says where it stalled and why.
 *
 * Inputs: ssh_packet() sees every TCP packet (after the TCP tracker), and
 * ssh_stream() the in-order bytes while f->want_stream is set. Parsing is
 * in ssh-proto.c; this file keeps the per-flow state (its memory comes from
 * the bounded pools of ssh-pool.c, taken and given back by phase from here),
 * decides when a flow is not SSH (to stop reassembly early) and follows the
 * handshake's phases; ssh-judge.c decides when a verdict is due and which,
 * ssh-report.c builds the ssh.* verdicts documented in docs/verdicts.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh-session.h"

/* Next of the rotating text buffers of ssh_dur() and ssh_mname(): reset at
 * each run's start so that a run after ssh_init() is the same as a first. */
static unsigned dur_next, mname_next;

void ssh_init(void)
{
	ssh_pool_init();
	dur_next = mname_next = 0;
}

void ssh_free(void)
{
	ssh_pool_free();
	dur_next = mname_next = 0;
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
	ssh_sess_free(f);
	ssh_count_not_ssh();
}

static void remember_msg(struct half_kex *k, uint8_t msg, uint32_t size, uint64_t frame, ts_usec ts)
{
	if (k->nmsgs >= MSG_LOG)
		return;
	struct msg_rec *m = &k->msgs[k->nmsgs++];
	m->msg = msg;
	m->size = size;
	m->frame = frame;
	m->ts = ts;
}

/* First message of a side with number in [lo, hi], or NULL. */
const struct msg_rec *ssh_find_msg(const struct half *h, uint8_t lo, uint8_t hi)
{
	const struct half_kex *k = ssh_hk(h);
	for (unsigned i = 0; i < k->nmsgs; i++)
		if (k->msgs[i].msg >= lo && k->msgs[i].msg <= hi)
			return &k->msgs[i];
	return NULL;
}

const struct msg_rec *ssh_last_msg(const struct half *h)
{
	const struct half_kex *k = ssh_hk(h);
	return k->nmsgs ? &k->msgs[k->nmsgs - 1] : NULL;
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

_Static_assert(SSH_SMALL_KEEP >= 1 + 4 + 4 + sizeof(((struct half_clear *)0)->disc_text) - 1,
	       "the framer keeps less of a DISCONNECT than its text shown");
_Static_assert(SSH_SMALL_KEEP >= 1 + 4 + 4 + sizeof(((struct half_kex *)0)->hostkey) - 1,
	       "the framer keeps less of a key exchange reply than its host key type");

static void parse_disconnect(struct half_clear *h, const struct ssh_msg *m)
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
static void parse_hostkey_type(struct half_kex *h, const struct ssh_msg *m)
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
		struct half_kex *k = h->k;
		uint8_t as = d != s->cdir ? 2 : 1; /* its HASSH once per role */
		if (k->kexinit && h->clear && h->clear->kx.nlists && k->hassh_as != as) {
			ssh_hassh(&h->clear->kx, h->clear->kexinit, as == 2, k->hassh);
			k->hassh_as = as;
		}
	}
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	if (!c->k->kexinit || !sv->k->kexinit)
		return;
	static const struct ssh_kexinit none; /* no cleartext block: nothing kept */
	ssh_negotiate(c->clear ? &c->clear->kx : &none, c->clear ? c->clear->kexinit : NULL,
		      sv->clear ? &sv->clear->kx : &none, sv->clear ? sv->clear->kexinit : NULL, &s->kex->nego);
	s->nego_done = true;
	s->fam = (uint8_t)ssh_kex_family(s->kex->nego.alg[SSH_CAT_KEX]);
}

static void on_kexinit(struct ssh_sess *s, struct half *h, const struct ssh_msg *m, const struct feed_ctx *x)
{
	struct half_kex *k = h->k;
	if (k->kexinit)
		return; /* a second cleartext KEXINIT: keep the first */
	/* the block keeps this one's bytes, which its name-lists point into:
	 * a second KEXINIT (a broken or hostile peer) is framed in the small
	 * buffer, not over them */
	ssh_framer_set_big(&h->fr, NULL, 0);
	k->kexinit = true;
	k->kexinit_len = m->payload_len;
	k->kexinit_stored = m->stored;
	k->kexinit_ts = x->ts;
	if (h->clear) {
		memset(&h->clear->kx, 0, sizeof h->clear->kx);
		if (m->kept_big) /* else the framer had no room: nothing to parse */
			ssh_kexinit_parse(h->clear->kexinit, k->kexinit_stored, &h->clear->kx);
	}
	negotiate(s);
}

static bool on_msg(void *arg, const struct ssh_msg *m)
{
	struct feed_ctx *x = arg;
	struct ssh_sess *s = x->s;
	struct half *h = &s->h[x->dir];
	struct half_kex *k = h->k; /* taken before framing */
	if (m->header) {
		if (!k->kexinit)
			ssh_kx_fit(h, m->payload_len); /* a KEXINIT's header: room for its payload */
		return true;
	}
	remember_msg(k, m->msg, m->packet_length + 4, x->frame, x->ts);
	switch (m->msg) {
	case SSH_MSG_KEXINIT:
		on_kexinit(s, h, m, x);
		break;
	case SSH_MSG_DISCONNECT:
		if (h->clear && !h->clear->disconnect) {
			h->clear->disconnect = true;
			parse_disconnect(h->clear, m);
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
		if (x->dir != s->cdir && !k->hostkey[0] &&
		    (m->msg == SSH_MSG_KEX_33 || s->fam != SSH_KEXFAM_GEX))
			parse_hostkey_type(k, m);
		break;
	case SSH_MSG_NEWKEYS:
		k->newkeys = true;
		k->newkeys_ts = x->ts;
		k->newkeys_end = x->base + m->end;
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
	ssh_describe_first(s);
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
		h->ident = id; /* the line buffer is done: its storage holds the identification */
		h->ident_seen = true;
		h->ident_frame = x->frame;
		h->ident_ts = x->ts;
		h->ident_end = x->base + used;
		h->st = ssh_ident_v2(&id) ? HS_BINARY : HS_DEAD;
		if (h->st == HS_BINARY) {
			ssh_framer_init(&h->fr, NULL, 0); /* ssh_kx_take() with the first binary bytes */
			h->fr.announce = true;    /* ssh_kx_fit() at a KEXINIT's header */
		}
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
		ssh_describe_first(s); /* only the server gets here */
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
	struct half_kex *h = s->h[dir].k; /* this side sent NEWKEYS */
	if (has_end) {
		h->enc_hi = end;
		h->enc_hi_set = true;
	}
	if (!bytes)
		return;
	enc_add(&h->enc, bytes, frame, ts);
	if (ssh_hk(ssh_cli(s))->enc.segs) {
		/* a login is request and answer: the server never speaks twice */
		if (dir != s->cdir && s->last_enc == (int8_t)dir)
			s->srv_repeat = true;
		s->last_enc = (int8_t)dir;
	}
	if (!ssh_hk(&s->h[!dir])->enc.segs)
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
	ssh_sess_free(f);
	return true;
}

static void feed(struct flow *f, struct ssh_sess *s, int dir, const uint8_t *data, size_t len, uint64_t frame,
		 ts_usec ts)
{
	struct half *h = &s->h[dir];
	struct first_bytes *fb = &s->first;
	if (dir == DIR_S2C && !h->off) {
		fb->frame = frame;
		fb->ts = ts;
	}
	if (dir == DIR_S2C && fb->n < FIRST_KEEP) {
		size_t room = (size_t)FIRST_KEEP - fb->n;
		size_t k = room < len ? room : len;
		memcpy(fb->b + fb->n, data, k);
		fb->n = (uint8_t)(fb->n + k);
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
			if (!s->kex && !ssh_kex_take(s)) {
				/* no memory for what the packets say: lose track, as of bytes that do not frame */
				h->dead_framing = true;
				h->st = HS_DEAD;
				used = len - i;
				break;
			}
			if (!h->clear && !s->complete)
				ssh_kx_take(h);
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
	if (ssh_hk(c)->newkeys && ssh_hk(sv)->newkeys && !s->complete) {
		s->complete = true;
		ssh_kx_give_back(s); /* the key exchange is over: no KEXINIT is read again */
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
		s = ssh_sess_new(f);
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
			h->segs_acked &= (uint8_t)~(1u << h->seg_pos);
			h->seg_pos = (uint8_t)((h->seg_pos + 1) % SEG_LOG);
			if (h->nsegs < SEG_LOG)
				h->nsegs++;
		}
	}
	/* encrypted data after this side's NEWKEYS */
	const struct half_kex *k = ssh_hk(h);
	if (k->newkeys && h->seq_on) {
		uint32_t from = h->base_seq + (uint32_t)k->newkeys_end;
		if (k->enc_hi_set && ssh_seq_gt(k->enc_hi, from))
			from = k->enc_hi;
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
		const struct seg_rec *r = &o->segs[i];
		if ((o->segs_acked >> i & 1u) || !ssh_seq_ge(p->ack, r->seq + r->len))
			continue;
		o->segs_acked |= (uint8_t)(1u << i);
		o->unacked_retrans = 0; /* the path carried something back */
		if (r->len > o->max_acked_len)
			o->max_acked_len = r->len;
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
		s = ssh_sess_new(f);
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
	ssh_sess_free(f);
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
			 sv->ident.software, ssh_hk(c)->enc.segs, ssh_hk(sv)->enc.segs);
	} else if (!sv->ident_seen) {
		ts_usec est = ssh_est_time(f);
		char fg[160];
		if (sv->text_lines)
			snprintf(buf, len, "SSH? server sent %s", ssh_foreign(s, fg, sizeof fg));
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
