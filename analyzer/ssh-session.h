/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ssh-session.h - private to the SSH analyzer's files (ssh.c,
 * ssh-judge.c, ssh-report.c, ssh-pool.c): the per-flow session record, and the
 * functions the files share. Nothing outside the SSH analyzer includes it. */
#ifndef SHAKEDOWN_SSH_SESSION_H
#define SHAKEDOWN_SSH_SESSION_H

#include "../capture/cursor.h"
#include "config.h"
#include "flow-state.h"
#include "tcp.h"
#include "analyzer/ssh.h"
#include "ssh-int.h"
#include "ssh-proto.h"
#include "verdict.h"

#define KEXINIT_CAP 4096   /* KEXINIT payload bytes kept per side */
#define KEXINIT_SMALL 2048 /* ... in a block that holds this many until a longer KEXINIT comes */
#define MSG_LOG 12         /* messages before NEWKEYS remembered per side */
#define SEG_LOG 8          /* recent data segments per side (size reasoning) */
#define ENC_LOG 8          /* first encrypted segment sizes per side */
#define FIRST_KEEP 64      /* first stream bytes kept per side */
#define PRE_LINES_MAX 16   /* server lines before its identification */
#define PRE_BYTES_MAX 8192
#define FOREIGN_WAIT_MAX 16384 /* server bytes while waiting for the client */
#define LINE_HARD_MAX 2048 /* a "line" longer than this is not a line */
#define POOL_CHUNK 64
#define TIMER_FACTOR 3     /* a wait on the client is reported by timer after this many thresholds */
#define PROOF_RETRANS 3    /* client data re-sent this often, never acknowledged: the path is broken */
#define PROOF_MIN_WAIT SEC(1) /* ... and unacknowledged for at least this long */
#define NONE32 UINT32_MAX
#define USEC_F 1e6

enum half_state { HS_IDENT, HS_BINARY, HS_ENCRYPTED, HS_DEAD };

/* Where a session's reporting stands. Each step checks the state it
 * expects and sets the next:
 *   OPEN --handshake complete, fast--> OK_PENDING (ssh.ok deferred until
 *        the login's outcome shows)
 *   OPEN --handshake complete, slow (ssh.slow_handshake)--> AUTH_PENDING
 *   OPEN --any other handshake verdict--> DONE
 *   OK_PENDING --ssh.ok, or ssh.auth_failed_likely in its place--> DONE
 *   AUTH_PENDING --the login inference, made or not--> DONE
 *   DONE --both NEWKEYS seen after all--> AUTH_PENDING */
enum ssh_report_state { SSH_REPORT_OPEN, SSH_REPORT_OK_PENDING, SSH_REPORT_AUTH_PENDING, SSH_REPORT_DONE };
/* What makes a session's verdict due: a close, a threshold passing, the
 * flow's end, or the client's data retransmitted without an answer. */
enum trigger { TR_CLOSE, TR_TIMER, TR_END, TR_PROOF };

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

/* What one side's binary packets said, and its encrypted traffic after its
 * NEWKEYS. Part of the session's key exchange block (struct ssh_kex). */
struct half_kex {
	/* cleartext messages */
	struct msg_rec msgs[MSG_LOG];
	uint8_t nmsgs;
	bool kexinit;
	uint32_t kexinit_len, kexinit_stored;
	ts_usec kexinit_ts;
	char hassh[33];
	uint8_t hassh_as; /* hassh is of this side as 1 client, 2 server; 0 none yet */
	bool newkeys;
	ts_usec newkeys_ts;
	uint64_t newkeys_end; /* stream offset just past NEWKEYS */
	char hostkey[48];     /* (server) key type in the key exchange reply */

	/* encrypted traffic after this side's NEWKEYS: all of it, and what
	 * came after the peer's first encrypted data (answers) */
	uint32_t enc_hi;      /* sequence up to which encrypted bytes are counted */
	bool enc_hi_set;
	struct enc_count enc, ans;
};

/* A session's key exchange: taken from ssh.c's block pool with the first
 * binary packet bytes of either side and kept until the session is released
 * (its reports after NEWKEYS cite the messages and the negotiation). Most
 * sessions never get here (a server that stays silent), so they do not
 * hold it. */
struct ssh_kex {
	struct half_kex h[2];
	struct ssh_nego nego;
};

/* What a side's cleartext packets said that is read only until both
 * NEWKEYS: its KEXINIT payload, the name-lists found in it, its DISCONNECT.
 * From ssh.c's block pool: taken with the side's first binary packet bytes,
 * given back once both NEWKEYS passed or the session ends. Without one (no
 * memory) the KEXINIT is framed but not kept, and a DISCONNECT not noted. */
struct half_clear {
	struct ssh_kexinit kx;        /* offsets into kexinit */
	bool disconnect;
	uint32_t disc_reason;
	char disc_text[96];
	uint32_t cap;                 /* payload bytes the block holds: KEXINIT_SMALL, or
				       * KEXINIT_CAP once the side's KEXINIT needed more */
	uint8_t kexinit[];            /* payload, message number first */
};

/* The server's (DIR_S2C) first bytes, to say what it sent instead of an SSH
 * identification; nothing describes the client's. */
struct first_bytes {
	uint64_t frame;
	ts_usec ts;
	uint8_t b[FIRST_KEEP];
	uint8_t n;
	uint8_t described; /* bytes the description is of (it is made once); 0 none yet */
};

/* What one side sent. */
struct half {
	uint8_t st; /* enum half_state */
	bool ident_seen;
	bool text_lines;     /* (server) text lines that are not an identification */
	bool dead_framing;   /* binary framing failed */
	uint16_t pre_lines;
	uint32_t pre_bytes;
	uint64_t ident_frame;
	ts_usec ident_ts;
	uint64_t ident_end;  /* stream offset just past the identification line */
	uint64_t off;        /* stream bytes received */
	/* the identification line being read (HS_IDENT), then what it said
	 * and the binary packets' framing: one phase at a time, so `ident` is
	 * only there once ident_seen */
	union {
		struct ssh_linebuf line;
		struct {
			struct ssh_ident ident;
			struct ssh_framer fr;
		};
	};

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
	uint8_t segs_acked;   /* bit i: segs[i] was acknowledged */
	uint8_t seg_pos, nsegs;
	uint32_t max_acked_len;
	uint32_t unacked_retrans; /* re-sent segments since the peer last acknowledged new data */

	/* this side's part of the session's key exchange block; NULL before
	 * either side sent binary packet bytes (read it with ssh_hk()) */
	struct half_kex *k;

	/* the cleartext-only record (struct half_clear), held only while the
	 * handshake is in cleartext; NULL before the binary phase and after
	 * both NEWKEYS */
	struct half_clear *clear;
	uint32_t clear_idx;   /* its slot in the pool */
};

_Static_assert(SEG_LOG <= 8, "segs_acked has a bit per recent segment");

struct ssh_sess {
	struct half h[2];
	struct ssh_kex *kex; /* the key exchange block, or NULL (see struct ssh_kex) */
	uint32_t kex_idx;    /* its slot in the pool */
	struct first_bytes first; /* the server's */
	uint32_t idx, next_free;
	bool expected;       /* SSH is expected: port 22, or the client identified */
	uint8_t rstate;      /* enum ssh_report_state */
	bool complete;       /* both NEWKEYS */
	bool waiting_client; /* server spoke non-SSH on another port: does the client speak SSH? */
	bool nego_done;
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

/* All zero: what a session without a key exchange block reads. */
extern const struct ssh_kex ssh_no_kex;

/* A side's key exchange record, empty before any binary packet. */
static inline const struct half_kex *ssh_hk(const struct half *h)
{
	return h->k ? h->k : &ssh_no_kex.h[0];
}

static inline const struct ssh_nego *ssh_nego_of(const struct ssh_sess *s)
{
	return s->kex ? &s->kex->nego : &ssh_no_kex.nego;
}

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

/* The client's data the server never acknowledged (while the handshake
 * waits on the server). */
struct unacked {
	uint32_t bytes;       /* client bytes beyond the server's highest ACK */
	uint32_t retrans;     /* their retransmissions */
	uint64_t frame;       /* the oldest such segment */
	ts_usec since;
};

/* The next message the handshake was waiting for. */
struct missing {
	int dir;              /* who should send it */
	const char *name;     /* the message's name (a constant string) */
	ts_usec since;        /* wait started */
	const struct msg_rec *last; /* last message of the other side */
};


/* ssh-pool.c: sessions and their blocks, from bounded pools */
void ssh_pool_init(void); /* empty, sized from sd_cfg.max_ssh */
void ssh_pool_free(void);
/* A cleared session for f (its app_state), or NULL when the pool is full
 * (counted, f given up as APP_OTHER). */
struct ssh_sess *ssh_sess_new(struct flow *f);
/* f's session and its blocks go back. */
void ssh_sess_free(struct flow *f);
/* A side's cleartext block, taken with its first binary bytes (nothing
 * without memory: its KEXINIT is then framed but not kept). */
void ssh_kx_take(struct half *h);
/* A side's first KEXINIT of `need` payload bytes comes: a larger block if
 * the one it has is too small. */
void ssh_kx_fit(struct half *h, uint32_t need);
/* Both sides' cleartext blocks go back (both NEWKEYS passed). */
void ssh_kx_give_back(struct ssh_sess *s);
/* The session's key exchange block; false when there is no memory. */
bool ssh_kex_take(struct ssh_sess *s);
void ssh_count_not_ssh(void);

/* ssh-report.c */
const struct msg_rec *ssh_server_reply(const struct ssh_sess *s);
void ssh_report_ok(struct flow *f, struct ssh_sess *s);
void ssh_report_complete(struct flow *f, struct ssh_sess *s);
void ssh_report_banner_stall(struct flow *f, struct ssh_sess *s, ts_usec now, enum trigger tr, int why);
void ssh_describe_first(struct ssh_sess *s);
/* What the server's first bytes look like (ssh_describe_first() made it), or "". */
const char *ssh_foreign(const struct ssh_sess *s, char *buf, size_t len);
void ssh_report_closed_before_banner(struct flow *f, struct ssh_sess *s);
void ssh_report_not_ssh(struct flow *f, struct ssh_sess *s, const char *next);
void ssh_report_version_mismatch(struct flow *f, struct ssh_sess *s);
void ssh_report_no_common(struct flow *f, struct ssh_sess *s, ts_usec now);
void ssh_report_kex_stall(struct flow *f, struct ssh_sess *s, ts_usec now, enum trigger tr, int why);
void ssh_report_auth_failed(struct flow *f, struct ssh_sess *s);

/* ssh-judge.c */
void ssh_loss_of(const struct flow *f, const struct ssh_sess *s, int x, struct loss *l);
void ssh_find_missing(const struct ssh_sess *s, struct missing *m);
bool ssh_client_unacked(const struct flow *f, const struct ssh_sess *s, struct unacked *u);
bool ssh_path_proven(const struct flow *f, const struct ssh_sess *s, ts_usec now);
bool ssh_answers_small(const struct enc_count *ans);
void ssh_judge_post(struct flow *f, struct ssh_sess *s);
bool ssh_sess_done(const struct ssh_sess *s);
void ssh_judge(struct flow *f, struct ssh_sess *s, ts_usec now, enum trigger tr, int why);
void ssh_arm(struct flow *f, struct ssh_sess *s);

/* ssh.c */
/* One more ssh.* verdict in the analyzer's counters. */
void ssh_count_verdict(void);
const struct half *ssh_cli(const struct ssh_sess *s);
const struct half *ssh_srv(const struct ssh_sess *s);
const char *ssh_who(int dir);
const char *ssh_dur(ts_usec d);
ts_usec ssh_since(ts_usec later, ts_usec earlier);
bool ssh_seq_ge(uint32_t a, uint32_t b);
bool ssh_seq_gt(uint32_t a, uint32_t b);
ts_usec ssh_est_time(const struct flow *f);
ts_usec ssh_start_time(const struct flow *f);
bool ssh_conn_open(const struct flow *f);
const struct msg_rec *ssh_find_msg(const struct half *h, uint8_t lo, uint8_t hi);
const struct msg_rec *ssh_last_msg(const struct half *h);
const char *ssh_mname(const struct ssh_sess *s, uint8_t msg);

#endif
