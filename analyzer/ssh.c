/* ssh.c - the SSH analyzer: follows each SSH connection from the TCP
 * handshake to NEWKEYS and says where it stalled and why.
 *
 * Inputs: ssh_packet() sees every TCP packet (after the TCP tracker), and
 * ssh_stream() the in-order bytes while f->want_stream is set. Parsing is
 * in ssh-proto.c; this file keeps the per-flow state (from a bounded pool),
 * decides when a flow is not SSH (to stop reassembly early), and emits the
 * ssh.* verdicts documented in docs/verdicts.md. */
#include "analyzer/ssh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../capture/cursor.h"
#include "analyzer.h"
#include "ssh-int.h"
#include "ssh-proto.h"
#include "verdict.h"

#define KEXINIT_CAP 4096   /* KEXINIT payload bytes kept per side */
#define MSG_LOG 12         /* messages before NEWKEYS remembered per side */
#define SEG_LOG 8          /* recent data segments per side (size reasoning) */
#define ENC_LOG 8          /* first encrypted segment sizes per side */
#define FIRST_KEEP 64      /* first stream bytes kept per side */
#define PRE_LINES_MAX 16   /* server lines before its identification */
#define PRE_BYTES_MAX 8192
#define FOREIGN_WAIT_MAX 16384 /* server bytes while waiting for the client */
#define LINE_HARD_MAX 2048 /* a "line" longer than this is not a line */
#define POOL_CHUNK 64
#define TIMER_FACTOR 3     /* a stall is reported by timer after this many thresholds */
#define NONE32 UINT32_MAX
#define USEC_F 1e6

enum half_state { HS_IDENT, HS_BINARY, HS_ENCRYPTED, HS_DEAD };
enum trigger { TR_CLOSE, TR_TIMER, TR_END };

struct msg_rec {
	uint8_t msg;
	uint32_t size; /* whole packet: length field included */
	uint64_t frame;
	ts_usec ts;
};

struct seg_rec {
	uint32_t seq, len;
	uint64_t frame;
	ts_usec ts;
	bool acked;
};

/* Encrypted data of one side, by TCP segment. */
struct enc_count {
	uint32_t segs;
	uint32_t max;
	uint64_t bytes;
	uint64_t first_frame, last_frame;
	ts_usec first_ts, last_ts;
	uint16_t sizes[ENC_LOG];
};

/* What one side sent. */
struct half {
	uint8_t st; /* enum half_state */
	bool ident_seen;
	bool text_lines;     /* (server) text lines that are not an identification */
	bool dead_framing;   /* binary framing failed */
	uint16_t pre_lines;
	uint32_t pre_bytes;
	struct ssh_ident ident;
	uint64_t ident_frame;
	ts_usec ident_ts;
	uint64_t ident_end;  /* stream offset just past the identification line */
	uint64_t off;        /* stream bytes received */
	uint64_t first_frame;
	ts_usec first_ts;
	uint8_t first[FIRST_KEEP];
	uint8_t nfirst;
	char foreign[160];   /* what the non-SSH bytes look like */
	struct ssh_linebuf line;
	struct ssh_framer fr;

	/* cleartext messages */
	struct msg_rec msgs[MSG_LOG];
	uint8_t nmsgs;
	bool kexinit;
	uint32_t kexinit_len, kexinit_stored;
	uint64_t kexinit_frame;
	ts_usec kexinit_ts;
	struct ssh_kexinit kx;
	char hassh[33];
	bool newkeys;
	uint64_t newkeys_frame;
	ts_usec newkeys_ts;
	uint64_t newkeys_end; /* stream offset just past NEWKEYS */
	bool disconnect;
	uint32_t disc_reason;
	char disc_text[96];
	char hostkey[48];     /* (server) key type in the key exchange reply */

	/* per-packet view (ssh_packet), until both NEWKEYS */
	bool seq_on;
	uint32_t base_seq;    /* sequence number of stream offset 0 */
	uint32_t cont_end;    /* contiguous data seen from base_seq */
	uint32_t hi_end;      /* highest data end seen */
	bool gap;
	uint32_t gap_start, gap_end, after_gap;
	uint64_t gap_frame;
	ts_usec gap_ts;
	struct seg_rec segs[SEG_LOG];
	uint8_t seg_pos, nsegs;
	uint32_t max_acked_len;
	uint64_t max_acked_frame;

	/* encrypted traffic after this side's NEWKEYS: all of it, and what
	 * came after the peer's first encrypted data (answers) */
	uint32_t enc_hi;      /* sequence up to which encrypted bytes are counted */
	bool enc_hi_set;
	struct enc_count enc, ans;

	uint8_t kexinit_buf[KEXINIT_CAP];
};

struct ssh_sess {
	struct half h[2];
	uint32_t idx, next_free;
	bool expected;       /* SSH is expected: port 22, or the client identified */
	bool reported;       /* the handshake verdict is out (or deferred: ok_pending) */
	bool ok_pending;     /* handshake fine: ssh.ok waits for the login's outcome */
	bool auth_judged;
	bool complete;       /* both NEWKEYS */
	bool waiting_client; /* server spoke non-SSH on another port: does the client speak SSH? */
	bool nego_done;
	struct ssh_nego nego;
	uint8_t fam;         /* enum ssh_kexfam */
	uint8_t cdir;        /* direction the SSH client sends in (DIR_S2C: reverse SSH) */
	bool roles_known;    /* a key exchange message showed who the SSH client is */
	int8_t last_enc;     /* side of the last encrypted segment, -1 none */
	bool srv_repeat;     /* the SSH server sent two encrypted segments in a row */
	int8_t closer;       /* first side to send FIN/RST: DIR_*, or -1 */
	bool close_rst;
	uint64_t close_frame;
	ts_usec close_ts;
	ts_usec deadline;
};

/* ---- the pool ------------------------------------------------------------ */

static struct {
	struct ssh_sess **chunks;
	uint32_t nchunks, maxchunks, cap;
	uint32_t free_head;
	struct ssh_stats st;
} pool = { .free_head = NONE32 };

/* Next of the rotating text buffers of dur() and mname(): reset with the
 * pool so that a run after ssh_init() is the same as a first one. */
static unsigned dur_next, mname_next;

static struct ssh_sess *pool_at(uint32_t idx)
{
	return &pool.chunks[idx / POOL_CHUNK][idx % POOL_CHUNK];
}

static void pool_reset(void)
{
	for (uint32_t i = 0; i < pool.nchunks; i++)
		free(pool.chunks[i]);
	free(pool.chunks);
	memset(&pool, 0, sizeof pool);
	pool.free_head = NONE32;
	dur_next = mname_next = 0;
}

static struct ssh_sess *sess_new(struct flow *f)
{
	if (pool.free_head == NONE32) {
		if (pool.nchunks >= pool.maxchunks) {
			pool.st.pool_full++;
			return NULL;
		}
		struct ssh_sess *c = calloc(POOL_CHUNK, sizeof *c);
		if (!c) {
			pool.st.pool_full++;
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
			pool.st.pool_full++;
			return NULL;
		}
	}
	struct ssh_sess *s = pool_at(pool.free_head);
	uint32_t idx = s->idx;
	pool.free_head = s->next_free;
	/* everything but the two KEXINIT buffers, which are written before read */
	for (int d = 0; d < 2; d++)
		memset(&s->h[d], 0, offsetof(struct half, kexinit_buf));
	memset((char *)s + offsetof(struct ssh_sess, idx), 0, sizeof *s - offsetof(struct ssh_sess, idx));
	s->idx = idx;
	s->closer = -1;
	s->last_enc = -1;
	s->cdir = DIR_C2S;
	s->fam = SSH_KEXFAM_UNKNOWN;
	for (int d = 0; d < 2; d++) {
		ssh_line_reset(&s->h[d].line);
		ssh_framer_init(&s->h[d].fr, s->h[d].kexinit_buf, KEXINIT_CAP);
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
	s->next_free = pool.free_head;
	pool.free_head = s->idx;
	fs->app_state = NULL;
	pool.st.active--;
}

void ssh_init(void)
{
	pool_reset();
	pool.cap = sd_cfg.max_ssh ? sd_cfg.max_ssh : 1;
	pool.maxchunks = (pool.cap + POOL_CHUNK - 1) / POOL_CHUNK;
	pool.chunks = calloc(pool.maxchunks, sizeof *pool.chunks);
	if (!pool.chunks)
		pool.maxchunks = 0;
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
static const struct half *ssh_cli(const struct ssh_sess *s)
{
	return &s->h[s->cdir];
}

static const struct half *ssh_srv(const struct ssh_sess *s)
{
	return &s->h[!s->cdir];
}

static const char *who(int dir)
{
	return dir == DIR_C2S ? "client" : "server";
}

/* "6.007 s", "12.3 ms" - a few rotating buffers for use in one printf. */
static const char *dur(ts_usec d)
{
	static char bufs[8][24];
	char *b = bufs[dur_next++ % 8];
	if (d >= 1000000)
		snprintf(b, sizeof bufs[0], "%.3f s", (double)d / USEC_F);
	else
		snprintf(b, sizeof bufs[0], "%.1f ms", (double)d / 1000.0);
	return b;
}

static ts_usec since(ts_usec later, ts_usec earlier)
{
	return later > earlier ? later - earlier : 0;
}

static bool seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

static bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static const struct tcp_state *tcp_of(const struct flow *f)
{
	return flow_state_c(f)->tcp;
}

/* When the connection was set up: the handshake ACK, else the SYN-ACK. */
static ts_usec est_time(const struct flow *f)
{
	const struct tcp_state *t = tcp_of(f);
	if (t->est_ts)
		return t->est_ts;
	return t->side[DIR_S2C].synack ? t->side[DIR_S2C].syn_ts : 0;
}

static ts_usec start_time(const struct flow *f)
{
	const struct tcp_state *t = tcp_of(f);
	return t->side[DIR_C2S].first_syn_ts ? t->side[DIR_C2S].first_syn_ts : f->first_ts;
}

static bool conn_open(const struct flow *f)
{
	const struct tcp_state *t = tcp_of(f);
	return t->side[DIR_C2S].syn && t->side[DIR_S2C].synack;
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
static const struct msg_rec *find_msg(const struct half *h, uint8_t lo, uint8_t hi)
{
	for (unsigned i = 0; i < h->nmsgs; i++)
		if (h->msgs[i].msg >= lo && h->msgs[i].msg <= hi)
			return &h->msgs[i];
	return NULL;
}

static const struct msg_rec *last_msg(const struct half *h)
{
	return h->nmsgs ? &h->msgs[h->nmsgs - 1] : NULL;
}

static const char *mname(const struct ssh_sess *s, uint8_t msg)
{
	static char bufs[4][24];
	char *b = bufs[mname_next++ % 4];
	return ssh_msg_name(msg, (enum ssh_kexfam)s->fam, b, sizeof bufs[0]);
}

/* ---- verdict plumbing -------------------------------------------------------- */

static struct verdict V;       /* the verdict being built */
static struct verdict tcp_tmp; /* TCP evidence, merged without duplicate frames */

static struct verdict *vbegin(struct flow *f, enum verdict_id id, enum severity sev)
{
	verdict_begin(&V, id, sev, f);
	return &V;
}

static void ev_ident(struct verdict *v, const struct half *h, int dir)
{
	if (h->ident_seen)
		verdict_evidence(v, h->ident_frame, h->ident_ts, dir, "%s ident %.20s", who(dir),
				 h->ident.software[0] ? h->ident.software : h->ident.proto);
}

static void ev_msgs(struct verdict *v, const struct ssh_sess *s, int dir)
{
	const struct half *h = &s->h[dir];
	for (unsigned i = 0; i < h->nmsgs; i++) {
		const struct msg_rec *m = &h->msgs[i];
		if (m->msg == SSH_MSG_IGNORE || m->msg == SSH_MSG_DEBUG)
			continue;
		verdict_evidence(v, m->frame, m->ts, dir, "%s %u B", mname(s, m->msg), m->size);
	}
}

static void vemit(struct flow *f, struct verdict *v)
{
	verdict_begin(&tcp_tmp, v->vid, v->sev, f);
	tcp_add_evidence(f, &tcp_tmp);
	verdict_add_evidence(v, tcp_tmp.ev, tcp_tmp.nevidence);
	tcp_add_details(f, v);
	verdict_emit(v);
	flow_state(f)->app_verdict = true;
	pool.st.verdicts++;
}

/* Emit the handshake verdict of a session. */
static void vdone(struct flow *f, struct ssh_sess *s, struct verdict *v)
{
	vemit(f, v);
	s->reported = true;
}

static void detail_software(struct verdict *v, const struct ssh_sess *s)
{
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	if (c->ident_seen)
		verdict_str(v, "client_ident", "%s", c->ident.line);
	if (sv->ident_seen)
		verdict_str(v, "server_ident", "%s", sv->ident.line);
}

static void detail_hassh(struct verdict *v, const struct ssh_sess *s)
{
	if (ssh_cli(s)->hassh[0])
		verdict_str(v, "hassh", "%s", ssh_cli(s)->hassh);
	if (ssh_srv(s)->hassh[0])
		verdict_str(v, "hassh_server", "%s", ssh_srv(s)->hassh);
	if (s->cdir == DIR_S2C)
		verdict_bool(v, "reverse_ssh", true);
}

/* ---- phase times --------------------------------------------------------------- */

struct phases {
	ts_usec start, est, banner, kexinit, reply, newkeys;
	ts_usec d[5]; /* connect, banner, kexinit, kex, newkeys */
	ts_usec total;
	ts_usec client_init; /* the client's first key exchange message */
	int dominant;
};

static const char *const phase_names[5] = {
	"TCP connect", "waiting for the server banner", "KEXINIT exchange", "key exchange", "NEWKEYS",
};

/* The server's key exchange reply: GEX_REPLY for group exchange, else the
 * first of 31..33 after its KEXINIT. */
static const struct msg_rec *server_reply(const struct ssh_sess *s)
{
	const struct half *sv = ssh_srv(s);
	if (s->fam == SSH_KEXFAM_GEX)
		return find_msg(sv, SSH_MSG_KEX_33, SSH_MSG_KEX_33);
	return find_msg(sv, SSH_MSG_KEX_31, SSH_MSG_KEX_33);
}

static void phases_of(const struct flow *f, const struct ssh_sess *s, struct phases *p)
{
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	memset(p, 0, sizeof *p);
	p->start = start_time(f);
	p->est = est_time(f) ? est_time(f) : p->start;
	p->banner = s->h[DIR_S2C].ident_ts ? s->h[DIR_S2C].ident_ts : p->est;
	ts_usec k = c->kexinit_ts > sv->kexinit_ts ? c->kexinit_ts : sv->kexinit_ts;
	p->kexinit = k ? k : p->banner;
	const struct msg_rec *r = server_reply(s);
	p->reply = r ? r->ts : p->kexinit;
	ts_usec n = c->newkeys_ts > sv->newkeys_ts ? c->newkeys_ts : sv->newkeys_ts;
	p->newkeys = n ? n : p->reply;
	const struct msg_rec *ci = find_msg(c, SSH_MSG_KEX_30, 49);
	p->client_init = ci ? ci->ts : 0;
	p->d[0] = since(p->est, p->start);
	p->d[1] = since(p->banner, p->est);
	p->d[2] = since(p->kexinit, p->banner);
	p->d[3] = since(p->reply, p->kexinit);
	p->d[4] = since(p->newkeys, p->reply);
	p->total = since(p->newkeys, p->start);
	p->dominant = 0;
	for (int i = 1; i < 5; i++)
		if (p->d[i] > p->d[p->dominant])
			p->dominant = i;
}

static void detail_phases(struct verdict *v, const struct phases *p)
{
	static const char *const keys[5] = { "connect_s", "banner_wait_s", "kexinit_s", "kex_s", "newkeys_s" };
	for (int i = 0; i < 5; i++)
		verdict_num(v, keys[i], (double)p->d[i] / USEC_F);
	verdict_num(v, "syn_to_newkeys_s", (double)p->total / USEC_F);
}

static void detail_algorithms(struct verdict *v, const struct ssh_sess *s)
{
	const struct ssh_nego *n = &s->nego;
	for (int d = 0; d < 2; d++)
		if (s->h[d].kexinit && s->h[d].kexinit_stored < s->h[d].kexinit_len)
			verdict_bool(v, "kexinit_truncated", true); /* longer than we keep */
	if (!s->nego_done)
		return;
	static const char *const keys[4] = { "cipher", "mac", "compression", NULL };
	verdict_str(v, "kex", "%s", n->alg[SSH_CAT_KEX][0] ? n->alg[SSH_CAT_KEX] : "?");
	verdict_str(v, "host_key_algorithm", "%s", n->alg[SSH_CAT_HOSTKEY][0] ? n->alg[SSH_CAT_HOSTKEY] : "?");
	for (int i = 0; keys[i]; i++) {
		const char *a = n->alg[SSH_CAT_ENC_C2S + 2 * i], *b = n->alg[SSH_CAT_ENC_S2C + 2 * i];
		if (!strcmp(a, b))
			verdict_str(v, keys[i], "%s", a[0] ? a : "?");
		else
			verdict_str(v, keys[i], "c2s %s, s2c %s", a[0] ? a : "?", b[0] ? b : "?");
	}
	if (ssh_srv(s)->hostkey[0])
		verdict_str(v, "server_host_key", "%s", ssh_srv(s)->hostkey);
}

/* ---- handshake complete: ssh.ok or ssh.slow_handshake ------------------------------ */

static const char *phase_side(const struct phases *p, int i)
{
	switch (i) {
	case 0:
		return "the network";
	case 1:
		return "the server";
	case 2:
		return "both KEXINITs";
	case 3:
		if (p->client_init && p->client_init > p->kexinit &&
		    p->client_init - p->kexinit > since(p->reply, p->client_init))
			return "the client's key exchange message";
		return "the server's key exchange reply";
	default:
		return "the client's host key check";
	}
}

/* Software, algorithms, fingerprints and phase times of a completed handshake. */
static void detail_handshake(struct verdict *v, const struct ssh_sess *s, const struct phases *p)
{
	detail_software(v, s);
	detail_algorithms(v, s);
	detail_hassh(v, s);
	detail_phases(v, p);
	if (s->h[DIR_S2C].pre_lines)
		verdict_int(v, "server_lines_before_ident", s->h[DIR_S2C].pre_lines);
}

static void ev_handshake(struct verdict *v, const struct ssh_sess *s)
{
	ev_ident(v, &s->h[DIR_C2S], DIR_C2S);
	ev_ident(v, &s->h[DIR_S2C], DIR_S2C);
	ev_msgs(v, s, DIR_C2S);
	ev_msgs(v, s, DIR_S2C);
}

static void report_ok(struct flow *f, struct ssh_sess *s)
{
	struct phases p;
	phases_of(f, s, &p);
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	struct verdict *v = vbegin(f, V_SSH_OK, SEV_OK);
	ev_handshake(v, s);
	verdict_summary(v, "SSH handshake complete in %s: %s <-> %s, %s, %s", dur(p.total),
			c->ident.software[0] ? c->ident.software : "?", sv->ident.software[0] ? sv->ident.software : "?",
			s->nego.alg[SSH_CAT_KEX][0] ? s->nego.alg[SSH_CAT_KEX] : "kex ?",
			s->nego.alg[SSH_CAT_ENC_C2S][0] ? s->nego.alg[SSH_CAT_ENC_C2S] : "cipher ?");
	detail_handshake(v, s, &p);
	s->ok_pending = false;
	vdone(f, s, v);
}

/* Both NEWKEYS seen: a slow handshake is reported now; a healthy one when
 * the login's outcome shows (see judge_post). */
static void report_complete(struct flow *f, struct ssh_sess *s)
{
	struct phases p;
	phases_of(f, s, &p);
	if (p.total <= sd_cfg.ssh_timeout / 4) {
		s->ok_pending = true;
		s->reported = true;
		return;
	}
	int d = p.dominant;
	const struct tcp_state *t = tcp_of(f);
	bool lossy = t->side[0].retrans || t->side[1].retrans;
	const char *advice = lossy ? "retransmissions: the path loses packets, a longer client timeout only hides it"
			     : d == 0 ? "the network is slow to connect"
			     : d == 4 ? "the delay is on the client"
				      : "the server side is slow: a longer client timeout works around it";
	char budget[80];
	double limit = (double)sd_cfg.ssh_timeout / USEC_F;
	if (p.total > sd_cfg.ssh_timeout)
		snprintf(budget, sizeof budget, "longer than a %g s client timeout", limit);
	else
		snprintf(budget, sizeof budget, "over 1/4 of a %g s client timeout", limit);
	struct verdict *v = vbegin(f, V_SSH_SLOW_HANDSHAKE, SEV_WARN);
	ev_handshake(v, s);
	verdict_summary(v, "SSH handshake took %s from SYN to NEWKEYS (%s); %s took %s, waiting on %s; %s", dur(p.total),
			budget, phase_names[d], dur(p.d[d]), phase_side(&p, d), advice);
	verdict_str(v, "dominant_phase", "%s", phase_names[d]);
	verdict_str(v, "waiting_on", "%s", phase_side(&p, d));
	detail_handshake(v, s, &p);
	vdone(f, s, v);
}

/* ---- loss reasoning for stalls ------------------------------------------------------ */

enum loss_kind { LOSS_NONE, LOSS_ARTEFACT, LOSS_BEFORE, LOSS_AFTER };

/* What the capture shows about bytes side x sent that did not arrive. */
struct loss {
	uint8_t kind;        /* enum loss_kind */
	bool mtu;            /* a large piece lost while smaller ones passed */
	uint32_t bytes;      /* missing (hole) or unacknowledged bytes */
	uint32_t after;      /* bytes seen after the hole */
	uint32_t seg;        /* size of the lost piece */
	uint32_t retrans;
	uint64_t frame;
	ts_usec ts;
	uint64_t unseen;     /* acknowledged but never captured */
	uint32_t same_max;   /* largest segment of side x that got through */
	uint32_t other_max;  /* largest segment of the other side that got through */
};

static void loss_of(const struct flow *f, const struct ssh_sess *s, int x, struct loss *l)
{
	const struct tcp_state *t = tcp_of(f);
	const struct half *h = &s->h[x];
	const struct tcp_side *ps = &t->side[!x];
	memset(l, 0, sizeof *l);
	l->same_max = h->max_acked_len;
	l->other_max = s->h[!x].max_acked_len;
	l->retrans = t->side[x].retrans;
	l->unseen = tcp_acked_unseen(f, x);
	if (l->unseen) {
		l->kind = LOSS_ARTEFACT;
		return;
	}
	if (h->gap && ps->ack_known && !seq_gt(ps->ack_hi, h->gap_start)) {
		l->kind = LOSS_BEFORE;
		l->bytes = l->seg = h->gap_end - h->gap_start;
		l->after = h->after_gap;
		l->frame = h->gap_frame;
		l->ts = h->gap_ts;
	} else if (h->seq_on && ps->ack_known && seq_gt(h->hi_end, ps->ack_hi)) {
		l->kind = LOSS_AFTER;
		l->bytes = h->hi_end - ps->ack_hi;
		for (unsigned i = 0; i < h->nsegs; i++) {
			const struct seg_rec *r = &h->segs[i];
			if (!r->acked && seq_gt(r->seq + r->len, ps->ack_hi) && r->len > l->seg) {
				l->seg = r->len;
				l->frame = r->frame;
				l->ts = r->ts;
			}
		}
	} else {
		return;
	}
	l->mtu = l->seg >= 1000 && ((l->same_max && l->same_max < l->seg) || (l->after && l->after < l->seg));
}

/* One clause for a summary. */
static void loss_short(const struct loss *l, int x, char *buf, size_t len)
{
	int n = 0;
	buf[0] = 0;
	switch (l->kind) {
	case LOSS_ARTEFACT:
		snprintf(buf, len, "the capture missed %llu %s bytes the %s acknowledged (capture gap)",
			 (unsigned long long)l->unseen, who(x), who(!x));
		return;
	case LOSS_BEFORE:
		n = snprintf(buf, len, "%u %s bytes lost before the capture point (never acked; %u B after the hole arrived)",
			     l->bytes, who(x), l->after);
		break;
	case LOSS_AFTER:
		n = snprintf(buf, len, "%u %s bytes passed the capture point, never acked (%u retransmissions)", l->bytes,
			     who(x), l->retrans);
		break;
	default:
		return;
	}
	if (l->mtu && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "; %u B %s segments pass, this %u B one did not: MTU black hole?",
			 l->same_max > l->after ? l->same_max : l->after, who(x), l->seg);
}

static void loss_details(struct verdict *v, const struct loss *l, int x)
{
	char buf[240];
	if (l->kind == LOSS_NONE)
		return;
	loss_short(l, x, buf, sizeof buf);
	verdict_str(v, "loss", "%s", buf);
	if (l->frame)
		verdict_int(v, "loss_frame", (long long)l->frame);
	verdict_int(v, "largest_segment_through_same_direction", l->same_max);
	verdict_int(v, "largest_segment_through_other_direction", l->other_max);
	if (l->mtu)
		verdict_bool(v, "mtu_black_hole_likely", true);
}

/* ---- verdicts before the server's identification ------------------------------------- */

static const char *close_word(const struct ssh_sess *s)
{
	return s->close_rst ? "RST" : "FIN";
}

static void report_banner_stall(struct flow *f, struct ssh_sess *s, ts_usec now, enum trigger tr, int why)
{
	const struct half *c = &s->h[DIR_C2S], *sv = &s->h[DIR_S2C];
	ts_usec est = est_time(f);
	struct loss l;
	loss_of(f, s, DIR_S2C, &l);
	struct verdict *v = vbegin(f, V_SSH_BANNER_STALL, SEV_FAIL);
	ev_ident(v, c, DIR_C2S);
	ev_ident(v, sv, DIR_S2C);
	if (l.frame)
		verdict_evidence(v, l.frame, l.ts, DIR_S2C, "server data %s", l.kind == LOSS_BEFORE ? "after a hole" : "unacked");
	char how[160], ls[240];
	ts_usec waited;
	if (tr == TR_CLOSE && s->closer == DIR_C2S) {
		waited = since(s->close_ts, est);
		snprintf(how, sizeof how, "the client gave up after %s (%s, frame %llu): its timeout", dur(waited),
			 close_word(s), (unsigned long long)s->close_frame);
		verdict_evidence(v, s->close_frame, s->close_ts, DIR_C2S, "client %s (gave up)", close_word(s));
	} else if (tr == TR_CLOSE) {
		waited = since(s->close_ts, est);
		snprintf(how, sizeof how, "then the server closed (%s) after %s", close_word(s), dur(waited));
	} else if (tr == TR_TIMER) {
		waited = since(now, est);
		snprintf(how, sizeof how, "still nothing after %s", dur(waited));
	} else {
		waited = since(now, est);
		snprintf(how, sizeof how, "nothing for %s, until the %s", dur(waited),
			 why == FLOW_END_EOF ? "capture ended" : "flow expired");
	}
	loss_short(&l, DIR_S2C, ls, sizeof ls);
	if (sv->ident_seen)
		verdict_summary(v, "the server's identification (frame %llu) never reached the client: %s; %s",
				(unsigned long long)sv->ident_frame, ls[0] ? ls : "the client never acknowledged it", how);
	else if (ls[0])
		verdict_summary(v, "no SSH identification from the server reached the client: %s; %s", ls, how);
	else
		verdict_summary(v, "TCP connected but the server never sent its SSH identification; %s", how);
	verdict_num(v, "waited_s", (double)waited / USEC_F);
	loss_details(v, &l, DIR_S2C);
	if (c->ident_seen)
		verdict_str(v, "client_ident", "%s", c->ident.line);
	vdone(f, s, v);
}

/* What a side's first bytes look like, once. */
static void describe_first(struct half *h)
{
	if (!h->foreign[0] && h->nfirst)
		ssh_describe_foreign(h->first, h->nfirst, h->foreign, sizeof h->foreign);
}

static void report_closed_before_banner(struct flow *f, struct ssh_sess *s)
{
	describe_first(&s->h[DIR_S2C]);
	const struct half *c = &s->h[DIR_C2S], *sv = &s->h[DIR_S2C];
	ts_usec after = since(s->close_ts, est_time(f));
	struct verdict *v = vbegin(f, V_SSH_CLOSED_BEFORE_BANNER, SEV_FAIL);
	ev_ident(v, c, DIR_C2S);
	verdict_evidence(v, s->close_frame, s->close_ts, DIR_S2C, "server %s", close_word(s));
	if (sv->text_lines || sv->off) {
		verdict_evidence(v, sv->first_frame, sv->first_ts, DIR_S2C, "server text %u B", (unsigned)sv->off);
		verdict_summary(v, "the server accepted, sent %s instead of an SSH identification and closed (%s) %s "
				   "after the handshake",
				sv->foreign[0] ? sv->foreign : "a text line", close_word(s), dur(after));
		verdict_str(v, "server_said", "%s", sv->foreign);
	} else {
		verdict_summary(v, "the server accepted the connection and closed it (%s) %s later without sending an "
				   "SSH identification",
				close_word(s), dur(after));
	}
	verdict_num(v, "closed_after_s", (double)after / USEC_F);
	vdone(f, s, v);
}

static void report_not_ssh(struct flow *f, struct ssh_sess *s, const char *next)
{
	describe_first(&s->h[DIR_S2C]);
	const struct half *c = &s->h[DIR_C2S], *sv = &s->h[DIR_S2C];
	struct verdict *v = vbegin(f, V_SSH_NOT_SSH, SEV_FAIL);
	ev_ident(v, c, DIR_C2S);
	verdict_evidence(v, sv->first_frame, sv->first_ts, DIR_S2C, "server first bytes");
	verdict_summary(v, "%s expected on port %u but the server's first bytes are %s, not an SSH identification%s%s",
			c->ident_seen ? "the client speaks SSH," : "SSH", f->sport,
			sv->foreign[0] ? sv->foreign : "not SSH", next && next[0] ? "; " : "", next ? next : "");
	verdict_str(v, "server_first_bytes", "%s", sv->foreign);
	if (c->ident_seen)
		verdict_str(v, "client_ident", "%s", c->ident.line);
	vdone(f, s, v);
}

/* ---- verdicts during the key exchange --------------------------------------------- */

static void report_version_mismatch(struct flow *f, struct ssh_sess *s)
{
	const struct half *c = &s->h[DIR_C2S], *sv = &s->h[DIR_S2C];
	struct verdict *v = vbegin(f, V_SSH_NO_COMMON_ALGORITHM, SEV_FAIL);
	ev_ident(v, c, DIR_C2S);
	ev_ident(v, sv, DIR_S2C);
	if (s->closer >= 0)
		verdict_evidence(v, s->close_frame, s->close_ts, s->closer, "%s %s", who(s->closer), close_word(s));
	verdict_summary(v, "no common protocol version: client speaks SSH-%s, server SSH-%s", c->ident.proto,
			sv->ident.proto);
	verdict_str(v, "category", "protocol version");
	detail_software(v, s);
	verdict_remedy(v, RV_SSH_NO_COMMON_ALGORITHM_PROTOCOL_1);
	vdone(f, s, v);
}

/* Names of a list without the pseudo-algorithms that only signal features. */
static void list_for_summary(struct ssh_str l, char *out, size_t cap)
{
	size_t o = 0, pos = 0;
	out[0] = 0;
	while (pos < l.len && o + 1 < cap) {
		size_t e = pos;
		while (e < l.len && l.s[e] != ',')
			e++;
		size_t n = e - pos;
		bool pseudo = (n >= 9 && !memcmp(l.s + pos, "ext-info-", 9)) ||
			      (n >= 11 && !memcmp(l.s + pos, "kex-strict-", 11));
		if (n && !pseudo) {
			int w = snprintf(out + o, cap - o, "%s%.*s", o ? "," : "", (int)n, l.s + pos);
			if (w < 0 || (size_t)w >= cap - o)
				break;
			o += (size_t)w;
		}
		pos = e + 1;
	}
	if (!out[0])
		snprintf(out, cap, "(empty)");
}

static void report_no_common(struct flow *f, struct ssh_sess *s, ts_usec now)
{
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	int cat = s->nego.fail_cat;
	int l = ssh_cat_list(cat);
	struct ssh_str cl = ssh_kexinit_list(&c->kx, c->kexinit_buf, l);
	struct ssh_str sl = ssh_kexinit_list(&sv->kx, sv->kexinit_buf, l);
	struct verdict *v = vbegin(f, V_SSH_NO_COMMON_ALGORITHM, SEV_FAIL);
	ev_ident(v, c, DIR_C2S);
	ev_ident(v, sv, DIR_S2C);
	ev_msgs(v, s, DIR_C2S);
	ev_msgs(v, s, DIR_S2C);
	char next[200], cs[120], ss[120];
	ts_usec both = c->kexinit_ts > sv->kexinit_ts ? c->kexinit_ts : sv->kexinit_ts;
	const struct half *d = c->disconnect ? c : sv->disconnect ? sv : NULL;
	if (d)
		snprintf(next, sizeof next, "the %s sent DISCONNECT (reason %u \"%s\")", d == c ? "client" : "server",
			 d->disc_reason, d->disc_text);
	else if (s->closer >= 0)
		snprintf(next, sizeof next, "the %s closed the connection (%s) %s after the second KEXINIT", who(s->closer),
			 close_word(s), dur(since(s->close_ts, both)));
	else
		snprintf(next, sizeof next, "no further key exchange message in the %s that followed", dur(since(now, both)));
	if (s->closer >= 0)
		verdict_evidence(v, s->close_frame, s->close_ts, s->closer, "%s %s", who(s->closer), close_word(s));
	list_for_summary(cl, cs, sizeof cs);
	list_for_summary(sl, ss, sizeof ss);
	verdict_summary(v, "no common %s algorithm: client offers %s; server offers %s; %s", ssh_cat_name(cat), cs, ss,
			next);
	verdict_str(v, "category", "%s", ssh_cat_name(cat));
	if (s->nego.nfail > 1) {
		char more[200];
		size_t o = 0;
		more[0] = 0;
		for (int i = 0; i < SSH_CAT_COUNT && o + 1 < sizeof more; i++)
			if (s->nego.failed[i]) {
				int w = snprintf(more + o, sizeof more - o, "%s%s", o ? ", " : "", ssh_cat_name(i));
				if (w < 0)
					break;
				o += (size_t)w;
			}
		verdict_str(v, "failed_categories", "%s", more);
	}
	verdict_str(v, "client_list", "%.*s", (int)(cl.len < 230 ? cl.len : 230), cl.s);
	verdict_str(v, "server_list", "%.*s", (int)(sl.len < 230 ? sl.len : 230), sl.s);
	verdict_str(v, "what_followed", "%s", next);
	detail_software(v, s);
	detail_hassh(v, s);
	vdone(f, s, v);
}

/* The next message the handshake was waiting for. */
struct missing {
	int dir;              /* who should send it */
	char name[32];
	ts_usec since;        /* wait started */
	const struct msg_rec *last; /* last message of the other side */
	uint64_t since_frame;
};

static void find_missing(const struct ssh_sess *s, struct missing *m)
{
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	int cd = s->cdir, sd = !s->cdir;
	memset(m, 0, sizeof *m);
	ts_usec idents = c->ident_ts > sv->ident_ts ? c->ident_ts : sv->ident_ts;
	uint64_t idf = c->ident_ts > sv->ident_ts ? c->ident_frame : sv->ident_frame;
	if (!sv->kexinit) {
		m->dir = sd;
		snprintf(m->name, sizeof m->name, "KEXINIT");
		m->since = idents;
		m->since_frame = idf;
		m->last = c->kexinit ? last_msg(c) : NULL;
		if (m->last && m->last->ts > m->since)
			m->since = m->last->ts, m->since_frame = m->last->frame;
		return;
	}
	if (!c->kexinit) {
		m->dir = cd;
		snprintf(m->name, sizeof m->name, "KEXINIT");
		m->since = sv->kexinit_ts > idents ? sv->kexinit_ts : idents;
		m->since_frame = sv->kexinit_frame;
		m->last = last_msg(sv);
		return;
	}
	ts_usec both = c->kexinit_ts > sv->kexinit_ts ? c->kexinit_ts : sv->kexinit_ts;
	uint64_t bothf = c->kexinit_ts > sv->kexinit_ts ? c->kexinit_frame : sv->kexinit_frame;
	const struct msg_rec *ci = find_msg(c, SSH_MSG_KEX_30, 49);
	if (!ci) {
		m->dir = cd;
		snprintf(m->name, sizeof m->name, "%s", mname(s, s->fam == SSH_KEXFAM_GEX ? SSH_MSG_KEX_34 : SSH_MSG_KEX_30));
		m->since = both;
		m->since_frame = bothf;
		m->last = last_msg(sv);
		return;
	}
	if (s->fam == SSH_KEXFAM_GEX) {
		const struct msg_rec *grp = find_msg(sv, SSH_MSG_KEX_31, SSH_MSG_KEX_31);
		if (!grp) {
			m->dir = sd;
			snprintf(m->name, sizeof m->name, "GEX_GROUP");
			m->since = ci->ts;
			m->since_frame = ci->frame;
			m->last = ci;
			return;
		}
		const struct msg_rec *gi = find_msg(c, SSH_MSG_KEX_32, SSH_MSG_KEX_32);
		if (!gi) {
			m->dir = cd;
			snprintf(m->name, sizeof m->name, "GEX_INIT");
			m->since = grp->ts;
			m->since_frame = grp->frame;
			m->last = grp;
			return;
		}
		ci = gi;
	}
	const struct msg_rec *r = server_reply(s);
	if (!r) {
		m->dir = sd;
		snprintf(m->name, sizeof m->name, "%s", mname(s, s->fam == SSH_KEXFAM_GEX ? SSH_MSG_KEX_33 : SSH_MSG_KEX_31));
		m->since = ci->ts;
		m->since_frame = ci->frame;
		m->last = ci;
		return;
	}
	if (!sv->newkeys) {
		m->dir = sd;
		snprintf(m->name, sizeof m->name, "NEWKEYS");
		m->since = r->ts;
		m->since_frame = r->frame;
		m->last = ci;
		return;
	}
	m->dir = cd;
	snprintf(m->name, sizeof m->name, "NEWKEYS");
	m->since = r->ts > sv->newkeys_ts ? r->ts : sv->newkeys_ts;
	m->since_frame = sv->newkeys_frame;
	m->last = last_msg(sv);
}

static void report_kex_stall(struct flow *f, struct ssh_sess *s, ts_usec now, enum trigger tr, int why)
{
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	struct missing m;
	find_missing(s, &m);
	struct loss l;
	loss_of(f, s, m.dir, &l);
	struct verdict *v = vbegin(f, V_SSH_KEX_STALL, SEV_FAIL);
	ev_ident(v, c, DIR_C2S);
	ev_ident(v, sv, DIR_S2C);
	ev_msgs(v, s, DIR_C2S);
	ev_msgs(v, s, DIR_S2C);
	if (l.frame)
		verdict_evidence(v, l.frame, l.ts, m.dir, "%s data %s", who(m.dir),
				 l.kind == LOSS_BEFORE ? "after a hole" : "unacked");
	char how[160], ls[240], why_s[200];
	ts_usec waited;
	if (tr == TR_CLOSE) {
		waited = since(s->close_ts, m.since);
		verdict_evidence(v, s->close_frame, s->close_ts, s->closer, "%s %s", who(s->closer), close_word(s));
		if (s->closer == m.dir)
			snprintf(how, sizeof how, "%s closed instead (%s) %s later", who(m.dir), close_word(s),
				 dur(waited));
		else
			snprintf(how, sizeof how, "%s gave up after %s (%s)", who(s->closer), dur(waited),
				 close_word(s));
	} else {
		waited = since(now, m.since);
		snprintf(how, sizeof how, "waited %s %s", dur(waited),
			 tr == TR_TIMER ? "and still waiting"
			 : why == FLOW_END_EOF ? "until the capture ended" : "until the flow expired");
	}
	loss_short(&l, m.dir, ls, sizeof ls);
	why_s[0] = 0;
	const struct half *dh = c->disconnect ? c : sv->disconnect ? sv : NULL;
	if (dh)
		snprintf(why_s, sizeof why_s, "the %s sent DISCONNECT %u \"%s\"", dh == c ? "client" : "server",
			 dh->disc_reason, dh->disc_text);
	else if (m.dir == s->cdir && !strcmp(m.name, "NEWKEYS") && s->closer == s->cdir)
		snprintf(why_s, sizeof why_s, "a client leaving right after the key exchange reply usually rejected the "
					      "server's host key");
	else if (m.dir != s->cdir && l.kind == LOSS_NONE)
		snprintf(why_s, sizeof why_s, "nothing was lost on the wire here: the server did not answer");
	if (m.last)
		verdict_str(v, "last_message_before_stall", "%s %s %u B (frame %llu)", who(!m.dir),
			    mname(s, m.last->msg), m.last->size, (unsigned long long)m.last->frame);
	if (ls[0])
		verdict_summary(v, "key exchange stalled: %s's %s never came; %s; %s", who(m.dir), m.name, how, ls);
	else
		verdict_summary(v, "key exchange stalled: %s's %s never came; %s%s%s", who(m.dir), m.name, how,
				why_s[0] ? "; " : "", why_s);
	verdict_str(v, "missing_message", "%s %s", who(m.dir), m.name);
	verdict_num(v, "waited_s", (double)waited / USEC_F);
	if (why_s[0])
		verdict_str(v, "reason", "%s", why_s);
	loss_details(v, &l, m.dir);
	detail_software(v, s);
	detail_algorithms(v, s);
	detail_hassh(v, s);
	vdone(f, s, v);
}

/* ---- after NEWKEYS: the authentication inference ---------------------------------- */

static void sizes_str(const struct enc_count *e, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < e->segs && i < ENC_LOG; i++) {
		int w = snprintf(buf + o, len - o, "%s%u", i ? "," : "", e->sizes[i]);
		if (w < 0 || (size_t)w >= len - o)
			break;
		o += (size_t)w;
	}
	if (e->segs > ENC_LOG && o + 5 < len)
		snprintf(buf + o, len - o, ",...");
}

/* Do the server's answers after NEWKEYS stay small (see auth_shape)? */
static bool answers_small(const struct enc_count *ans)
{
	return ans->segs <= 6 && ans->max < 256 && ans->bytes <= 1024;
}

/* Authentication failure: the client asks for ssh-userauth and tries
 * credentials; the server answers each with a short FAILURE and, after
 * MaxAuthTries, a DISCONNECT; then one side closes. After a successful
 * login the server sends more and larger packets (host keys announcement,
 * channel replies, output). Server data sent before the client's first
 * encrypted packet (EXT_INFO) is not an answer. */
static bool auth_shape(const struct ssh_sess *s)
{
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	if (s->closer < 0 || !sv->ans.segs || !answers_small(&sv->ans) || c->enc.segs < 2 || s->srv_repeat)
		return false;
	return s->closer != s->cdir || since(s->close_ts, sv->enc.last_ts) <= SEC(2);
}

static void report_auth_failed(struct flow *f, struct ssh_sess *s)
{
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	const struct enc_count *ans = &sv->ans;
	struct phases p;
	phases_of(f, s, &p);
	struct verdict *v = vbegin(f, V_SSH_AUTH_FAILED_LIKELY, SEV_INFO);
	ev_handshake(v, s);
	verdict_evidence(v, c->enc.first_frame, c->enc.first_ts, s->cdir, "client encrypted %u B", c->enc.sizes[0]);
	verdict_evidence(v, ans->first_frame, ans->first_ts, !s->cdir, "server answer %u B", ans->sizes[0]);
	verdict_evidence(v, ans->last_frame, ans->last_ts, !s->cdir, "server last answer");
	verdict_evidence(v, s->close_frame, s->close_ts, s->closer, "%s %s", who(s->closer), close_word(s));
	char cs[96], ss[96];
	sizes_str(&c->enc, cs, sizeof cs);
	sizes_str(ans, ss, sizeof ss);
	verdict_summary(v,
			"inference: authentication most likely failed. After NEWKEYS the client sent %u encrypted "
			"segments (%s B), the server answered with %u small ones (%s B), then the %s closed (%s) %s "
			"later; a successful login draws more and larger server packets",
			c->enc.segs, cs, ans->segs, ss, who(s->closer), close_word(s),
			dur(since(s->close_ts, sv->enc.last_ts)));
	verdict_str(v, "inference", "from encrypted packet counts and sizes only");
	verdict_str(v, "client_encrypted_sizes", "%s", cs);
	verdict_str(v, "server_answer_sizes", "%s", ss);
	detail_handshake(v, s, &p);
	vemit(f, v);
}

/* After NEWKEYS, at a close or the flow's end: the login's outcome, and the
 * deferred ssh.ok. */
static void judge_post(struct flow *f, struct ssh_sess *s)
{
	if (!s->complete)
		return;
	if (!s->auth_judged) {
		s->auth_judged = true;
		if (auth_shape(s)) {
			report_auth_failed(f, s);
			s->ok_pending = false; /* the inference replaces the ok */
		}
	}
	if (s->ok_pending)
		report_ok(f, s);
}

/* Nothing left to say about this session. */
static bool sess_done(const struct ssh_sess *s)
{
	return s->reported && !s->ok_pending && (s->auth_judged || !s->complete);
}

/* ---- the decision ----------------------------------------------------------------------- */

static ts_usec end_min_wait(ts_usec threshold)
{
	return threshold / 4;
}

/* Bytes side x sent that the peer acknowledged, up to stream offset off? */
static bool acked_upto(const struct flow *f, const struct half *h, int x, uint64_t off)
{
	const struct tcp_side *peer = &tcp_of(f)->side[!x];
	if (!h->seq_on || !peer->ack_known)
		return true; /* cannot tell: assume it arrived */
	return seq_ge(peer->ack_hi, h->base_seq + (uint32_t)off);
}

/* Did the peer acknowledge bytes of side x that never reached us as
 * stream bytes (snap length, capture gap)? Then their content is unknown. */
static bool content_unseen(const struct flow *f, const struct half *h, int x)
{
	const struct tcp_side *peer = &tcp_of(f)->side[!x];
	if (tcp_acked_unseen(f, x))
		return true;
	return h->seq_on && peer->ack_known && seq_gt(peer->ack_hi, h->base_seq + (uint32_t)h->off);
}

static void judge_prebanner(struct flow *f, struct ssh_sess *s, ts_usec now, enum trigger tr, int why)
{
	const struct half *c = &s->h[DIR_C2S], *sv = &s->h[DIR_S2C];
	ts_usec waited = since(tr == TR_CLOSE ? s->close_ts : now, est_time(f));
	if (!s->expected)
		return;
	if (sv->text_lines || sv->off) {
		/* the server said something that is not an identification */
		if (tr == TR_CLOSE && s->closer == DIR_S2C)
			report_closed_before_banner(f, s);
		else if (tr == TR_CLOSE || waited >= end_min_wait(sd_cfg.banner_timeout))
			report_not_ssh(f, s, tr == TR_CLOSE ? "the client then closed" : "no identification followed");
		return;
	}
	if (content_unseen(f, sv, DIR_S2C))
		return; /* the client got server bytes we cannot read: not a stall */
	if (tr == TR_CLOSE) {
		/* a server that closes at once refuses; one that closes after a
		 * long silence had the client waiting for a banner first */
		if (s->closer == DIR_S2C && waited < end_min_wait(sd_cfg.banner_timeout)) {
			report_closed_before_banner(f, s);
			return;
		}
		/* a port check connects and leaves at once without a word */
		if (!c->ident_seen && waited < SEC(1))
			return;
		report_banner_stall(f, s, now, tr, why);
		return;
	}
	if (tr == TR_TIMER && waited < TIMER_FACTOR * sd_cfg.banner_timeout)
		return;
	if (tr == TR_END && waited < end_min_wait(sd_cfg.banner_timeout))
		return;
	report_banner_stall(f, s, now, tr, why);
}

static void judge(struct flow *f, struct ssh_sess *s, ts_usec now, enum trigger tr, int why)
{
	if (s->reported) {
		if (tr != TR_TIMER)
			judge_post(f, s);
		return;
	}
	if (!conn_open(f) || tcp_of(f)->mptcp)
		return; /* Multipath TCP: the handshake may go on over another subflow */
	const struct half *c = &s->h[DIR_C2S], *sv = &s->h[DIR_S2C];
	if (s->waiting_client)
		return; /* not SSH unless the client identifies: nothing to say */
	if (!sv->ident_seen) {
		judge_prebanner(f, s, now, tr, why);
		return;
	}
	/* the identification went out, but did the client ever get it? */
	if (!acked_upto(f, sv, DIR_S2C, sv->ident_end) && !c->kexinit) {
		ts_usec w = since(tr == TR_CLOSE ? s->close_ts : now, sv->ident_ts);
		bool gave_up = tr == TR_CLOSE && s->closer == DIR_C2S;
		bool long_wait = (tr == TR_END && w >= end_min_wait(sd_cfg.banner_timeout)) ||
				 (tr == TR_TIMER && w >= TIMER_FACTOR * sd_cfg.banner_timeout);
		if (gave_up || long_wait) {
			report_banner_stall(f, s, now, tr, why);
			return;
		}
	}
	if (!c->ident_seen)
		return; /* something read the banner without speaking SSH (a port check) */
	bool both_v2 = ssh_ident_v2(&c->ident) && ssh_ident_v2(&sv->ident);
	if (!both_v2) {
		/* SSH 1 on both sides (1.99 speaks both) is not followed further */
		bool both_v1 = c->ident.major == 1 && sv->ident.major == 1;
		if (!both_v1 && tr != TR_TIMER)
			report_version_mismatch(f, s);
		return;
	}
	if (s->complete)
		return;
	if (s->nego_done && s->nego.decided && !s->nego.ok) {
		report_no_common(f, s, now);
		return;
	}
	/* bytes that do not frame as SSH packets: we lost track, say nothing */
	if (c->dead_framing || sv->dead_framing)
		return;
	struct missing m;
	find_missing(s, &m);
	if (content_unseen(f, &s->h[m.dir], m.dir))
		return; /* the peer got bytes we cannot read: maybe the very message */
	ts_usec waited = since(tr == TR_CLOSE ? s->close_ts : now, m.since);
	/* a client that leaves within a second did not wait for anything: it
	 * gave up on what it saw (a version, a banner), which is no stall */
	if (tr == TR_CLOSE && s->closer == DIR_C2S && waited < SEC(1))
		return;
	if (tr == TR_TIMER && waited < TIMER_FACTOR * sd_cfg.ssh_timeout)
		return;
	if (tr == TR_END && waited < end_min_wait(sd_cfg.ssh_timeout))
		return;
	report_kex_stall(f, s, now, tr, why);
}

/* When the next timer check is due. */
static void arm(struct flow *f, struct ssh_sess *s)
{
	s->deadline = 0;
	if (s->reported || s->waiting_client || !conn_open(f))
		return;
	const struct half *sv = &s->h[DIR_S2C];
	if (!sv->ident_seen) {
		if (s->expected && est_time(f))
			s->deadline = est_time(f) + TIMER_FACTOR * sd_cfg.banner_timeout;
	} else if (!s->complete && s->h[DIR_C2S].ident_seen) {
		struct missing m;
		find_missing(s, &m);
		if (m.since)
			s->deadline = m.since + TIMER_FACTOR * sd_cfg.ssh_timeout;
	}
	if (s->deadline)
		flow_set_deadline(f, s->deadline);
}

/* ---- stream parsing ----------------------------------------------------------------------- */

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
		if (h->kexinit && h->kx.nlists)
			ssh_hassh(&h->kx, h->kexinit_buf, d != s->cdir, h->hassh);
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
static void server_foreign(struct flow *f, struct ssh_sess *s, bool decided)
{
	struct half *sv = &s->h[DIR_S2C];
	describe_first(sv);
	if (!s->expected) {
		/* another port: only a finding if the client speaks SSH to it */
		s->waiting_client = true;
		sv->st = HS_DEAD;
		return;
	}
	if (decided) {
		/* a Multipath TCP subflow may carry the middle of another
		 * subflow's stream: its first bytes prove nothing */
		if (!tcp_of(f)->mptcp)
			report_not_ssh(f, s, NULL);
		not_ssh_quiet(f);
	}
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
				server_foreign(f, s, true);
				return n;
			}
		}
		if (h->line.total > LINE_HARD_MAX) {
			if (x->dir == DIR_C2S) {
				not_ssh_quiet(f);
				return n;
			}
			h->text_lines = true;
			server_foreign(f, s, true);
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
				report_not_ssh(f, s, "the client sent an SSH identification to it");
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
		describe_first(h);
	bool other = h->line.binary || line_is_other_protocol(h->line.buf);
	ssh_line_reset(&h->line);
	if (other || h->pre_lines > PRE_LINES_MAX || h->pre_bytes > PRE_BYTES_MAX) {
		server_foreign(f, s, true);
		return n;
	}
	if (!s->expected)
		server_foreign(f, s, false);
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
	if (dir != s->cdir && s->ok_pending && !s->auth_judged && !answers_small(&h->ans)) {
		s->auth_judged = true;
		report_ok(f, s);
	}
}

/* Give the pool entry back once nothing is left to report. */
static bool release_if_done(struct flow *f, struct ssh_sess *s)
{
	if (!sess_done(s))
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
		if (!s->reported)
			report_complete(f, s);
	}
	/* nothing more to parse in cleartext: stop reassembly */
	bool c_done = c->st == HS_ENCRYPTED || c->st == HS_DEAD;
	bool s_done = sv->st == HS_ENCRYPTED || sv->st == HS_DEAD;
	if (c_done && s_done)
		f->want_stream = false;
	if (!release_if_done(f, s))
		arm(f, s);
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

/* ---- per packet ------------------------------------------------------------------------------ */

static void track_segment(struct flow *f, struct ssh_sess *s, int dir, const struct pkt *p)
{
	const struct tcp_state *t = tcp_of(f);
	struct half *h = &s->h[dir];
	if (!h->seq_on) {
		const struct tcp_side *me = &t->side[dir];
		if (!(dir == DIR_C2S ? me->syn : me->synack))
			return;
		h->seq_on = true;
		h->base_seq = me->isn + 1;
		h->cont_end = h->hi_end = h->base_seq;
	}
	uint32_t len = p->payload_wire_len ? p->payload_wire_len : p->payload_len;
	if (!len || (p->tcp_flags & TH_SYN))
		return;
	uint32_t seq = p->seq, end = p->seq + len;
	if (!s->complete) {
		if (seq_gt(seq, h->cont_end)) {
			if (!h->gap) {
				h->gap = true;
				h->gap_start = h->cont_end;
				h->gap_end = seq;
				h->gap_frame = p->frame;
				h->gap_ts = p->ts;
			}
			h->after_gap += len;
		} else if (seq_gt(end, h->cont_end)) {
			h->cont_end = end;
			if (h->gap && seq_ge(end, h->gap_end)) {
				/* the hole was filled (a retransmission passed) */
				h->gap = false;
				h->after_gap = 0;
				h->cont_end = seq_gt(h->hi_end, end) ? h->hi_end : end;
			}
		}
		if (seq_gt(end, h->hi_end)) {
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
		if (h->enc_hi_set && seq_gt(h->enc_hi, from))
			from = h->enc_hi;
		if (seq_gt(end, from))
			count_encrypted(f, s, dir, seq_gt(seq, from) ? len : end - from, p->frame, p->ts, true, end);
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
		if (r->acked || !seq_ge(p->ack, r->seq + r->len))
			continue;
		r->acked = true;
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
		if (fs->app != APP_UNKNOWN || f->sport != 22 || !conn_open(f) || !tcp_of(f)->est_ts ||
		    f->initiator_guessed)
			return;
		s = sess_new(f);
		if (!s)
			return;
	}
	track_segment(f, s, dir, p);
	track_ack(s, dir, p);
	if ((p->tcp_flags & (TH_FIN | TH_RST)) && s->closer < 0) {
		s->closer = (int8_t)dir;
		s->close_rst = p->tcp_flags & TH_RST;
		s->close_frame = p->frame;
		s->close_ts = p->ts;
		judge(f, s, p->ts, TR_CLOSE, 0);
		if (!fs->app_state)
			return; /* found not to be SSH */
	}
	if (!release_if_done(f, s))
		arm(f, s);
}

void ssh_timer(struct flow *f, ts_usec now)
{
	struct ssh_sess *s = sess_of(f);
	if (!s)
		return;
	if (s->deadline && now >= s->deadline) {
		/* judged as of the deadline: the sweep may run at the next packet */
		judge(f, s, s->deadline, TR_TIMER, 0);
		if (!flow_state(f)->app_state || release_if_done(f, s))
			return;
	}
	arm(f, s);
}

void ssh_flow_end(struct flow *f, int why, ts_usec now)
{
	struct ssh_sess *s = sess_of(f);
	if (!s)
		return;
	judge(f, s, now, TR_END, why);
	if (flow_state(f)->app_state)
		judge_post(f, s);
	sess_free(f);
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
		ts_usec est = est_time(f);
		if (sv->text_lines)
			snprintf(buf, len, "SSH? server sent %s", sv->foreign);
		else
			snprintf(buf, len, "SSH awaiting server banner %.1f s", est ? (double)since(now, est) / USEC_F : 0.0);
	} else if (!c->ident_seen) {
		snprintf(buf, len, "SSH server %s, client silent", sv->ident.software);
	} else {
		struct missing m;
		find_missing(s, &m);
		snprintf(buf, len, "SSH key exchange: awaiting %s %s %.1f s", who(m.dir), m.name,
			 (double)since(now, m.since) / USEC_F);
	}
}
