/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp-int.h - private to the TCP tracker's files (tcp.c, tcp-verdicts.c):
 * sequence arithmetic, the reported-verdict bits, and the functions the two
 * share. Nothing outside the TCP tracker includes it. */
#ifndef SHAKEDOWN_TCP_INT_H
#define SHAKEDOWN_TCP_INT_H

#include "flow-state.h"
#include "config.h"
#include "tcp.h"
#include "verdict.h"

/* sequence space comparisons, wrap-around safe */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* bits of tcp_state.reported */
enum {
	R_SYN_UNANSWERED = 1 << 0,
	R_REFUSED = 1 << 1,
	R_ICMP = 1 << 2,
	R_ONE_SIDED = 1 << 3,
	R_FIN_UNACKED_C = 1 << 4,
	R_FIN_UNACKED_S = 1 << 5,
	R_HALF_CLOSED = 1 << 6,
	R_TIME_WAIT = 1 << 7,
	R_SLOW = 1 << 8,
	R_RESET = 1 << 9,
	R_OK = 1 << 10,
	R_SYNACK_UNSEEN = 1 << 11, /* the client ACKed a SYN-ACK we never saw */
	R_MIDSTREAM_COUNTED = 1 << 12,
	R_STALLED = 1 << 13,
	R_ZERO_WINDOW = 1 << 14,
	R_CAPTURE_ENDED = 1 << 15,
};

/* tcp-state.c: the pool of full states (emptied and made ready by
 * tcp_state_pool_reset at each run's start and end), a cleared state
 * (no window scale seen on either side), and the compact half-open form. */
void tcp_state_pool_reset(void);
struct tcp_state *tcp_state_get(void); /* NULL when the pool is at its cap or out of memory */
void tcp_state_put(struct tcp_state *t);
void tcp_state_clear(struct tcp_state *t);
/* The full state of a packed flow (see tcp_state_pack), taken from the
 * pool; a read-only copy of it in a scratch buffer. */
struct tcp_state *tcp_state_unpack(struct flow *f);
const struct tcp_state *tcp_state_view(const struct flow *f);
/* The compact form of a connection that is only its client's SYNs (the
 * first, the latest, and their count); reported holds tcp_state.reported
 * (at most 16 bits). ev_flags: the first SYN's TCP flags, then the
 * latest's. 40 bytes. */
struct tcp_syn_only {
	ts_usec first_syn_ts, syn_ts;
	uint32_t isn, first_syn_frame, syn_frame;
	uint16_t mss, win_last, reported;
	uint8_t wscale, syn_count, ttl_min, ttl_max, ev_flags[2];
};
_Static_assert(sizeof(struct tcp_syn_only) == 40, "the compact form of a half-open connection is 40 bytes");
/* The same for three SYNs or more, as long as the full state's evidence
 * holds them all (TCP_EV_HEAD): the SYNs between the first and the latest,
 * each as its frame, its time after the first SYN (microseconds) and its
 * flags. A client retrying an unanswered SYN (a blocked port: Linux sends
 * 7 by default over 63 s) is held in 96 bytes, not 928. */
#define TCP_SYN_MIDDLE (TCP_EV_HEAD - 2)
struct tcp_syn_wide {
	struct tcp_syn_only c;
	uint32_t frame[TCP_SYN_MIDDLE];
	uint32_t after_us[TCP_SYN_MIDDLE];
	uint8_t flags[TCP_SYN_MIDDLE];
};
_Static_assert(sizeof(struct tcp_syn_wide) <= 96, "the wide compact form stays within 96 bytes");
/* f's compact form, or NULL (a full state, or none). */
struct tcp_syn_only *tcp_syn_only_of(struct flow *f);
/* Keep a new flow's first packet, a plain SYN (tcp.c checks which), in
 * compact form at once: false when the compact pool is at its cap. */
bool tcp_syn_only_start(struct flow *f, const struct pkt *p);
/* Give back f's state, full or compact. */
void tcp_state_release(struct flow *f);

static inline struct tcp_state *tcp_ts_of(struct flow *f)
{
	struct flow_state *fs = flow_state(f);
	return fs->tcp || !fs->tcp_packed ? fs->tcp : tcp_state_unpack(f);
}
static inline const struct tcp_state *ts_of_c(const struct flow *f)
{
	const struct flow_state *fs = flow_state_c(f);
	return fs->tcp || !fs->tcp_packed ? fs->tcp : tcp_state_view(f);
}

/* tcp-timewait.c: what TIME_WAIT reuse needs of a closed connection,
 * after its flow has left the table. The table keeps it in a 16-byte slot
 * (a 4-way set-associative table; see that file); this is the record as
 * its callers write and read it. */
struct tw_record {
	ts_usec close_ts; /* when it closed (the reset attempt: its RST) */
	/* or: an attempt the client itself reset before any answer; a SYN
	 * with the same ISN later continues it (the same attempt) */
	ts_usec first_syn_ts;
	uint32_t frame; /* the frame that closed it */
	uint32_t isn, first_syn_frame;
	uint8_t syn_count;
	bool rst_attempt;
};
void tcp_timewait_init(void); /* empty, at each run's start */
void tcp_timewait_free(void);
/* The record of f's 4-tuple into *r: false when there is none. */
bool tcp_timewait_find(const struct flow *f, struct tw_record *r);
/* Remembers r for f's 4-tuple, closed at r->close_ts (frame r->frame), in
 * its own slot, a free one, one out of TIME_WAIT, else the oldest (counted
 * in tcp_timewait_limit). */
void tcp_timewait_put(const struct flow *f, const struct tw_record *r);
/* Bytes the table holds now (its slots and full records), for tests. */
size_t tcp_timewait_bytes(void);
struct limit_hit tcp_timewait_limit(void);

#define USEC_F 1e6
/* how long a closed or reset connection stays in the flow table after its
 * last packet, to absorb the final ACKs and retransmissions */
#define CLOSED_LINGER SEC(2)
/* idle times by state, in the manner of pf's tcp.opening and tcp.closing:
 * a half-open or half-closed flow that goes quiet leaves the table long
 * before an established one (which may idle for minutes) */
#define OPENING_IDLE SEC(30)
#define CLOSING_IDLE SEC(45)
/* a stall is called while the connection goes on only after this long
 * without an acknowledgement (at its end, two retransmissions suffice) */
#define STALL_WAIT SEC(10)
/* a zero window is worth a verdict when it lasts this long while probed;
 * while the connection goes on, only once it lasted ZERO_WINDOW_LIVE */
#define ZERO_WINDOW_WARN SEC(1)
#define ZERO_WINDOW_LIVE SEC(5)


/* tcp-verdicts.c */
void tcp_report_refused(struct flow *f, const struct pkt *rst);
void tcp_report_slow_handshake(struct flow *f);
void tcp_report_syn_unanswered(struct flow *f, ts_usec now, bool ended, bool quiet);
bool tcp_one_sided_evidence(const struct flow *f, int *only_dir, bool *works);
void tcp_report_one_sided(struct flow *f, int only, bool works);
void tcp_report_fin_unacked(struct flow *f, int dir, ts_usec now, bool ended);
void tcp_report_half_closed(struct flow *f, int closer, ts_usec now, bool ended);
void tcp_report_reset(struct flow *f);
void tcp_report_ok(struct flow *f);
void tcp_report_time_wait_reuse(struct flow *f, const char *peer_did);
void tcp_report_stalled(struct flow *f, int dir, ts_usec now, bool acked_here);
void tcp_report_zero_window(struct flow *f, int dir, ts_usec now);
void tcp_report_capture_ended(struct flow *f, ts_usec now);

/* tcp.c */
/* The TTL range of the SYN-ACKs and first data segments address a sent so
 * far in this capture (false: none seen, or not remembered). */
bool tcp_server_ttl(const struct addr *a, uint8_t *ttl_min, uint8_t *ttl_max);
/* Empty the per-target aggregation of unanswered SYNs. */
void tcp_syn_agg_reset(void);
struct limit_hit tcp_syn_agg_limit(void);

#endif
