/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp.h - the per-packet TCP tracker and its verdicts.
 *
 * tcp.c follows both directions of every TCP flow packet by packet, on
 * every packet (libnids only supplies in-order bytes later on). Other
 * analyzers (ssh) read the tracker's facts from here: what each side sent,
 * what each side acknowledged, and when. */
#ifndef SHAKEDOWN_TCP_H
#define SHAKEDOWN_TCP_H

#include "../capture/flow.h"

enum tcp_phase {
	TCPS_NONE = 0,
	TCPS_SYN_SENT,    /* SYN seen, nothing back yet */
	TCPS_SYN_RCVD,    /* SYN-ACK seen, handshake ACK not yet */
	TCPS_ESTABLISHED,
	TCPS_CLOSING,     /* a FIN was seen */
	TCPS_CLOSED,      /* both FINs, both acknowledged */
	TCPS_RESET,
	TCPS_MIDSTREAM,   /* the capture began after the handshake */
};

/* What one side of the connection did. Sequence numbers are absolute. */
struct tcp_side {
	/* Ordered by size, widest first, flags in bits, so no holes (280
	 * bytes; a full TCP state holds two). */
	uint64_t data_bytes; /* new payload bytes */
	uint64_t acked_unseen; /* bytes the peer acknowledged that this capture never saw this side send */
	ts_usec first_syn_ts, syn_ts, first_fin_ts, fin_ts, rst_ts, first_data_ts, last_data_ts, last_ts, fin_ack_ts;
	ts_usec first_ts;    /* first packet from this side */
	ts_usec first_rtx_acked_ts;
	ts_usec first_rtx_ts, last_rtx_ts, last_ack_ts; /* last_ack: the peer last acknowledged new bytes */
	ts_usec zw_ts, zw_max_s, zw_max_start;
	uint32_t isn;
	uint32_t seq_next;   /* highest seq + len (+SYN/FIN) this side sent */
	uint32_t ack_hi;     /* highest ACK this side sent, i.e. acknowledging the peer */
	uint32_t fin_seq;    /* sequence number of this side's FIN */
	uint32_t win_hi;     /* largest window advertised (scaled) */
	uint32_t pkts;
	uint32_t data_pkts;  /* segments carrying new payload */
	uint32_t retrans;    /* segments repeating bytes already seen */
	uint32_t keepalives;
	uint32_t first_syn_frame, syn_frame, first_fin_frame, fin_frame, rst_frame, first_data_frame, last_data_frame,
		fin_ack_frame;
	/* a stall of this side's data: retransmissions of bytes the peer has
	 * not acknowledged, counted since the peer's ACK last moved */
	uint32_t rtx_unacked;
	uint32_t rtx_acked;  /* re-sent bytes the peer had already acknowledged (here) */
	uint32_t first_rtx_frame, last_ack_frame, first_rtx_acked_frame;
	uint32_t peer_pkts_at_rtx; /* the peer's packet count at the first retransmission */
	/* zero window advertised by this side while the peer probes */
	uint32_t zw_frame, zw_probes, zw_max_probes, zw_max_frame;
	uint16_t mss;
	/* fingerprint of this side's own packets (not SYNs, not resets), to
	 * tell its resets from ones a middlebox forged in its name */
	uint16_t ip_id_last;
	uint16_t win_last;   /* raw window of this side's latest packet */
	uint16_t rst_ip_id, rst_win;
	uint8_t wscale;      /* 0xff when no window scale option */
	uint8_t syn_count;   /* SYNs (or SYN-ACKs) sent, retransmissions included */
	uint8_t fin_count;   /* FINs sent, retransmissions included */
	uint8_t ttl_min, ttl_max;
	uint8_t rst_ttl;
	bool syn : 1, synack : 1, seq_known : 1, ack_known : 1, fin : 1, fin_acked : 1, rst : 1, zero_window : 1;
	bool ttl_known : 1, ip_id_known : 1, ip_id_varies : 1;
	bool zw_on : 1;
};
_Static_assert(sizeof(struct tcp_side) == 280, "one side of a TCP state is 280 bytes");

/* A compact record of a packet worth showing as evidence: 16 bytes (a
 * full TCP state holds 16 of them). The payload length saturates at
 * TCP_EV_LEN_MAX (a frame's wire length can claim up to 4 GiB in a lying
 * file; a real segment is at most 64 KiB, 512 KiB with BIG TCP), shown as
 * "len 1048575+". */
struct tcp_ev {
	ts_usec ts;
	uint32_t frame;
	uint32_t len : 20;
	uint32_t flags : 8;
	uint32_t note : 3; /* TCP_EVN_* */
	uint32_t dir : 1;
};
#define TCP_EV_LEN_MAX ((1u << 20) - 1)
_Static_assert(sizeof(struct tcp_ev) == 16, "an evidence record is 16 bytes");

enum { TCP_EVN_NONE = 0, TCP_EVN_RETRANS, TCP_EVN_KEEPALIVE, TCP_EVN_ZEROWIN, TCP_EVN_BADRST };

#define TCP_EV_HEAD 8
#define TCP_EV_TAIL 8
#define TCP_HIST_LEN 20

struct tcp_state {
	struct tcp_side side[2];
	uint8_t phase;               /* enum tcp_phase */
	bool handshake_seen;         /* SYN, SYN-ACK and ACK all seen */
	bool mptcp;                  /* Multipath TCP options seen: bytes may travel on another subflow */
	uint8_t bad_rsts;            /* resets that did not acknowledge the SYN (ignored) */
	bool prev_time_wait;         /* this 4-tuple closed recently (time_wait_reuse) */
	uint8_t nev_head, ev_tail_pos;
	uint8_t nhist;
	uint32_t reported;           /* bitmask of verdicts already emitted */
	uint32_t est_frame;          /* handshake ACK */
	ts_usec est_ts;
	ts_usec prev_close_ts;       /* previous connection's close on this tuple */
	uint32_t prev_close_frame;
	struct pflog_meta pf; /* of the last logged packet (pfSense pflog0 captures) */
	char hist[TCP_HIST_LEN + 1]; /* Zeek-style history, upper case = initiator */
	uint32_t nev_total;
	struct tcp_ev ev_head[TCP_EV_HEAD];
	struct tcp_ev ev_tail[TCP_EV_TAIL];
};
_Static_assert(sizeof(struct tcp_state) == 928, "a full TCP state is 928 bytes");

struct flow;
struct pkt;
struct verdict;

void tcp_tracker_init(void);
/* Give the state pool back (the analyzer's teardown). */
void tcp_tracker_free(void);
void tcp_flow_new(struct flow *f, const struct pkt *p);
/* Between packets: keep a connection that is only its client's SYNs so far
 * in a compact form (~40 bytes instead of a full state). Every tcp_*
 * function takes it back transparently; the dispatcher calls this after
 * each call into the TCP tracker and the analyzers that read it. */
void tcp_state_pack(struct flow *f);
/* Connections held packed right now (tests, memory accounting). */
uint64_t tcp_packed_active(void);
/* A connection silent for a while (the flow table's quiet callback): keep
 * its full state squeezed, losslessly, in a block of 96 to 768 bytes
 * instead of 928 until its next packet, timer or end, which take it back
 * transparently as tcp_state_pack's form is. */
void tcp_state_squeeze(struct flow *f);
/* Connections held squeezed right now (tests, memory accounting). */
uint64_t tcp_squeezed_active(void);
/* Ask the CPU for f's compact TCP state, if it has one (a prefetch). */
void tcp_prefetch_packed(const struct flow *f);
enum tcp_step {
	TCP_STEP_DONE,           /* the packet was tracked */
	TCP_STEP_NEW_CONNECTION, /* a new connection reuses the 4-tuple: nothing
				  * was done; end the application analyzers'
				  * connection, call tcp_restart(), then feed
				  * the packet again */
	TCP_STEP_CLOSED,         /* the packet was tracked and closed the
				  * connection cleanly (both FINs acknowledged):
				  * nothing can change its verdicts any more, so
				  * the flow may end now (judged, its state
				  * freed, TIME_WAIT remembered) */
};
enum tcp_step tcp_packet(struct flow *f, int dir, const struct pkt *p);
/* The tracker ends the old connection (its verdicts) and starts afresh. */
void tcp_restart(struct flow *f, const struct pkt *p);
/* An ICMP/ICMPv6 error quoting a segment of this flow. */
void tcp_icmp(struct flow *f, int dir, const struct pkt *icmp);
void tcp_timer(struct flow *f, ts_usec now);
void tcp_flow_end(struct flow *f, int why, ts_usec now);
/* The connection closed cleanly (tcp_packet said TCP_STEP_CLOSED): judge
 * it as at its flow's end, remember its TIME_WAIT, free its state, and
 * mark the flow closed (flow_state.tcp_closed). */
void tcp_close(struct flow *f, ts_usec now);
void tcp_finish(ts_usec now);
void tcp_describe(const struct flow *f, ts_usec now, char *buf, size_t len);

/* Evidence and facts for other analyzers' verdicts. */
void tcp_add_evidence(const struct flow *f, struct verdict *v);
/* pf's state pair for this connection, e.g. "ESTABLISHED:ESTABLISHED". */
const char *tcp_pf_states(const struct flow *f, char *buf, size_t len);
/* Add the common TCP details (history, pf states, handshake time) to v. */
void tcp_add_details(const struct flow *f, struct verdict *v);
/* Bytes side `dir` sent beyond what the capture showed, that the peer ACKed. */
uint64_t tcp_acked_unseen(const struct flow *f, int dir);

/* Read-only TCP facts for the application analyzers (SSH), so that they
 * never read the tracker's structs. Times are 0 when unknown. */
/* The first SYN, else the flow's first packet. */
ts_usec tcp_start_time(const struct flow *f);
/* The handshake's ACK, else the SYN-ACK. */
ts_usec tcp_setup_time(const struct flow *f);
/* Both the SYN and the SYN-ACK were seen. */
bool tcp_syn_answered(const struct flow *f);
/* The three-way handshake completed. */
bool tcp_established(const struct flow *f);
/* Multipath TCP was negotiated (the bytes of one subflow are not the stream). */
bool tcp_is_mptcp(const struct flow *f);
/* Retransmitted segments from side dir. */
uint32_t tcp_retransmissions(const struct flow *f, int dir);
/* The sequence number of side dir's first data byte (ISN + 1), once its
 * SYN (or SYN-ACK) was seen. */
bool tcp_data_start(const struct flow *f, int dir, uint32_t *seq);
/* The highest ACK the peer sent for side dir's data, if it sent any. */
bool tcp_peer_ack(const struct flow *f, int dir, uint32_t *ack);
struct run_summary;
/* Flow counts for the capture-quality verdicts. */
void tcp_fill_summary(struct run_summary *sum);


#endif
