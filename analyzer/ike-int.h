/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike-int.h - private to the IKE analyzer's files (ike*.c, esp.c): the SA
 * record, its message log and requests, the SA table, and the functions
 * the files share. Nothing outside the IKE analyzer includes it. */
#ifndef SHAKEDOWN_IKE_INT_H
#define SHAKEDOWN_IKE_INT_H

#include "../capture/cursor.h"
#include "flow-state.h"
#include "analyzer/ike.h"
#include "config.h"
#include "esp-sa.h"
#include "ike-proto.h"
#include "verdict.h"

#define NAT_T_PORT 4500
#define IKE_PORT 500

enum { SIDE_I = 0, SIDE_R = 1 };

/* What the NAT detection data said about one peer's address: its own
 * source hash matched (or not) the address seen here; the other peer's
 * destination hash matched (or not) the address seen here. */
enum { NAT_SRC_OK = 1, NAT_SRC_BAD = 2, NAT_DST_OK = 4, NAT_DST_BAD = 8 };

/* Shape of an encrypted IKE_AUTH response, judged from its size. */
enum auth_shape { SHAPE_UNKNOWN = 0, SHAPE_NOTIFY_ONLY, SHAPE_NO_CHILD, SHAPE_FULL };

/* How far the IKE SA's setup has come. Each message handler checks the
 * state it expects and moves the SA forward, never back: a capture that
 * began mid-way (or lost a message) may skip a state.
 *   NEW        the first message seen, nothing proves an answer yet
 *   INIT_DONE  IKE_SA_INIT / main mode 2 / aggressive mode 2 chose a proposal
 *   AUTH_SENT  IKE_AUTH / main mode 5 left the initiator
 *   UP         the IKE SA is established (IKE_AUTH answered, MM6, AM3, or a
 *              quick mode proves phase 1 done) */
enum ike_hs { IKE_HS_NEW = 0, IKE_HS_INIT_DONE, IKE_HS_AUTH_SENT, IKE_HS_UP };

/* Bits of ike_sa.reported: verdicts already given for this SA. */
enum {
	R_NO_RESPONSE = 1u << 0,
	R_ICMP = 1u << 1,
	R_NATT = 1u << 2,
	R_NO_PROPOSAL = 1u << 3,
	R_DH = 1u << 4,
	R_AUTH_FAILED = 1u << 5,
	R_TS = 1u << 6,
	R_AUTH_LIKELY = 1u << 7,
	R_CHILD_LIKELY = 1u << 8,
	R_VERSION = 1u << 9,
	R_FRAGS = 1u << 10,
	R_DPD = 1u << 11,
	R_REKEY = 1u << 12,
	R_ABANDONED = 1u << 13,
	R_ESP = 1u << 14,
	R_OK = 1u << 15,
	R_LOST = 1u << 16,
	R_ESP_STOP = 1u << 17,
};

#define LOG_HEAD 14
#define LOG_TAIL 10
#define LOG_SLOTS (LOG_HEAD + LOG_TAIL) /* head slots first, then the ring */
#define IKE_LOG_BLOCK 4  /* log records per block (ike-text.c) */
#define IKE_SA_TEXTS 5   /* texts an SA refers to: offered, chosen, notifies, 2 vendors */

_Static_assert(LOG_SLOTS % IKE_LOG_BLOCK == 0, "the log is whole blocks");

/* Frame numbers in the records below (SA, request, log record) are 32-bit,
 * as in the TCP state (tcp.h): 1-based per file as Wireshark counts, and
 * past 2^32 frames of one file (a 4-billion-frame file or a live run that
 * long) they wrap, modulo 2^32; a frame that lands on 0 then reads as
 * "none" where 0 means none (icmp_frame, qm_refused_frame). struct pkt and
 * the verdicts' evidence keep 64 bits. */

/* One IKE message, as remembered for evidence: what the handlers fill in
 * (32 bytes: the 64-bit time aligns it; 6 bytes are padding). The log
 * keeps it packed in 24 (ike-text.c). */
struct mrec {
	ts_usec ts;
	uint32_t frame;
	uint32_t msgid;
	uint16_t len;
	uint16_t note; /* a notify worth naming (error, INVALID_KE, COOKIE) */
	uint8_t exch;
	uint8_t side;  /* sender */
	uint8_t v1pos; /* IKEv1 main/aggressive position, 0 otherwise */
	uint8_t skf_num, skf_total; /* IKEv2 fragment (RFC 7383), 0 if none */
	bool response : 1, retrans : 1, natt : 1, frag : 1, enc : 1, dpd_like : 1;
};
_Static_assert(sizeof(struct mrec) == 32, "a log record is 32 bytes");

/* The latest request of one side. For IKEv1, whose messages carry no
 * request/response flag, a message expecting an answer (main mode 1-5,
 * aggressive 1-2, quick mode 1-2) plays the request. Fields widest first
 * (96 bytes; an SA holds two). */
struct req {
	uint64_t fp;       /* fingerprint of the message bytes */
	ts_usec first_ts, last_ts, answer_ts;
	ts_usec gap;       /* between its last two copies (0: one copy) */
	ts_usec icmp_ts;   /* an ICMP error about it (with icmp_frame, icmp_type, icmp_code) */
	uint32_t first_frame, last_frame, answer_frame;
	uint32_t icmp_frame; /* 0: no ICMP error */
	uint32_t msgid;
	uint32_t inner;    /* IKEv2: plaintext bytes the SK payload can hold */
	uint32_t skf_mask; /* IKEv2 fragments of the current copy seen (bit n-1) */
	uint16_t len;
	uint16_t answer_note; /* the answer asked for a retry (INVALID_KE, COOKIE) */
	uint8_t exch;
	uint8_t v1pos;
	uint8_t sends;     /* copies seen, the first one included */
	uint8_t answers;   /* answers seen (retransmitted answers included) */
	uint8_t resent_after_answer; /* copies that left after an answer had passed here */
	uint8_t frag_firsts, frag_done;
	uint8_t icmp_type, icmp_code;
	bool active, answered, judged;
	bool natt;         /* sent on 4500 */
	bool frag;         /* seen as IP fragments */
};
_Static_assert(sizeof(struct req) == 96, "a request record is 96 bytes");

/* One IKE SA (IKE_SA_BYTES). Each part below keeps its fields widest
 * first and the flags of all parts are bits in two bytes, so the record
 * has no holes but one spare byte before the requests; what only some
 * SAs need lives beside it (ike-text.c), by 32-bit id: texts and the
 * message log, IKEv1's state (struct ike_v1, IKEv1 SAs only), pf's log
 * fields (pflog captures only). */
#define IKE_SA_BYTES 568
struct ike_sa {
	uint64_t flow_id;
	ts_usec first_ts, last_ts;
	uint32_t first_frame, last_frame;
	uint32_t msgs[2];
	uint32_t answered_reqs;
	uint32_t generation;
	uint32_t hnext;    /* the initiator SPI's hash chain (index+1; 0 = end) */
	struct addr ini, rsp;
	uint8_t spi_i[8], spi_r[8];
	uint16_t iport, rport;         /* as in the first message */
	uint16_t iport_now, rport_now; /* after the move to 4500 */
	uint8_t ver; /* 1 or 2 */
	bool in_use : 1;
	bool have_spir : 1;
	bool midstream : 1;            /* the capture began after the SA was set up */
	bool floated : 1;
	bool resp_natt : 1;            /* the responder sent something on 4500 */

	/* setup progress: one state, advanced by the message handlers (IKEv1's
	 * main, aggressive and quick modes: the v1 side record), and the
	 * IKE_AUTH answer (the rest below) */
	ts_usec rekey_err_ts;
	ts_usec child_ok_ts; /* latest child SA that came up */
	ts_usec up_ts;
	ts_usec auth_ts;
	uint32_t rekey_err_frame;
	uint32_t auth_frame;
	uint32_t auth_inner, auth_req_inner;
	uint32_t v1;       /* the SA's IKEv1 side record (ike-text.c), id; 0 = none */
	uint16_t auth_len;
	uint8_t hs;        /* enum ike_hs */
	uint8_t shape;
	/* (child_up, rekey_error, bad, final, esp_two_way, ho_linked: with
	 * the flags below) */

	/* negotiated crypto */
	ts_usec ke_ts;
	uint32_t ke_frame;
	/* texts: ids of shared copies (ike-text.c), 0 = empty; read with
	 * ike_text(), written with ike_text_set() / ike_text_append_once() in
	 * at most the room given here */
#define IKE_OFFERED_ROOM VERDICT_VALUE_LEN
#define IKE_TEXT_ROOM 160
	uint32_t offered;  /* IKE_OFFERED_ROOM */
	uint32_t chosen;   /* IKE_TEXT_ROOM */
	uint16_t encr, encr_keylen, integ, prf, dh;
	uint16_t ke_sent, ke_asked, ke_retry_group;
	uint8_t n_invalid_ke, n_cookie;
	/* (have_chosen, ke_resolved: with the flags below) */

	/* first cleartext error notify */
	uint16_t err;
	ts_usec err_ts;
	uint32_t err_frame;
	uint32_t notifies; /* names of every notify seen, once each (IKE_TEXT_ROOM) */
	uint8_t err_side, err_exch;

	/* NAT as seen from here */
	uint8_t nat_i, nat_r;

	/* message log: the first LOG_HEAD, then a ring of the last LOG_TAIL,
	 * kept in blocks taken as it grows (ike-text.c): their ids, 0 = none */
	uint32_t nlog;
	uint32_t log[LOG_SLOTS / IKE_LOG_BLOCK];
	uint32_t vendors[2]; /* IKE_TEXT_ROOM each */
	uint32_t reported;
	uint8_t nhead;

	/* the flags of the parts above, in two bytes (one byte spare before
	 * the requests) */
	bool child_up : 1;     /* a child SA came up (or must have, as ESP flows) */
	bool rekey_error : 1;  /* a CREATE_CHILD_SA answer too small for success */
	bool bad : 1;     /* a warn or fail verdict was given about this SA */
	bool final : 1;   /* end-of-SA evaluation done */
	bool esp_two_way : 1; /* ESP seen both ways since up: ike_check_esp() has nothing left to find */
	bool ho_linked : 1;   /* on the half-open list (ho_prev, ho_next below) */
	bool have_chosen : 1;
	bool ke_resolved : 1;  /* a retry after INVALID_KE_PAYLOAD succeeded */
	bool no_prop_pending : 1, no_prop_phase2 : 1; /* NO_PROPOSAL_CHOSEN seen, verdict not given yet */
	bool natd_seen : 1, natt_vid : 1;
	bool frag_supported : 1;

	struct req req[2];

	/* ESP between the peers packet by packet (esp.c), to see one direction
	 * stop while the other keeps sending */
	uint64_t esp_n[2];
	ts_usec esp_last[2];
	ts_usec esp_run_first[2];
	uint32_t esp_last_frame[2];
	uint32_t esp_spi_last[2];
	uint32_t esp_run[2];      /* packets from a side since the other side's last one */
	uint32_t esp_run_frame[2];
	/* pf's log fields of the last logged message (pfSense pflog0
	 * captures): a side record (ike-text.c), read with ike_pf(); 0 = none */
	uint32_t pf;
	uint32_t prev; /* index+1 of the previous attempt between the same peers */
	uint32_t next; /* index+1 of the attempt that followed */
	uint32_t idx;
	/* the half-open list (ike-sa.c): SAs of one message so far, oldest first */
	uint32_t ho_prev, ho_next; /* index+1; 0 = none */
};
_Static_assert(sizeof(struct ike_sa) == IKE_SA_BYTES, "the IKE SA record is IKE_SA_BYTES bytes");

/* What only IKEv1 follows (main or aggressive mode, quick mode, its
 * Informationals): a side record of the SA (ike-text.c), taken by its
 * first IKEv1 message, so that an IKEv2 SA does not carry it. Read it with
 * ike_v1_of() (zeroes for an SA without one), write it through
 * ike_v1_take(). 120 bytes, widest first (4 of them padding). */
struct ike_v1 {
	uint64_t mm_fp[2]; /* last main mode message of each side */
	uint64_t qm_fp[2];
	ts_usec qm_refused_ts;
	ts_usec info_first[2], info_last[2];
	uint32_t qm_refused_frame;   /* a quick mode offer answered by an Informational; 0: none */
	uint32_t qm_msgid;
	uint32_t info_after_auth;    /* Informationals from the responder after main mode 5 */
	uint32_t n_info[2];
	uint32_t info_frame[2];
	/* Informationals one side sent since the other's last message (DPD
	 * R-U-THERE travels in them, encrypted) */
	uint32_t info_run[2];
	uint16_t hash;     /* the chosen hash (NAT-D) */
	uint8_t exch;      /* main or aggressive */
	uint8_t mm_count;  /* distinct main/aggressive mode messages */
	uint8_t qm_count, qm_side, qm_done;
	uint8_t qm_refused_done;     /* qm_done at that time */
};
_Static_assert(sizeof(struct ike_v1) == 120, "the IKEv1 side record is 120 bytes");

/* Has the SA's setup reached state `s`? */
static inline bool ike_hs_reached(const struct ike_sa *sa, enum ike_hs s)
{
	return sa->hs >= s;
}

/* Move the SA forward to `s` (a state already passed stays). */
static inline void ike_hs_advance(struct ike_sa *sa, enum ike_hs s)
{
	if (sa->hs < s)
		sa->hs = (uint8_t)s;
}

#define SA_CHUNK 128
#define SA_MAX_CHUNKS 4096

/* The SA table and the analyzer's counters (ike-sa.c owns it). */
struct ike_tables {
	struct ike_sa *chunks[SA_MAX_CHUNKS];
	uint32_t nchunks, nused, cap;
	uint32_t *buckets;
	uint32_t *latest; /* by peer-pair hash: index+1 of the newest SA between them */
	uint32_t nbuckets;
	uint32_t recycle_cursor;
	uint32_t generation;
	uint32_t ho_head, ho_tail; /* the half-open list, index+1 */
	uint32_t ho_count;         /* SAs on it */
	ts_usec last_tick;
	/* counters */
	uint64_t msgs, bad_msgs, keepalives, esp_udp, esp_plain, fragments;
	uint64_t sa_created, sa_recycled, table_full;
	uint64_t half_open_evicted; /* recycled SAs that had shown one message only */
	/* ike-text.c: texts, log blocks and pf records held now and at most,
	 * and what found no room (out of memory only: all three are bounded
	 * by the table) */
	uint32_t texts, texts_peak, log_blocks, log_blocks_peak, pf_records, pf_records_peak;
	uint32_t v1_records, v1_records_peak;
	uint64_t text_lost, log_lost, pf_lost, v1_lost;
};
extern struct ike_tables ike_tab;


/* ESP between the two peers since a time. */
struct esp_sum {
	const struct ike_sa *sa;
	uint64_t pkts[2], bytes[2];
	uint32_t nspi[2];
	bool plain[2], udp[2];
	uint64_t first_frame[2], last_frame[2];
	ts_usec first_ts[2], last_ts[2];
	uint32_t spi[2];
	uint64_t gaps, replays;
	bool want_list;
	char list[VERDICT_VALUE_LEN]; /* last: esp_summarize_list only */
};

/* ike-text.c */
void ike_store_init(uint32_t max_sas);
void ike_store_free(void);
/* What the SA holds there goes back (before its slot is reused). */
void ike_store_release(struct ike_sa *sa);
const char *ike_text(uint32_t id);
void ike_text_set(uint32_t *slot, const char *s);
/* ike_append_once() on a text, within `room` bytes. */
void ike_text_append_once(uint32_t *slot, size_t room, const char *item);
/* Log slot 0..LOG_SLOTS-1 (head first, then the ring); put returns false
 * when no block could be had. */
struct mrec ike_log_slot(const struct ike_sa *sa, unsigned slot);
bool ike_log_put(struct ike_sa *sa, unsigned slot, const struct mrec *r);
/* pf's log fields of the SA's last logged message (present = false when
 * none); set copies them into the SA's side record, taken the first time. */
const struct pflog_meta *ike_pf(const struct ike_sa *sa);
void ike_pf_set(struct ike_sa *sa, const struct pflog_meta *m);
/* The SA's IKEv1 side record: _of reads it (all zeroes when the SA has
 * none), _take gives it for writing, taken (zeroed) the first time; NULL
 * only out of memory (counted). */
const struct ike_v1 *ike_v1_of(const struct ike_sa *sa);
struct ike_v1 *ike_v1_take(struct ike_sa *sa);

/* ike-sa.c */
struct ike_sa *ike_sa_at(uint32_t idx);
/* The attempt between the same peers linked after (ike_sa_next) or before
 * (ike_sa_prev) sa, or NULL. A link is followed only when its target links
 * back: a slot recycled since (a full table) holds another SA, which is
 * not sa's attempt whatever it did. */
struct ike_sa *ike_sa_next(const struct ike_sa *sa);
struct ike_sa *ike_sa_prev(const struct ike_sa *sa);
uint64_t ike_fingerprint(const uint8_t *b, size_t n);
struct ike_sa *ike_sa_new(const uint8_t spi_i[8], ts_usec now);
struct ike_sa *ike_sa_find(const struct ike_hdr *h);
void ike_sa_seen_twice(struct ike_sa *sa);
/* Is item one of the ", "-separated entries of buf? */
bool ike_list_has(const char *buf, const char *item);
void ike_append_once(char *buf, size_t len, const char *item);
const char *ike_exch_short(uint8_t ver, uint8_t exch);
void ike_log_msg(struct ike_sa *sa, const struct mrec *r);
void ike_ev_log(struct verdict *v, const struct ike_sa *sa, int only_side, int64_t only_msgid);
/* One logged message as evidence (also one not logged yet: the message being handled). */
void ike_ev_from_rec(struct verdict *v, const struct ike_sa *sa, const struct mrec *r);
const char *ike_nat_text(uint8_t st);
bool ike_nat_found(uint8_t st);
void ike_spi_hex(const uint8_t spi[8], char *buf);
void ike_exchange_list(const struct ike_sa *sa, char *buf, size_t len);
double ike_secs(ts_usec d);
void ike_schedule(const struct ike_sa *sa, const struct req *r, int side, char *buf, size_t len);

/* ike-verdicts.c */
void ike_sa_verdict(struct verdict *v, enum verdict_id id, enum severity sev, struct ike_sa *sa);
void ike_sa_details(struct verdict *v, const struct ike_sa *sa);
void ike_emit_error_notify(struct ike_sa *sa, const struct ike_msg *m, uint16_t type, const struct mrec *rec);
void ike_emit_auth_likely(struct ike_sa *sa, const char *after);
void ike_sa_evaluate(struct ike_sa *sa, ts_usec now, bool at_end);
void ike_sa_finalize(struct ike_sa *sa, ts_usec now);

/* esp.c */
/* Packets, bytes, first and last ESP of the SA's peers since `since`;
 * the _list variant also names every ESP SA in e->list (snprintf per SA:
 * only for verdicts that print it). */
void esp_summarize(const struct ike_sa *sa, ts_usec since, struct esp_sum *e);
void esp_summarize_list(const struct ike_sa *sa, ts_usec since, struct esp_sum *e);
bool ike_saw_esp_since(const struct ike_sa *sa, ts_usec since);
void ike_check_esp(struct ike_sa *sa, ts_usec now, bool at_end);

/* ike-v2.c */
void ike_handle_v2(struct ike_sa *sa, int side, const struct ike_msg *m, const struct pkt *p, struct mrec *rec,
		      uint64_t fp, bool natt);

/* ike-v1.c */
void ike_handle_v1(struct ike_sa *sa, int side, const struct ike_msg *m, const struct pkt *p, struct mrec *rec,
		      uint64_t fp, bool natt);

/* esp.c */
struct ike_sa *ike_esp_note(struct flow *f, const struct pkt *p, uint32_t spi, struct esp_sa *e);

/* ike.c */
struct ike_sa *ike_sa_between(const struct addr *a, const struct addr *b);
/* The same for a packet of ESP SA `e` (may be NULL), with the buckets
 * remembered in `e` instead of hashing the addresses each time. */
struct ike_sa *ike_sa_between_esp(struct esp_sa *e, const struct pkt *p);
bool ike_is_auth_error(bool v2, uint16_t t);
bool ike_natd_match(const struct ike_sa *sa, const uint8_t *hash, size_t hlen, const struct addr *a,
		       uint16_t port, const struct ike_hdr *h);
void ike_nat_note(struct ike_sa *sa, int side, bool src_ok, bool dst_ok);
void ike_keep_first_error(struct ike_sa *sa, int side, uint8_t ex, uint16_t err, const struct pkt *p);
uint16_t ike_first_error(const struct ike_msg *m);
void ike_mark_up(struct ike_sa *sa, ts_usec ts);
void ike_new_request(struct req *r, const struct ike_msg *m, uint8_t v1pos, uint64_t fp, const struct pkt *p,
			uint16_t len, bool natt, uint32_t room);
void ike_answer(struct ike_sa *sa, int side_of_req, const struct pkt *p);
void ike_answer_again(struct ike_sa *sa, int side_of_req);
void ike_resent(struct req *r, ts_usec ts);

#endif
